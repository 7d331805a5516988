import ArmoryAPI
import ArmoryCore
import ArmoryHub
import ArmoryLedger
import ArmoryServer
import ArmoryStore
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Synchronization
import Testing

/// A server over a fresh SQLite file, with cheap password hashing for speed.
struct Harness {
    static let signer = try! NoteSigner(name: "armory.example/server-tests", seed: Array(repeating: 7, count: 32))
    static let hasher = PasswordHasher(costLog2: 4)
    let path: String
    let store: SQLiteLogStore
    let hub: ProductionHub
    let api: ArmoryAPI

    /// A new database, or (`path`) the server restarted on one: its sessions restored as `armory serve` does.
    /// The server's clock: now, unless a test sets it (`clock.set`).
    let clock = TestClock()

    /// `signer`: the log's key (nil: a server started without one, as on a database whose
    /// key is not at hand).
    /// `window`: recent entries the hub keeps in memory (nil: the server's default).
    init(path: String? = nil, signer: NoteSigner? = Harness.signer, window: Int? = nil) throws {
        self.path = path ?? FileManager.default.temporaryDirectory.appendingPathComponent("armory-server-\(UInt64.random(in: 0...UInt64.max)).db").path
        store = try SQLiteLogStore(path: self.path)
        var options = ServerOptions()
        options.passwords = Self.hasher
        options.metricsToken = "scrape-token"
        if let window { options.memoryWindow = window }
        let clock = self.clock
        api = ArmoryAPI(store: store, signer: signer, kept: try store.sessions(validAt: Int64(Date().timeIntervalSince1970)), options: options,
                        logger: Logger(label: "test"), clock: { clock.now })
        hub = api.hub
    }

    /// The server as `armory serve` builds it (the tests drive its router in-process).
    var app: some ApplicationProtocol { buildApplication(api: api, logger: Logger(label: "test")) }

    /// Creates a production whose people all have the password `pw-<id>`.
    func production(_ id: String, people: [Person], title: String = "Dry Creek", timezone: String = "America/Denver",
                    policy: Policy = .protocolDefault, openedAt: Timestamp) async throws {
        let log = ProductionLog(productionID: id, header: ProductionHeader(title: title, timezone: timezone, policy: policy, people: people), openedAt: openedAt)
        try await hub.create(id, log)
        for p in people { try store.setSecret(id, person: p.id, secret: try Self.hasher.hash("pw-\(p.id)")) }
    }
}

/// A clock a test can stop at a moment; the real time otherwise.
final class TestClock: Sendable {
    let fixed = Mutex<Date?>(nil)
    var now: Date { fixed.withLock { $0 } ?? Date() }
    func set(_ date: Date?) { fixed.withLock { $0 = date } }
}

/// One answer: status and JSON body (null when the body is not JSON).
struct Answer {
    let status: Int
    let json: JSON
    let text: String
}

extension TestClientProtocol {
    @discardableResult
    func call(_ method: HTTPRequest.Method, _ uri: String, token: String? = nil, body: String? = nil) async throws -> Answer {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let token { headers[.authorization] = "Bearer \(token)" }
        return try await execute(uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) }) { r in
            let text = String(buffer: r.body)
            return Answer(status: Int(r.status.code), json: (try? JSON.parse(text)) ?? .null, text: text)
        }
    }

    /// Signs in and returns the bearer token.
    func signIn(_ production: String, _ person: String) async throws -> String {
        let a = try await call(.post, "/api/v1/productions/\(production)/sign-in", body: #"{"person":"\#(person)","password":"pw-\#(person)"}"#)
        guard a.status == 200, case let .string(token)? = a.json["token"] else {
            Issue.record("sign-in of \(person) to \(production) answered \(a.status) \(a.text)")
            throw CancellationError()
        }
        return token
    }
}
