import ArmoryCore
import ArmoryLedger
import ArmoryStore
import Foundation
import GRDB
import Testing

/// One behavioural suite, run against the embedded SQLite store and a real PostgreSQL
/// server (started by scripts/test; its URL in ARMORY_TEST_POSTGRES_URL).
struct LogStoreBehaviourTests {
    enum Backend: String, CaseIterable, Sendable { case sqlite, postgres }

    static let postgresURL = ProcessInfo.processInfo.environment["ARMORY_TEST_POSTGRES_URL"]
    /// CI always runs both; a developer without PostgreSQL runs SQLite only.
    static let backends: [Backend] = postgresURL != nil || ProcessInfo.processInfo.environment["CI"] != nil ? Backend.allCases : [.sqlite]

    /// A store, and a way to change its rows underneath it as an attacker with database access would.
    static func open(_ backend: Backend) async throws -> (any LogStore, @Sendable (String) async throws -> Void) {
        switch backend {
        case .sqlite:
            let path = SQLiteLogStoreTests.database()
            let store = try SQLiteLogStore(path: path)
            return (store, { sql in try DatabaseQueue(path: path).write { db in try db.execute(sql: sql) } })
        case .postgres:
            guard let url = postgresURL else {
                Issue.record("CI must run the PostgreSQL suite: ARMORY_TEST_POSTGRES_URL is not set")
                throw StoreError.badURL("")
            }
            let store = try await PostgresLogStore(url: url)
            return (store, { sql in
                let psql = Process()
                psql.executableURL = URL(fileURLWithPath: "/usr/bin/env")
                psql.arguments = ["psql", url, "-q", "-v", "ON_ERROR_STOP=1", "-c", sql]
                try psql.run()
                psql.waitUntilExit()
                #expect(psql.terminationStatus == 0, "psql failed: \(sql)")
            })
        }
    }

    static func newID() -> String { "prod-\(UInt32.random(in: 0...UInt32.max))" }

    static func record(_ store: any LogStore, _ id: String) async throws -> ProductionLog {
        var log = ProductionLog(productionID: id, header: ProductionHeader(title: "Dry Creek", timezone: "UTC", people: SQLiteLogStoreTests.people),
                                openedAt: SQLiteLogStoreTests.step(0, "ana", .wrap).at)
        try await store.create(id, log)
        for s in SQLiteLogStoreTests.day {
            let before = log
            try log.record(s, signer: SQLiteLogStoreTests.signer)
            try await store.append(id, from: before, to: log)
        }
        return log
    }

    @Test(arguments: backends)
    func whatIsAppendedIsWhatIsLoaded(_ backend: Backend) async throws {
        let (store, _) = try await Self.open(backend)
        let id = Self.newID()
        let log = try await Self.record(store, id)
        let loaded = try await store.load(id, logKey: SQLiteLogStoreTests.signer.verifierKey)
        #expect(loaded.entries == log.entries && loaded.checkpoints == log.checkpoints && loaded.state == log.state)
        #expect(try await store.productionIDs().contains(id))
    }

    /// What a server that keeps only recent entries reads back: entries by index, and the
    /// tree nodes a proof over older entries needs, exactly as the whole log holds them.
    @Test(arguments: backends)
    func entriesAndTreeNodesAreReadBackByPlace(_ backend: Backend) async throws {
        let (store, _) = try await Self.open(backend)
        let id = Self.newID()
        let log = try await Self.record(store, id)
        let wanted = [log.size - 1, 0, 3, 3, log.size + 5, -1]
        let found = try await store.entries(id, at: wanted)
        #expect(found.map(\.index) == [0, 3, log.size - 1])
        for e in found { #expect(e.entry == (try LogEntry(decoding: log.entries.bytes(at: e.index)!))) }
        // Every complete node, asked for at once and one level at a time.
        var all: [NodeKey] = []
        for level in 0..<6 {
            for index in 0..<(log.size >> level) { all.append(NodeKey(level: level, index: index)) }
        }
        let nodes = try await store.nodes(id, all + [NodeKey(level: 0, index: log.size), NodeKey(level: 5, index: 9)])
        #expect(nodes.count == all.count)
        for k in all { #expect(nodes[k] == log.tree.store.node(level: k.level, index: k.index), "\(k)") }
        // A proof made from them is the whole tree's.
        for index in 0..<log.size {
            let q = MerkleQuery.inclusion(index: index, size: log.size)
            let keys = try q.nodesNeeded(size: log.size)
            let sparse = MerkleTree(store: SparseNodeStore(leafCount: log.size, nodes: try await store.nodes(id, keys)))
            #expect(try sparse.answer(q) == log.tree.answer(q))
        }
        #expect(try await store.nodes("no-such-production", all).isEmpty)
    }

    @Test(arguments: backends)
    func ofTwoConcurrentWritersExactlyOneWins(_ backend: Backend) async throws {
        let (store, _) = try await Self.open(backend)
        let id = Self.newID()
        let log = try await Self.record(store, id)
        let take = SQLiteLogStoreTests.step(20, "ana", .handOver(firearm: "colt-1", to: "ben", scene: "1"))
        var candidate = log
        try candidate.record(take)
        let attempt = candidate
        // Fifty clients hand over the same firearm at once, each having decided against the same log.
        let outcomes = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<50 {
                group.addTask { (try? await store.append(id, from: log, to: attempt)) != nil }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 }.count == 1, "\(outcomes.filter { $0 }.count) writers won")
        #expect(try await store.load(id, logKey: nil).size == log.size + 1)
    }

    @Test(arguments: backends)
    func anAlteredEntryIsRefused(_ backend: Backend) async throws {
        let (store, tamper) = try await Self.open(backend)
        let id = Self.newID()
        _ = try await Self.record(store, id)
        let blob = backend == .sqlite ? "x'00'" : "'\\x00'::bytea"
        try await tamper("UPDATE entry SET bytes = bytes || \(blob) WHERE production = '\(id)' AND idx = 6")
        await #expect(throws: StoreError.self) { try await store.load(id, logKey: nil) }
    }

    @Test(arguments: backends)
    func aTruncatedLogIsRefused(_ backend: Backend) async throws {
        let (store, tamper) = try await Self.open(backend)
        let id = Self.newID()
        let log = try await Self.record(store, id)
        try await tamper("DELETE FROM entry WHERE production = '\(id)' AND idx = \(log.size - 1)")
        // PostgreSQL keeps the size beside the log; SQLite counts the entries.
        if backend == .postgres { try await tamper("UPDATE production SET size = size - 1 WHERE id = '\(id)'") }
        await #expect(throws: StoreError.self) { try await store.load(id, logKey: nil) }
    }

    @Test(arguments: backends)
    func aProductionCannotBeCreatedTwice(_ backend: Backend) async throws {
        let (store, _) = try await Self.open(backend)
        let id = Self.newID()
        let log = try await Self.record(store, id)
        await #expect(throws: StoreError.productionExists(id)) { try await store.create(id, log) }
        await #expect(throws: StoreError.unknownProduction("absent-\(id)")) { try await store.load("absent-\(id)", logKey: nil) }
    }

    /// Entries decoded from a log's bytes, as the read models should give them back.
    static func stored(_ log: ProductionLog, where keep: (LogEntry) -> Bool) -> [StoredEntry] {
        log.entries.all!.enumerated().compactMap { i, bytes in
            let e = try! LogEntry(decoding: bytes)
            return keep(e) ? StoredEntry(index: i, entry: e) : nil
        }
    }

    @Test(arguments: backends)
    func readModelsFollowEveryAppend(_ backend: Backend) async throws {
        let (store, _) = try await Self.open(backend)
        let id = Self.newID()
        var log = try await Self.record(store, id)
        // The next day: a discharge no one expected raises FA-7 and freezes the firearm.
        let next = [
            SQLiteLogStoreTests.step(24 * 60 + 1, "ana", .load(firearm: "colt-1", lot: "D1", rounds: 2, scene: "2", rehearsal: false)),
            SQLiteLogStoreTests.step(24 * 60 + 2, "ben", .reportDischarge(firearm: "colt-1", injuries: false, note: "went off in the holster")),
        ]
        for s in next {
            let mark = log.mark
            try log.record(s)
            try await store.append(id, from: mark, to: log)
            let f = log.state.firearm("colt-1")!
            #expect(try await store.firearm(id, "colt-1") == ItemState(id: "colt-1", json: log.state.snapshot(of: f).compactText))
            #expect(try await store.lot(id, "D1")?.json == log.state.snapshot(of: log.state.lot("D1")!).compactText)
        }
        #expect(try await store.firearms(id).map(\.id) == ["colt-1"])
        #expect(try await store.lots(id).map(\.id) == ["D1"])
        #expect(try await store.firearm(id, "colt-2") == nil)
        // An item read with its history together is the two reads apart.
        for subject in [Subject.firearm("colt-1"), .lot("D1")] {
            for (before, limit) in [(Int(Int32.max), 50), (Int(Int32.max), 1), (log.size - 1, 2), (0, 5)] {
                let together = try #require(try await store.item(id, subject, historyBefore: before, limit: limit))
                let state: ItemState?
                if case .firearm(let f) = subject { state = try await store.firearm(id, f) } else if case .lot(let l) = subject { state = try await store.lot(id, l) } else { state = nil }
                #expect(together.0 == state)
                #expect(together.1.map(\.index) == (try await store.history(id, of: subject, before: before, limit: limit)).map(\.index))
            }
        }
        #expect(try await store.item(id, .firearm("colt-2"), historyBefore: .max, limit: 50) == nil)
        #expect(log.state.condition(of: log.state.firearm("colt-1")!) == .frozen)

        let days = Set(Self.stored(log, where: { _ in true }).map { String($0.entry.at.prefix(10)) }).sorted()
        #expect(days.count == 2)
        #expect(try await store.days(id) == days)
        for day in days {
            #expect(try await store.timeline(id, day: day) == Self.stored(log, where: { $0.at.hasPrefix(day) }))
        }
        #expect(try await store.timeline(id, day: "1999-01-01").isEmpty)
        let named = Self.stored(log, where: { $0.body.contains("\"firearm\":\"colt-1\"") })
        // Receipt, inspection, load, show-clear, two handovers, the refused load, the discharge.
        #expect(named.count == 8)
        #expect(try await store.history(id, of: .firearm("colt-1")) == named)
        #expect(try await store.history(id, of: .lot("D1")).count == 4)
        let alarms = Self.stored(log, where: { $0.outcome == .alarm })
        // The first day's wrap finds D1 not reconciled (AMMO-4) and colt-1 not locked away (FA-6); the discharge is FA-7.
        #expect(alarms.map(\.entry.rules) == [[.ammo4, .fa6], [.fa7]])
        #expect(try await store.alarms(id, after: 0) == alarms)
        #expect(try await store.alarms(id, after: alarms[0].index) == [alarms[1]])
        #expect(try await store.alarms(id, after: alarms[1].index).isEmpty)
        #expect(try await store.entries(id, from: 3, limit: 2).map(\.index) == [3, 4])
    }

    @Test(arguments: backends)
    func anAlteredReadModelIsRefused(_ backend: Backend) async throws {
        let (store, tamper) = try await Self.open(backend)
        let id = Self.newID()
        _ = try await Self.record(store, id)
        // Someone with database access makes the dashboard show the firearm back with the armorer.
        try await tamper("UPDATE firearm_state SET state = replace(state, '\"unknown\":true', '\"unknown\":false') WHERE production = '\(id)'")
        await #expect(throws: StoreError.self) { try await store.load(id, logKey: nil) }
    }

    /// Sessions are kept by their token's digest until they end or are signed out, so a
    /// restarted server signs no one out; ended ones are forgotten when next listed.
    @Test(arguments: backends)
    func sessionsAreKeptUntilTheyEndOrAreSignedOut(_ backend: Backend) async throws {
        let (store, _) = try await Self.open(backend)
        let id = Self.newID()
        _ = try await Self.record(store, id)
        let now: Int64 = 1_900_000_000
        let live = StoredSession(digest: "\(id)-live", production: id, person: "ana", expires: now + 3600)
        let ended = StoredSession(digest: "\(id)-ended", production: id, person: "ben", expires: now - 1)
        let signedOut = StoredSession(digest: "\(id)-out", production: id, person: "cy", expires: now + 3600)
        for s in [live, ended, signedOut] { try await store.saveSession(s) }
        try await store.deleteSession(digest: signedOut.digest)
        func mine() async throws -> [StoredSession] { try await store.sessions(validAt: now).filter { $0.production == id } }
        #expect(try await mine() == [live])
        // The ended one is gone from the store, not only left out.
        #expect(try await store.sessions(validAt: now - 10).filter { $0.production == id } == [live])
    }
}
