import ArmoryCore
import ArmoryStore
import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore
import NIOHTTP1

/// Sends alarms to webhooks as Prometheus Alertmanager does (webhook format version "4"), so
/// any receiver of Alertmanager's alerts (an on-call service, a chat bridge) takes them. Each
/// body is signed with the webhook's secret: `X-Armory-Signature: sha256=<hex HMAC-SHA256>`,
/// as GitHub signs its webhooks. Each alert's `fingerprint` is the delivery's idempotency key.
public struct WebhookSender: AlarmSender {
    /// How long a receiver has to answer.
    public static let timeout: TimeAmount = .seconds(10)
    /// The most of a refusal's body kept to show on the dashboard.
    public static let excerpt = 200

    let client: HTTPClient
    /// The server's public address (Alertmanager's `externalURL`).
    let externalURL: String
    /// The secret of each webhook, by its id (the delivery's `target`).
    let secrets: @Sendable (Delivery) async -> String?

    public init(client: HTTPClient = .shared, externalURL: String, secrets: @escaping @Sendable (Delivery) async -> String?) {
        self.client = client
        self.externalURL = externalURL
        self.secrets = secrets
    }

    /// The Alertmanager webhook body for one alarm delivery.
    public static func body(_ d: Delivery, _ alarm: AlarmMessage, externalURL: String) -> JSON {
        var labels: [(key: String, value: JSON)] = [
            ("alertname", .string(alarm.fork ? "ArmoryFork" : "ArmoryAlarm")), ("production", .string(alarm.production)),
            ("rule", .string(alarm.rules.map(\.rawValue).joined(separator: ","))),
        ]
        if let f = alarm.firearm { labels.append(("firearm", .string(f))) }
        if let l = alarm.lot { labels.append(("lot", .string(l))) }
        labels.append(("severity", .string(alarm.critical ? "critical" : "warning")))
        labels.append(("escalation", .string(String(alarm.round))))
        let annotations: [(key: String, value: JSON)] = [
            ("summary", .string(alarm.title)), ("description", .string(alarm.message)), ("entry_url", .string(alarm.url)),
        ]
        let alert: JSON = .object([
            ("status", .string("firing")), ("labels", .object(labels)), ("annotations", .object(annotations)),
            ("startsAt", .string(alarm.at)), ("endsAt", .string("0001-01-01T00:00:00Z")),
            ("generatorURL", .string(alarm.url)), ("fingerprint", .string(d.key)),
        ])
        return .object([
            ("version", .string("4")),
            ("groupKey", .string("{}:{production=\"\(alarm.production)\"}")),
            ("truncatedAlerts", .int(0)),
            ("status", .string("firing")),
            ("receiver", .string("armory")),
            ("groupLabels", .object([("production", .string(alarm.production))])),
            ("commonLabels", .object(labels)),
            ("commonAnnotations", .object(annotations)),
            ("externalURL", .string(externalURL)),
            ("alerts", .array([alert])),
        ])
    }

    /// `sha256=` and the lower-case hex HMAC-SHA256 of `body` under `secret`.
    public static func signature(_ body: [UInt8], secret: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Array(secret.utf8)))
        return "sha256=" + mac.map { String(format: "%02x", $0) }.joined()
    }

    public func send(_ d: Delivery, _ alarm: AlarmMessage) async -> SendOutcome {
        guard let secret = await secrets(d) else { return .failed("the webhook was removed") }
        let body = Self.body(d, alarm, externalURL: externalURL).compactBytes
        var request = HTTPClientRequest(url: d.address)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "Armory")
        request.headers.add(name: "X-Armory-Signature", value: Self.signature(body, secret: secret))
        request.headers.add(name: "X-Armory-Delivery", value: d.key)
        request.body = .bytes(ByteBuffer(bytes: body))
        do {
            let response = try await client.execute(request, timeout: Self.timeout)
            let text = String(buffer: (try? await response.body.collect(upTo: 64 * 1024)) ?? ByteBuffer())
            return Self.outcome(status: Int(response.status.code), retryAfter: response.headers.first(name: "Retry-After"), body: text)
        } catch {
            return .retry("\(error)", after: nil)
        }
    }

    /// What an HTTP answer means for a delivery: 2xx taken; 408, 429 and 5xx later; other 4xx never.
    public static func outcome(status: Int, retryAfter: String?, body: String) -> SendOutcome {
        let said = "HTTP \(status)" + (body.isEmpty ? "" : ": " + String(body.prefix(excerpt)))
        switch status {
        case 200..<300: return .delivered
        case 408, 425, 429, 500..<600: return .retry(said, after: retryAfter.flatMap { Int($0) })
        default: return .failed(said)
        }
    }
}

/// What a webhook's address may be: http or https, with a host, no user or password in it,
/// at most `longest` bytes.
public enum WebhookAddress {
    public static let longest = 2048

    /// Why `text` is not a webhook address Armory sends to (nil: it is).
    public static func problem(_ text: String) -> String? {
        guard text.utf8.count <= longest else { return "a webhook address is at most \(longest) bytes" }
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme) else {
            return "a webhook address starts http:// or https://"
        }
        guard let host = url.host, !host.isEmpty else { return "a webhook address names a host" }
        guard url.user == nil, url.password == nil else { return "a webhook address holds no user or password (the body is signed instead)" }
        guard text.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7f }) else { return "a webhook address has no spaces or control characters" }
        return nil
    }
}
