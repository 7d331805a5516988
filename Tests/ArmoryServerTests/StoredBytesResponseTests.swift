import ArmoryAPI
import ArmoryCore
import ArmoryLedger
import ArmoryServer
import ArmoryStore
import Foundation
import GRDB
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

/// The firearm and lot read route and the entries route write their answers from the
/// stored bytes (`EntryWriter`): the state as stored, each entry from its canonical bytes.
/// What they answer is byte for byte what they answered when each entry was decoded and
/// written as `entryJSON` and the state parsed and written again, on both store back ends.
struct StoredBytesResponseTests {
    enum Backend: String, CaseIterable, Sendable { case sqlite, postgres }

    static let postgresURL = ProcessInfo.processInfo.environment["ARMORY_TEST_POSTGRES_URL"]
    /// CI always runs both; a developer without PostgreSQL runs SQLite only.
    static let backends: [Backend] = postgresURL != nil || ProcessInfo.processInfo.environment["CI"] != nil ? Backend.allCases : [.sqlite]

    /// A store, and a way to replace an entry's stored bytes underneath it (as an older
    /// server, or another writer of the same database, could have written them).
    static func open(_ backend: Backend) async throws -> (any LogStore, @Sendable (String, Int, [UInt8]) async throws -> Void) {
        switch backend {
        case .sqlite:
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("armory-bytes-\(UInt64.random(in: 0...UInt64.max)).db").path
            let store = try SQLiteLogStore(path: path)
            return (store, { id, index, bytes in
                try DatabaseQueue(path: path).write { db in
                    try db.execute(sql: "UPDATE entry SET bytes = ? WHERE production = ? AND idx = ?", arguments: [Data(bytes), id, index])
                    #expect(db.changesCount == 1)
                }
            })
        case .postgres:
            guard let url = postgresURL else {
                Issue.record("CI must run the PostgreSQL suite: ARMORY_TEST_POSTGRES_URL is not set")
                throw StoreError.badURL("")
            }
            let store = try await PostgresLogStore(url: url)
            return (store, { id, index, bytes in
                let hex = bytes.map { String(format: "%02x", $0) }.joined()
                let psql = Process()
                psql.executableURL = URL(fileURLWithPath: "/usr/bin/env")
                psql.arguments = ["psql", url, "-q", "-v", "ON_ERROR_STOP=1", "-c",
                                  "UPDATE entry SET bytes = decode('\(hex)', 'hex') WHERE production = '\(id)' AND idx = \(index)"]
                try psql.run()
                psql.waitUntilExit()
                #expect(psql.terminationStatus == 0)
            })
        }
    }

    static let people = RecordingForOthersTests.people
    static func body(_ fields: [(String, JSON)]) -> String { JSON.object(fields).compactText }

    /// Messages and names the writer must escape as `JSON.writeString` does.
    static let message = "He said \"stop\" \\ twice — café ünïcödé 🔫\n\t\r\u{01}\u{1F}\u{7F}\u{2028} end"

    /// What the routes answered before they wrote from the stored bytes.
    static func itemAsBefore(_ api: ArmoryAPI, _ store: any LogStore, _ id: String, _ subject: Subject, before: Int = .max, limit: Int = 50) async throws -> [UInt8] {
        let (found, history) = try #require(try await store.item(id, subject, historyBefore: before, limit: limit))
        return JSON.object([("state", (try? JSON.parse(found.json)) ?? .null), ("history", .array(history.map(api.entryJSON)))]).compactBytes
    }

    static func entriesAsBefore(_ api: ArmoryAPI, _ store: any LogStore, _ id: String, from: Int, limit: Int) async throws -> [UInt8] {
        JSON.array(try await store.entries(id, from: from, limit: limit).map(api.entryJSON)).compactBytes
    }

    @Test(arguments: backends)
    func theReadRoutesAnswerTheBytesTheyAnsweredBefore(_ backend: Backend) async throws {
        let (store, replace) = try await Self.open(backend)
        var options = ServerOptions()
        options.passwords = Harness.hasher
        let api = ArmoryAPI(store: store, signer: Harness.signer, kept: [], options: options, logger: Logger(label: "test"))
        let id = "bytes-\(UInt32.random(in: 0...UInt32.max))"
        let opened = Timestamp(seconds: Int64(Date().timeIntervalSince1970) - 3600, offsetMinutes: -420)
        try await api.hub.create(id, ProductionLog(productionID: id, header: ProductionHeader(title: "Dry \"Creek\" — ü", timezone: "America/Denver",
                                                                                               people: Self.people), openedAt: opened))
        for p in Self.people { try await store.setSecret(id, person: p.id, secret: try Harness.hasher.hash("pw-\(p.id)")) }
        let app = buildApplication(api: api, logger: Logger(label: "test"))
        try await app.test(.router) { client in
            let ana = try await client.signIn(id, "ana"), dee = try await client.signIn(id, "dee"), cy = try await client.signIn(id, "cy")
            func step(_ token: String, _ fields: [(String, JSON)]) async throws -> Int {
                let a = try await client.call(.post, "/api/v1/productions/\(id)/steps", token: token, body: Self.body(fields))
                #expect(a.status == 201 || a.status == 409, "\(fields): \(a.text)")
                return try #require(a.json["index"]?.intValue)
            }
            // Entries as the server records them: receipts naming the recorder and session, an
            // entry recorded for another person, a refusal with rules, a concern with quotes.
            var colt: [Int] = []
            colt.append(try await step(ana, [("do", "receive_firearm"), ("firearm", "colt-1"), ("serial", "S1"), ("make", "Colt"), ("model", "SAA")]))
            _ = try await step(ana, [("do", "receive_ammo"), ("lot", "D1"), ("kind", "dummy"), ("count", .int(6))])
            _ = try await step(ana, [("do", "inspect_lot"), ("lot", "D1"), ("inspected", .int(6)), ("live_found", .int(0))])
            colt.append(try await step(ana, [("do", "inspect_firearm"), ("firearm", "colt-1"), ("result", "clear")]))
            _ = try await step(dee, [("do", "safety_meeting"), ("scene", "12A"), ("attendees", .array(["ana", "ben", "dee"])), ("blanks", .bool(false))])
            colt.append(try await step(ana, [("do", "show_clear"), ("firearm", "colt-1"), ("to", .array(["ben", "dee"]))]))
            colt.append(try await step(ana, [("do", "hand_over"), ("firearm", "colt-1"), ("to", "ben"), ("scene", "12A")]))
            colt.append(try await step(ana, [("by", "ben"), ("do", "fire"), ("firearm", "colt-1"), ("scene", "12A"), ("rounds", .int(1)), ("result", "click")]))
            _ = try await step(cy, [("by", "ben"), ("do", "report_concern"), ("text", "the \"cart\" was open — ünlocked\n\\")])
            colt.append(try await step(ana, [("by", "ben"), ("do", "hand_over"), ("firearm", "colt-1"), ("to", "ana")]))
            colt.append(try await step(ana, [("do", "load"), ("firearm", "colt-1"), ("lot", "D1"), ("rounds", .int(1)), ("scene", "12A")]))

            // Entries as other servers and formats wrote them, put underneath: each version,
            // with and without each part of a receipt, no `by`, rules, escapes in every string.
            let history = try await store.history(id, of: .firearm("colt-1"))
            #expect(history.count == colt.count && history.count >= 7)
            let rules = Array(Rule.allCases.sorted().prefix(3))
            for (variant, e) in history.dropFirst().prefix(6).enumerated() {
                let old = e.entry
                let receipts: [LogEntry.Receipt?] = [
                    .init(received: old.at, via: .anonymous),
                    .init(received: old.at, via: .password, recorder: "ana \"the\" armorer", session: "s\u{01}1", key: "k"),
                    .init(received: old.at, via: .pin, recorder: "dee"),
                    .init(received: old.at, via: .server, session: "séssion"),
                    nil,
                ]
                let entry = variant == 5
                    ? LogEntry(index: UInt64(e.index), kind: old.kind, at: old.at, by: old.by, body: old.body, outcome: .refused, rules: rules,
                               message: Self.message, protocolRevision: 1)
                    : LogEntry(index: UInt64(e.index), kind: old.kind, at: old.at, by: variant == 0 ? nil : "bén \"b\"\t", body: old.body,
                               outcome: variant == 1 ? .alarm : old.outcome, rules: variant == 1 ? rules : old.rules, message: Self.message,
                               receipt: receipts[variant], version: variant == 4 ? 2 : nil)
                try await replace(id, e.index, entry.encoded())
            }
            // A version 2 entry with its receipt, as the header.
            let header = try #require(try await store.entries(id, from: 0, limit: 1).first?.entry)
            try await replace(id, 0, LogEntry(index: 0, kind: header.kind, at: header.at, by: nil, body: header.body, outcome: header.outcome,
                                              rules: header.rules, message: header.message,
                                              receipt: .init(received: header.at, via: .server), version: 2).encoded())

            // Each entry written from its bytes is `entryJSON`'s text.
            let stored = try await store.entriesAsStored(id, from: 0, limit: 1000)
            #expect(stored.count == colt.last! + 1)
            let decoded = try await store.entries(id, from: 0, limit: 1000)
            for (s, e) in zip(stored, decoded) {
                var out: [UInt8] = []
                try EntryWriter.write(s, to: &out)
                #expect(out == api.entryJSON(e).compactBytes, "entry \(s.index): \(String(decoding: out, as: UTF8.self))")
            }
            #expect(try await store.itemAsStored(id, .firearm("colt-1"), historyBefore: .max, limit: 50)?.1 == stored.filter { colt.contains($0.index) })

            // The routes' answers, byte for byte.
            let base = "/api/v1/productions/\(id)"
            for (uri, expected) in [
                ("\(base)/firearms/colt-1", try await Self.itemAsBefore(api, store, id, .firearm("colt-1"))),
                ("\(base)/firearms/colt-1?limit=3&before=\(colt[5])", try await Self.itemAsBefore(api, store, id, .firearm("colt-1"), before: colt[5], limit: 3)),
                ("\(base)/firearms/colt-1?before=0", try await Self.itemAsBefore(api, store, id, .firearm("colt-1"), before: 0)),
                ("\(base)/lots/D1", try await Self.itemAsBefore(api, store, id, .lot("D1"))),
                ("\(base)/entries", try await Self.entriesAsBefore(api, store, id, from: 0, limit: 100)),
                ("\(base)/entries?from=3&limit=4", try await Self.entriesAsBefore(api, store, id, from: 3, limit: 4)),
                ("\(base)/entries?from=500", try await Self.entriesAsBefore(api, store, id, from: 500, limit: 100)),
            ] {
                let a = try await client.call(.get, uri, token: dee)
                #expect(a.status == 200 && Array(a.text.utf8) == expected, "\(uri): \(a.text)\nexpected \(String(decoding: expected, as: UTF8.self))")
                #expect(a.json != .null, "\(uri) answers JSON")
            }
            // Still signed-in routes; still a 404 for a firearm not known.
            #expect(try await client.call(.get, "\(base)/firearms/colt-1").status == 401)
            #expect(try await client.call(.get, "\(base)/entries").status == 401)
            #expect(try await client.call(.get, "\(base)/firearms/colt-9", token: dee).status == 404)

            // Bytes that do not decode are refused as when they were decoded (the store's failure, a 503), not written out.
            try await replace(id, colt[2], Array("armory-entry/v3\n".utf8) + [0, 0, 0])
            await #expect(throws: EntryFormatError.self) { try await store.item(id, .firearm("colt-1"), historyBefore: .max, limit: 50) }
            let broken = try await client.call(.get, "\(base)/firearms/colt-1", token: dee)
            #expect(broken.status >= 500, "\(broken.text)")
            #expect(try await client.call(.get, "\(base)/entries", token: dee).status >= 500)
        }
    }
}
