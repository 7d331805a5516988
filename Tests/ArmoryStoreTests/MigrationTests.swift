import ArmoryCore
import ArmoryLedger
import Foundation
import GRDB
import Testing

@testable import ArmoryStore

/// A database written before the read models existed gets them derived from its entries
/// when it is next opened, and then loads and answers like a new one.
struct MigrationTests {
    /// A database as version 1 wrote it, holding one recorded day; `alter` runs on it last.
    static func versionOne(alter: String? = nil) throws -> (path: String, log: ProductionLog) {
        let path = SQLiteLogStoreTests.database()
        var log = ProductionLog(productionID: "old", header: ProductionHeader(title: "Dry Creek", timezone: "UTC", people: SQLiteLogStoreTests.people),
                                openedAt: SQLiteLogStoreTests.day[0].at)
        for s in SQLiteLogStoreTests.day { try log.record(s, signer: SQLiteLogStoreTests.signer) }
        do {
            let pool = try DatabasePool(path: path)
            try SQLiteLogStore.migrator.migrate(pool, upTo: "v1: productions, entries, nodes, checkpoints")
            let rows = LogRows(log)
            try pool.write { db in
                try db.execute(sql: "INSERT INTO production (id, origin, size) VALUES (?, ?, ?)", arguments: ["old", log.origin, log.size])
                for e in rows.entries {
                    try db.execute(sql: "INSERT INTO entry (production, idx, bytes) VALUES (?, ?, ?)", arguments: ["old", e.index, Data(e.bytes)])
                }
                for n in rows.nodes {
                    try db.execute(sql: "INSERT INTO node (production, level, idx, hash) VALUES (?, ?, ?, ?)", arguments: ["old", n.level, n.index, Data(n.hash)])
                }
                for c in rows.checkpoints {
                    try db.execute(sql: "INSERT INTO checkpoint (production, position, size, note) VALUES (?, ?, ?, ?)", arguments: ["old", c.position, c.size, c.note])
                }
                if let alter { try db.execute(sql: alter) }
            }
        }
        return (path, log)
    }

    @Test func aVersionOneDatabaseGainsItsReadModels() async throws {
        let (path, log) = try Self.versionOne()
        let store = try SQLiteLogStore(path: path)
        let loaded = try await store.load("old", logKey: SQLiteLogStoreTests.signer.verifierKey)
        #expect(loaded.entries == log.entries)
        #expect(try await store.firearm("old", "colt-1")?.json == log.state.snapshot(of: log.state.firearm("colt-1")!).compactText)
        let day = String(SQLiteLogStoreTests.day[0].at.text.prefix(10))
        #expect(try await store.timeline("old", day: day).map(\.index) == Array(0..<log.size))
        #expect(try await store.history("old", of: .firearm("colt-1")).map(\.index) == [1, 2, 6, 7, 8, 9])
    }

    /// Version 4 moves each entry's tree nodes into its row as they were stored: a node
    /// altered before the upgrade is still found when the production is loaded.
    @Test func aNodeAlteredBeforeTheUpgradeIsStillRefused() async throws {
        let (path, _) = try Self.versionOne(alter: "UPDATE node SET hash = zeroblob(32) WHERE level = 2 AND idx = 0")
        let store = try SQLiteLogStore(path: path)
        await #expect(throws: StoreError.self) { try await store.load("old", logKey: SQLiteLogStoreTests.signer.verifierKey) }
        // A node deleted before the upgrade leaves its entry's row short of nodes.
        let (missing, _) = try Self.versionOne(alter: "DELETE FROM node WHERE level = 1 AND idx = 1")
        await #expect(throws: StoreError.self) { try await SQLiteLogStore(path: missing).load("old", logKey: nil) }
    }
}
