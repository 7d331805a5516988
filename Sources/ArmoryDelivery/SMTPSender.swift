import ArmoryCore
import ArmoryStore
import Foundation
import NIOCore
import NIOPosix
import NIOSSL

/// Where e-mail goes: an SMTP relay (`armory serve --smtp HOST:PORT --smtp-from ADDRESS`).
public struct SMTPRelay: Sendable, Equatable {
    public let host: String
    public let port: Int
    public let from: String
    public init(host: String, port: Int, from: String) {
        self.host = host
        self.port = port
        self.from = from
    }
}

/// Sends alarms as plain-text e-mail with a link to the entry, over an SMTP relay: EHLO,
/// STARTTLS when the relay offers it (the certificate checked), then one message. A relay
/// that answers 4xx, or cannot be reached, is tried again later; 5xx is a refusal.
public struct SMTPSender: AlarmSender {
    /// How long the whole conversation may take.
    public static let timeout: TimeAmount = .seconds(20)
    /// The longest reply line taken from a relay.
    static let longestLine = 4096

    let relay: SMTPRelay
    let group: any EventLoopGroup
    let tls: NIOSSLContext?
    /// This server's name, said in EHLO.
    let helloName: String

    public init(relay: SMTPRelay, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton, helloName: String = "armory.localhost") {
        self.relay = relay
        self.group = group
        self.tls = try? NIOSSLContext(configuration: .makeClientConfiguration())
        self.helloName = helloName
    }

    /// Is `text` an e-mail address Armory will send to: one `@`, a dot-free-or-dotted domain,
    /// no spaces, no control characters, at most 254 bytes.
    public static func isAddress(_ text: String) -> Bool {
        guard text.utf8.count <= 254, !text.isEmpty else { return false }
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[0].utf8.count <= 64, !parts[1].isEmpty else { return false }
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.!#$%&'*+-/=?^_`{|}~".utf8)
        guard parts[0].utf8.allSatisfy(allowed.contains), !parts[0].hasPrefix("."), !parts[0].hasSuffix("."), !parts[0].contains("..") else { return false }
        let labels = parts[1].split(separator: ".", omittingEmptySubsequences: false)
        return labels.allSatisfy { l in
            !l.isEmpty && l.utf8.count <= 63 && !l.hasPrefix("-") && !l.hasSuffix("-")
                && l.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5a) || ($0 >= 0x61 && $0 <= 0x7a) || $0 == 0x2d }
        }
    }

    /// The message: headers and a plain-text body, lines ending CRLF, dot-stuffed.
    public static func message(_ d: Delivery, _ alarm: AlarmMessage, from: String, date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        func clean(_ s: String) -> String { String(s.unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7f }.map(Character.init)) }
        var lines = [
            "From: Armory <\(from)>",
            "To: <\(d.address)>",
            "Subject: \(clean(alarm.title))",
            "Date: \(formatter.string(from: date))",
            "Message-ID: <\(d.key.replacingOccurrences(of: "/", with: "."))@armory>",
            "X-Armory-Delivery: \(clean(d.key))",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: 8bit",
            "",
            (alarm.round > 0 ? "No one has answered this alarm yet (escalation \(alarm.round)).\n\n" : "") + alarm.message,
            "",
            "Rules: \(alarm.rules.map { "\($0.rawValue) (\($0.title))" }.joined(separator: "; "))",
            "When: \(alarm.at)",
        ]
        if let f = alarm.firearm { lines.append("Firearm: \(f)") }
        if let l = alarm.lot { lines.append("Lot: \(l)") }
        lines += ["", "Read the entry and answer the alarm: \(alarm.url)", "", "-- Armory, \(alarm.productionTitle)"]
        return lines.flatMap { $0.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) }
            .map { $0.hasPrefix(".") ? "." + $0 : $0 }.joined(separator: "\r\n") + "\r\n"
    }

    public func send(_ d: Delivery, _ alarm: AlarmMessage) async -> SendOutcome {
        guard Self.isAddress(d.address), Self.isAddress(relay.from) else { return .failed("not an e-mail address: \(d.address)") }
        let text = Self.message(d, alarm, from: relay.from, date: Date())
        let done = group.next().makePromise(of: SendOutcome.self)
        let handler = SMTPConversation(relay: relay, to: d.address, message: text, hello: helloName, tls: tls, done: done)
        let bootstrap = ClientBootstrap(group: group)
            .connectTimeout(.seconds(10))
            .channelInitializer { channel in channel.pipeline.addHandler(handler) }
        do {
            let channel = try await bootstrap.connect(host: relay.host, port: relay.port).get()
            let timeout = channel.eventLoop.scheduleTask(in: Self.timeout) {
                done.succeed(.retry("the relay did not finish in \(Self.timeout.nanoseconds / 1_000_000_000) s", after: nil))
                channel.close(promise: nil)
            }
            let outcome = try await done.futureResult.get()
            timeout.cancel()
            try? await channel.close()
            return outcome
        } catch {
            done.succeed(.retry("\(error)", after: nil))
            return .retry("cannot reach the relay \(relay.host):\(relay.port): \(error)", after: nil)
        }
    }
}

/// One SMTP conversation, reply by reply: greeting, EHLO, STARTTLS (when offered) and EHLO
/// again, MAIL FROM, RCPT TO, DATA, the message, QUIT.
final class SMTPConversation: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    enum Step { case greeting, hello, startTLS, helloAgain, from, to, data, message, quit, done }

    let relay: SMTPRelay
    let to: String
    let message: String
    let hello: String
    let tls: NIOSSLContext?
    let done: EventLoopPromise<SendOutcome>
    var step = Step.greeting
    var buffer = ""
    var reply: [String] = []
    var secured = false

    init(relay: SMTPRelay, to: String, message: String, hello: String, tls: NIOSSLContext?, done: EventLoopPromise<SendOutcome>) {
        self.relay = relay
        self.to = to
        self.message = message
        self.hello = hello
        self.tls = tls
        self.done = done
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        buffer += bytes.readString(length: bytes.readableBytes) ?? ""
        guard buffer.utf8.count <= SMTPSender.longestLine * 16 else { return finish(context, .retry("the relay's reply is too long", after: nil)) }
        while let end = buffer.range(of: "\r\n") ?? buffer.range(of: "\n") {
            let line = String(buffer[..<end.lowerBound])
            buffer.removeSubrange(..<end.upperBound)
            reply.append(line)
            // "250-..." continues a reply; "250 ..." (or a bare code) ends it.
            if line.count >= 4, Array(line)[3] == "-" { continue }
            let lines = reply
            reply = []
            answered(context, code: Int(line.prefix(3)) ?? 0, lines: lines)
            if step == .done { return }
        }
    }

    func write(_ context: ChannelHandlerContext, _ text: String) {
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: text)), promise: nil)
    }

    func finish(_ context: ChannelHandlerContext, _ outcome: SendOutcome) {
        step = .done
        done.succeed(outcome)
        context.close(promise: nil)
    }

    /// 4xx: try again later; 5xx: refused; anything else out of turn: try again later.
    func failed(_ context: ChannelHandlerContext, _ code: Int, _ lines: [String]) {
        let said = lines.joined(separator: " ").prefix(200)
        finish(context, code >= 500 && code < 600 ? .failed("the relay refused: \(said)") : .retry("the relay said: \(said)", after: nil))
    }

    func answered(_ context: ChannelHandlerContext, code: Int, lines: [String]) {
        switch step {
        case .greeting:
            guard code == 220 else { return failed(context, code, lines) }
            step = .hello
            write(context, "EHLO \(hello)\r\n")
        case .hello, .helloAgain:
            guard code == 250 else { return failed(context, code, lines) }
            let offersTLS = lines.contains { $0.dropFirst(4).uppercased().hasPrefix("STARTTLS") }
            if step == .hello, offersTLS, tls != nil {
                step = .startTLS
                write(context, "STARTTLS\r\n")
            } else {
                step = .from
                write(context, "MAIL FROM:<\(relay.from)>\r\n")
            }
        case .startTLS:
            guard code == 220, let tls else { return failed(context, code, lines) }
            do {
                let handler = try NIOSSLClientHandler(context: tls, serverHostname: relay.host.first?.isNumber == true ? nil : relay.host)
                try context.pipeline.syncOperations.addHandler(handler, position: .first)
                secured = true
                step = .helloAgain
                write(context, "EHLO \(hello)\r\n")
            } catch {
                finish(context, .retry("STARTTLS with \(relay.host) failed: \(error)", after: nil))
            }
        case .from:
            guard code == 250 else { return failed(context, code, lines) }
            step = .to
            write(context, "RCPT TO:<\(to)>\r\n")
        case .to:
            guard code == 250 || code == 251 else { return failed(context, code, lines) }
            step = .data
            write(context, "DATA\r\n")
        case .data:
            guard code == 354 else { return failed(context, code, lines) }
            step = .message
            write(context, message + ".\r\n")
        case .message:
            guard code == 250 else { return failed(context, code, lines) }
            step = .quit
            write(context, "QUIT\r\n")
            done.succeed(.delivered)
        case .quit:
            step = .done
            context.close(promise: nil)
        case .done:
            return
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if step != .done && step != .quit {
            step = .done
            done.succeed(.retry("the relay closed the connection", after: nil))
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if step != .done && step != .quit { finish(context, .retry("\(error)", after: nil)) } else { context.close(promise: nil) }
    }
}
