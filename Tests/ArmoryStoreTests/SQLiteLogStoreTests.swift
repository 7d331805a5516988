import ArmoryCore
import ArmoryLedger
@testable import ArmoryStore
import Foundation
import GRDB
import Testing

/// The embedded store: appends commit whole or not at all, two writers cannot both win,
/// and a log altered underneath is refused, with nothing overwritten.
struct SQLiteLogStoreTests {
    static let signer = try! NoteSigner(name: "armory.example/store", seed: Array(repeating: 4, count: 32))
    static let people = [
        Person(id: "ana", name: "Ana", roles: [.armorer]), Person(id: "ben", name: "Ben", roles: [.talent]),
        Person(id: "dee", name: "Dee", roles: [.firstAD]),
    ]

    static func database() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("armory-store-\(UInt64.random(in: 0...UInt64.max)).db").path
    }

    static let clock: Int64 = 1_772_460_000
    static func step(_ minutes: Int, _ by: String, _ action: Action) -> Step {
        Step(at: Timestamp(seconds: clock + Int64(minutes) * 60, offsetMinutes: -420), by: by, action: action)
    }

    static let day: [Step] = [
        step(1, "ana", .receiveFirearm(firearm: "colt-1", serial: "S1", make: "Colt", model: "SAA", from: nil)),
        step(2, "ana", .inspectFirearm(firearm: "colt-1", result: .clear)),
        step(3, "ana", .receiveAmmo(lot: "D1", kind: .dummy, count: 6, source: nil, caliber: nil)),
        step(4, "ana", .inspectLot(lot: "D1", inspected: 6, liveFound: 0)),
        step(5, "dee", .safetyMeeting(scene: "1", attendees: ["ana", "ben"], blanks: false)),
        step(6, "ana", .load(firearm: "colt-1", lot: "D1", rounds: 6, scene: "1", rehearsal: false)),
        step(7, "ana", .showClear(firearm: "colt-1", to: ["ben", "dee"])),
        step(8, "ana", .handOver(firearm: "colt-1", to: "ben", scene: "1")),
        step(9, "ben", .handOver(firearm: "colt-1", to: "ana", scene: nil)),
        step(10, "dee", .wrap),
    ]

    /// A production recorded step by step, one transaction per step.
    static func recorded(_ path: String) throws -> (SQLiteLogStore, ProductionLog) {
        let store = try SQLiteLogStore(path: path)
        var log = ProductionLog(productionID: "dry-creek", header: ProductionHeader(title: "Dry Creek", timezone: "UTC", people: people),
                                openedAt: step(0, "ana", .wrap).at)
        try store.create("dry-creek", log)
        for s in day {
            let before = log
            try log.record(s, signer: signer)
            try store.append("dry-creek", from: before, to: log)
        }
        return (store, log)
    }

    /// The WAL is copied back into the database file beside the writer, every few hundred
    /// appends, and the log reads back whole from a file checkpointed under it.
    @Test func theWALIsCheckpointedBesideTheWriter() async throws {
        let path = Self.database()
        let (store, log) = try Self.recorded(path)
        var grown = log
        for n in 0..<Checkpointer.every {
            let before = grown
            try grown.record(Step(at: Self.step(11 + n, "ana", .wrap).at, by: nil, action: .reportConcern(text: "concern \(n)", scene: nil)), signer: Self.signer)
            try await store.append("dry-creek", from: before, to: grown)
        }
        var waited = 0
        while store.checkpointer.copied == 0 && waited < 200 {
            try await Task.sleep(for: .milliseconds(50))
            waited += 1
        }
        #expect(store.checkpointer.copied > 0, "no checkpoint copied the WAL after \(Checkpointer.every + 10) appends")
        let loaded = try await SQLiteLogStore(path: path).load("dry-creek", logKey: Self.signer.verifierKey)
        #expect(loaded.entries == grown.entries && loaded.state == grown.state)
    }

    @Test func whatIsAppendedIsWhatIsLoaded() async throws {
        let path = Self.database()
        let (store, log) = try Self.recorded(path)
        // A fresh process opening the same file sees the same production.
        let loaded = try await SQLiteLogStore(path: path).load("dry-creek", logKey: Self.signer.verifierKey)
        #expect(loaded.entries == log.entries && loaded.checkpoints == log.checkpoints)
        let (a, b) = (try loaded.tree.rootHash(), try log.tree.rootHash())
        #expect(loaded.state == log.state && a == b)
        #expect(try await store.productionIDs() == ["dry-creek"])
        #expect(loaded.checkpoints.count == 1, "signed at wrap")
    }

    @Test func ofTwoWritersHandingOverTheSameFirearmExactlyOneWins() async throws {
        let path = Self.database()
        let (store, log) = try Self.recorded(path)
        let take = Self.step(20, "ana", .handOver(firearm: "colt-1", to: "ben", scene: "1"))
        var first = log, second = log
        try first.record(take)
        try second.record(take)
        try await store.append("dry-creek", from: log, to: first)
        #expect(throws: StoreError.conflict(production: "dry-creek", expectedSize: log.size, storedSize: log.size + 1)) {
            try store.append("dry-creek", from: log, to: second)
        }
        // The loser decides again against the new state.
        var again = try await store.load("dry-creek")
        let before = again
        #expect(try again.record(take).decision.outcome == .refused)
        try await store.append("dry-creek", from: before, to: again)
        #expect(try await store.load("dry-creek").size == log.size + 2)
    }

    @Test func anEntryAlteredUnderneathIsRefusedAndNothingIsOverwritten() async throws {
        let path = Self.database()
        _ = try Self.recorded(path)
        let queue = try DatabaseQueue(path: path)
        try await queue.write { db in
            let bytes = try Data.fetchOne(db, sql: "SELECT bytes FROM entry WHERE idx = 6")!
            var changed = [UInt8](bytes)
            changed[changed.count - 1] ^= 0x01
            try db.execute(sql: "UPDATE entry SET bytes = ? WHERE idx = 6", arguments: [Data(changed)])
        }
        let snapshot = try Data(contentsOf: URL(fileURLWithPath: path))
        await #expect(throws: StoreError.self) { try await SQLiteLogStore(path: path).load("dry-creek") }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == snapshot)
    }

    @Test func aNodeAlteredOrALogTruncatedUnderneathIsRefused() async throws {
        let path = Self.database()
        _ = try Self.recorded(path)
        let queue = try DatabaseQueue(path: path)
        // Entry 1's row holds its leaf and the level-1 node it completed.
        try await queue.write { db in
            var nodes = [UInt8](try Data.fetchOne(db, sql: "SELECT nodes FROM entry WHERE idx = 1")!)
            #expect(nodes.count == 64)
            nodes.replaceSubrange(32..<64, with: [UInt8](repeating: 0, count: 32))
            try db.execute(sql: "UPDATE entry SET nodes = ? WHERE idx = 1", arguments: [Data(nodes)])
        }
        await #expect(throws: StoreError.self) { try await SQLiteLogStore(path: path).load("dry-creek") }

        let path2 = Self.database()
        _ = try Self.recorded(path2)
        let queue2 = try DatabaseQueue(path: path2)
        try await queue2.write { db in
            try db.execute(sql: "DELETE FROM entry WHERE idx = (SELECT MAX(idx) FROM entry)")
        }
        await #expect(throws: StoreError.self) { try await SQLiteLogStore(path: path2).load("dry-creek") }
    }

    /// A day's timeline is read along the day index, not by walking every entry.
    @Test func aDaysTimelineUsesTheDayIndex() async throws {
        let path = Self.database()
        _ = try Self.recorded(path)
        let plan = try await DatabaseQueue(path: path).read { db in
            try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + SQLiteLogStore.timelineSQL, arguments: ["dry-creek", "2026-03-02"]).map { $0["detail"] as String }
        }
        #expect(plan.contains { $0.contains("USING INDEX entry_day") }, "\(plan)")
    }

    @Test func aProductionCannotBeCreatedTwiceAndAnUnknownOneIsNamed() async throws {
        let path = Self.database()
        let (store, log) = try Self.recorded(path)
        #expect(throws: StoreError.productionExists("dry-creek")) { try store.create("dry-creek", log) }
        await #expect(throws: StoreError.unknownProduction("nope")) { try await store.load("nope") }
    }

    @Test func manyProductionsShareOneFileEachItsOwnTree() async throws {
        let path = Self.database()
        let (store, log) = try Self.recorded(path)
        var other = ProductionLog(productionID: "second-unit", header: ProductionHeader(title: "Second unit", timezone: "UTC", people: Self.people),
                                  openedAt: Self.step(0, "ana", .wrap).at)
        try store.create("second-unit", other)
        let before = other
        try other.record(Self.day[0])
        try await store.append("second-unit", from: before, to: other)
        #expect(try await store.productionIDs() == ["dry-creek", "second-unit"])
        #expect(try await store.load("second-unit").size == 2)
        #expect(try await store.load("dry-creek").size == log.size)
        #expect(try await store.load("second-unit").origin == "armory/second-unit")
    }
}
