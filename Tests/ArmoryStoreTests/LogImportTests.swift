import ArmoryCore
import ArmoryLedger
import ArmoryStore
import Foundation
import Testing

/// `armory import`'s store half: a log handed over a batch at a time is stored exactly as
/// the whole log is, and all or nothing, on both back ends.
struct LogImportTests {
    typealias Backend = LogStoreBehaviourTests.Backend

    /// The day's log, recorded in memory; its last checkpoint (signed at wrap) covers every entry.
    static let log: ProductionLog = {
        var log = ProductionLog(productionID: "dry-creek", header: ProductionHeader(title: "Dry Creek", timezone: "UTC", people: SQLiteLogStoreTests.people),
                                openedAt: SQLiteLogStoreTests.step(0, "ana", .wrap).at)
        for s in SQLiteLogStoreTests.day { _ = try! log.record(s, signer: SQLiteLogStoreTests.signer) }
        return log
    }()

    /// An import of `entries` with `checkpoints`, read `batch` entries at a time; `failing`
    /// makes the read of that batch (counted from 0) fail.
    static func importing(_ entries: [[UInt8]], _ checkpoints: [SignedNote], batch: Int, failing: Int? = nil) -> (LogImport, @Sendable () -> Int) {
        let reads = Counter()
        let log = LogImport(origin: Self.log.origin, checkpoints: checkpoints, batchEntries: batch) { limit in
            let n = reads.next()
            if n == failing { throw StoreError.unavailable("the bundle could not be read") }
            let start = min(entries.count, n * limit)
            return Array(entries[start..<min(entries.count, start + limit)])
        }
        return (log, { reads.value })
    }

    final class Counter: @unchecked Sendable {
        let lock = NSLock()
        var value = 0
        func next() -> Int { lock.withLock { defer { value += 1 }; return value } }
    }

    /// Everything a store shows of a production, for comparing two stores' copies of one log.
    static func shown(_ store: any LogStore, _ id: String) async throws -> [String] {
        let loaded = try await store.load(id, logKey: SQLiteLogStoreTests.signer.verifierKey)
        var out = ["\(loaded.size) \(loaded.checkpoints.map(\.formatted)) \(loaded.state == log.state)"]
        out += try await store.firearms(id).map { "firearm \($0.id) \($0.json)" }
        out += try await store.lots(id).map { "lot \($0.id) \($0.json)" }
        for day in try await store.days(id) {
            out += try await store.timeline(id, day: day).map { "\(day) \($0.index)" }
        }
        for subject: Subject in [.firearm("colt-1"), .lot("D1")] {
            out += try await store.history(id, of: subject, before: Int(Int32.max), limit: 100).map { "\(subject) \($0.index)" }
        }
        out += try await store.entries(id, from: 0, limit: 1000).map { "\($0.index) \($0.entry.message)" }
        return out
    }

    @Test(arguments: LogStoreBehaviourTests.backends, [1, 3, 4, 11, 12, 2048])
    func aLogImportedInBatchesIsStoredAsTheWholeLogIs(_ backend: Backend, batch: Int) async throws {
        let (store, _) = try await LogStoreBehaviourTests.open(backend)
        let whole = LogStoreBehaviourTests.newID(), imported = LogStoreBehaviourTests.newID()
        try await store.create(whole, Self.log)
        let entries = Self.log.entries.all!
        let covering = try Checkpoint(text: Self.log.checkpoints.last!.text)
        #expect(Self.log.size == 11 && covering.size == Self.log.size)
        let (log, reads) = Self.importing(entries, [Self.log.checkpoints.last!], batch: batch)
        try await store.create(imported, importing: log)
        #expect(log.size == entries.count)
        // Each batch read once, and one read that found the end.
        #expect(reads() == (entries.count + batch - 1) / batch + 1)
        let a = try await Self.shown(store, whole), b = try await Self.shown(store, imported)
        // The same size, checkpoint (the day's one, at wrap) and state; the same read models, days, histories and entries.
        #expect(Self.log.checkpoints.count == 1 && a.first!.hasSuffix(" true"))
        #expect(a.count > 30 && a == b)
    }

    /// A read that fails part way, an entry that does not stand up, a checkpoint that does
    /// not cover the entries: nothing is stored, and the same id imports afterwards.
    @Test(arguments: LogStoreBehaviourTests.backends)
    func anImportThatFailsPartWayStoresNothing(_ backend: Backend) async throws {
        let (store, _) = try await LogStoreBehaviourTests.open(backend)
        let id = LogStoreBehaviourTests.newID()
        let entries = Self.log.entries.all!
        let covering = [Self.log.checkpoints.last!]

        let (failing, _) = Self.importing(entries, covering, batch: 3, failing: 2)
        await #expect(throws: StoreError.unavailable("the bundle could not be read")) { try await store.create(id, importing: failing) }
        #expect(try await !store.productionIDs().contains(id))

        var altered = entries
        altered[7] = Array(String(decoding: altered[7], as: UTF8.self).replacingOccurrences(of: "colt-1", with: "colt-9").utf8)
        let (bad, _) = Self.importing(altered, covering, batch: 3)
        await #expect(throws: LogReplayError.self) { try await store.create(id, importing: bad) }
        #expect(try await !store.productionIDs().contains(id))

        // The checkpoint of a shorter log (the one before wrap's, or none at all).
        var shorter = ProductionLog(productionID: "dry-creek", header: Self.log.header, openedAt: SQLiteLogStoreTests.step(0, "ana", .wrap).at)
        for s in SQLiteLogStoreTests.day.dropLast() { _ = try shorter.record(s) }
        let early = shorter.signCheckpoint(SQLiteLogStoreTests.signer)
        let (uncovered, _) = Self.importing(entries, [early], batch: 4)
        await #expect(throws: LogReplayError.self) { try await store.create(id, importing: uncovered) }
        #expect(try await !store.productionIDs().contains(id))

        let (empty, _) = Self.importing([], covering, batch: 4)
        await #expect(throws: LogReplayError.self) { try await store.create(id, importing: empty) }
        #expect(try await !store.productionIDs().contains(id))

        let (good, _) = Self.importing(entries, covering, batch: 3)
        try await store.create(id, importing: good)
        #expect(try await store.load(id, logKey: SQLiteLogStoreTests.signer.verifierKey).size == entries.count)
        // A second import of the same id is refused, and the first is left as it was.
        let (again, _) = Self.importing(entries, covering, batch: 3)
        await #expect(throws: StoreError.productionExists(id)) { try await store.create(id, importing: again) }
        #expect(try await Self.shown(store, id).count > 30)
    }
}
