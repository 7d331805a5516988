import ArmoryCore
import ArmoryLedger
import Foundation
import GRDB
import Testing

@testable import ArmoryStore

/// A log holding an entry no reader can take (Fixtures/README.md: written by d5fc985 after
/// two anonymous concerns) opens read-only with that entry named, instead of the whole
/// production going dark; an entry altered underneath is still refused.
struct ReadOnlyOpeningTests {
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/year-10000/armory.db")

    /// A copy of the fixture: opening a database migrates it, and the fixture stays as written.
    static func copy() throws -> String {
        let path = SQLiteLogStoreTests.database()
        try FileManager.default.copyItem(atPath: fixture.path, toPath: path)
        return path
    }

    @Test func aLogWithAnUnreadableEntryOpensReadOnlyWithThatEntryNamed() async throws {
        let path = try Self.copy()
        let store = try SQLiteLogStore(path: path)
        // Asked for strictly (armory verify, export), it is refused as before, naming the entry.
        await #expect { try await store.load("demo", logKey: nil) } throws: { "\($0)".contains("entry 72") }
        let log = try await store.load("demo", logKey: nil, readOnlyAtFault: true)
        let fault = try #require(log.fault)
        #expect(fault.index == 72)
        #expect(fault.message.contains("10000-01-01T04:59:59-07:00"))
        // Every stored entry is kept, byte for byte, and the tree over them is the stored one.
        #expect(log.size == 73)
        let stored = try await store.entries("demo", from: 0, limit: 100).map { $0.entry.encoded() }
        #expect(stored == log.entries.all!)
        // The state is the state before entry 72: entry 71's concern, at its time.
        #expect(log.lastAt.text == "9999-12-31T23:59:59-12:00")
        let strictPrefix = try ProductionLog(origin: log.origin, entries: Array(log.entries.all![..<72]), checkpoints: [])
        #expect(log.state.snapshot(of: log.state.firearm("colt-1")!) == strictPrefix.state.snapshot(of: strictPrefix.state.firearm("colt-1")!))
        #expect(log.state.lastAt == strictPrefix.state.lastAt)
    }

    @Test func anUnreadableEntryAlteredUnderneathIsStillRefused() async throws {
        let path = try Self.copy()
        do {
            let pool = try DatabasePool(path: path)
            try await pool.write { db in
                try db.execute(sql: "UPDATE entry SET bytes = CAST(REPLACE(CAST(bytes AS TEXT), 'next', 'nixt') AS BLOB) WHERE idx = 72")
            }
        }
        let store = try SQLiteLogStore(path: path)
        await #expect(throws: StoreError.self) { try await store.load("demo", logKey: nil, readOnlyAtFault: true) }
    }
}
