import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import Testing

@testable import ArmoryDelivery

/// tests/delivery/push_stub.py, run as a child process: a push service and a browser
/// written in Python apart from our code (VAPID checked with `cryptography`, the body
/// opened with `http_ece`). A round trip through our own decrypter could hide the same
/// mistake made twice; this cannot.
final class PushStub {
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let script = repositoryRoot.appendingPathComponent("tests/delivery/push_stub.py").path
    static let install = "python3 with http_ece and cryptography is needed: pip install http_ece cryptography (or pip install -r tests/requirements.txt)"
    /// How long the stub may take to start and print its subscription.
    static let startTimeoutMilliseconds: Int32 = 20_000

    let process = Process()
    let input = Pipe()
    let output = Pipe()
    let errors = Pipe()
    let port: Int
    let origin: String
    let subscriptionJSON: [UInt8]
    let endpoint: String

    struct StartFailure: Error, CustomStringConvertible {
        let description: String
    }

    init() throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", Self.script]
        process.currentDirectoryURL = Self.repositoryRoot
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        do { try process.run() } catch {
            throw StartFailure(description: "cannot start python3 (\(error)); \(Self.install)")
        }
        guard let line = Self.readLine(output.fileHandleForReading.fileDescriptor, timeout: Self.startTimeoutMilliseconds) else {
            process.terminate()
            process.waitUntilExit()
            let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            throw StartFailure(
                description: "the push stub did not start (exit \(process.terminationStatus)): \(stderr.prefix(800)); \(Self.install)")
        }
        guard let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
            let port = object["port"] as? Int, let origin = object["origin"] as? String,
            let subscription = object["subscription"] as? [String: Any],
            let endpoint = subscription["endpoint"] as? String
        else { throw StartFailure(description: "the push stub printed \(line)") }
        self.port = port
        self.origin = origin
        self.endpoint = endpoint
        self.subscriptionJSON = Array(try JSONSerialization.data(withJSONObject: subscription))
    }

    /// One line from `fd`, or nil when none came within `timeout` ms or the stub exited.
    static func readLine(_ fd: Int32, timeout: Int32) -> String? {
        var bytes: [UInt8] = []
        let deadline = Date().addingTimeInterval(Double(timeout) / 1000)
        while Date() < deadline {
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&poller, 1, 200)
            if ready < 0 { if errno == EINTR { continue } else { return nil } }
            if ready == 0 { continue }
            var byte: UInt8 = 0
            let n = read(fd, &byte, 1)
            if n <= 0 { return nil }
            if byte == UInt8(ascii: "\n") { return String(decoding: bytes, as: UTF8.self) }
            bytes.append(byte)
        }
        return nil
    }

    /// What the stub received, as its GET /received gives it.
    func received() async throws -> [[String: Any]] {
        let request = HTTPClientRequest(url: "\(origin)/received")
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        #expect(response.status.code == 200)
        let body = try await response.body.collect(upTo: 1 << 20)
        return try #require(try JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [[String: Any]])
    }

    func stop() {
        try? input.fileHandleForWriting.close()
        let deadline = Date().addingTimeInterval(5)
        while process.isRunning, Date() < deadline { usleep(20_000) }
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }
}

@Suite("WebPush against an independent push service (tests/delivery/push_stub.py)")
struct WebPushStubTests {
    @Test("alarms arrive decrypted with a VAPID token that checks out; /gone is gone; /flaky is retried")
    func throughThePythonStub() async throws {
        let stub: PushStub
        do { stub = try PushStub() } catch {
            Issue.record("\(error)")
            return
        }
        defer { stub.stop() }

        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("armory-push-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let key = try VAPIDKey.loadOrCreate(at: directory + "/vapid.pem")
        let client = WebPushSender.makeHTTPClient()
        let sender = WebPushSender(
            client: client, key: key, contact: try VAPIDContact("mailto:safety@production.example"),
            logger: Logger(label: "armory.delivery.test"))

        do {
            let subscription = try PushSubscription(json: stub.subscriptionJSON)
            #expect(subscription.origin == stub.origin)

            let alarm = #"{"alarm":"live round found","firearm":"F-12","scene":"42A","at":"2025-10-09T08:53:20Z"}"#
            let sent = try await sender.send(Array(alarm.utf8), to: subscription, now: Date())
            #expect(sent == .delivered(status: 201), "\(sent)")
            // The largest alarm: a body of exactly 4096 bytes.
            let largest = String(repeating: "é", count: WebPushEncryption.maximumPayloadLength / 2) + "!"
            #expect(Array(largest.utf8).count == WebPushEncryption.maximumPayloadLength)
            let sentLargest = try await sender.send(Array(largest.utf8), to: subscription, now: Date())
            #expect(sentLargest == .delivered(status: 201), "\(sentLargest)")

            let gone = try PushSubscription(endpoint: stub.endpoint + "/gone", p256dh: Base64URL.encode(subscription.p256dh), auth: Base64URL.encode(subscription.auth))
            #expect(try await sender.send(Array("x".utf8), to: gone, now: Date()) == .gone(status: 410))

            let flaky = try PushSubscription(endpoint: stub.endpoint + "/flaky", p256dh: Base64URL.encode(subscription.p256dh), auth: Base64URL.encode(subscription.auth))
            let first = try await sender.send(Array("flaky".utf8), to: flaky, now: Date())
            #expect(first == .retryLater(status: 500, retryAfter: 7, reason: "the push service answered 500"))
            let second = try await sender.send(Array("flaky".utf8), to: flaky, now: Date())
            #expect(second == .delivered(status: 201), "\(second)")

            // A token dated two days ago has expired: the stub refuses it, and says why.
            let stale = try await sender.send(Array("stale".utf8), to: subscription, now: Date().addingTimeInterval(-2 * 86_400))
            guard case let .refused(status, excerpt) = stale else {
                Issue.record("a stale token gave \(stale)")
                return
            }
            #expect(status == 400)
            #expect(excerpt.contains("has passed"), "\(excerpt)")

            let records = try await stub.received()
            let delivered = records.filter { $0["ok"] as? Bool == true }
            let plaintexts = delivered.map { $0["plaintext"] as? String }
            #expect(plaintexts.count == 3)
            #expect(plaintexts.first == alarm)
            #expect(plaintexts.dropFirst().first == largest, "the largest alarm did not arrive whole")
            #expect(plaintexts.last == "flaky")
            #expect(records.count == 4, "\(records)")
            for record in delivered {
                #expect(record["rs"] as? Int == 4096)
                #expect(record["idlen"] as? Int == 65)
                let vapid = try #require(record["vapid"] as? [String: Any])
                #expect(vapid["aud"] as? String == stub.origin)
                #expect(vapid["sub"] as? String == "mailto:safety@production.example")
                #expect(vapid["k"] as? String == key.publicKeyBase64URL)
                let lifetime = try #require(vapid["lifetime"] as? Int)
                #expect(abs(lifetime - 12 * 3600) < 120, "token lifetime \(lifetime) s")
                let headers = try #require(record["headers"] as? [String: Any])
                #expect(headers["Content-Encoding"] as? String == "aes128gcm")
                #expect(headers["Content-Type"] as? String == "application/octet-stream")
                #expect(headers["TTL"] as? String == "86400")
                #expect(headers["Urgency"] as? String == "high")
            }

            // Nobody listening: retry later, not an error thrown at the caller.
            let closed = try PushSubscription(endpoint: "http://127.0.0.1:1/push/x", p256dh: Base64URL.encode(subscription.p256dh), auth: Base64URL.encode(subscription.auth))
            let unreachable = try await sender.send(Array("x".utf8), to: closed, now: Date())
            guard case .retryLater(status: nil, retryAfter: nil, _) = unreachable else {
                Issue.record("an unreachable push service gave \(unreachable)")
                try await client.shutdown()
                return
            }
        } catch {
            Issue.record("\(error)")
        }
        try await client.shutdown()
    }
}
