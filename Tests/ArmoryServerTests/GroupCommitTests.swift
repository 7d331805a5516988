import ArmoryCore
import ArmoryLedger
import ArmoryHub
import ArmoryStore
import Foundation
import GRDB
import Logging
import Synchronization
import Testing

/// The hub's group commit: steps decided while an append is under way share the next
/// one; nothing is acknowledged before it is stored; a failed append acknowledges
/// nothing and the log is taken again from the store; another process's append is met
/// by deciding again against it.
struct GroupCommitTests {
    /// The stored log's size for every entry published (entries stored by one append share it).
    final class Published: Sendable {
        let sizes = Mutex<[Int]>([])
    }

    static let people = [Person(id: "ana", name: "Ana", roles: [.armorer]), Person(id: "ben", name: "Ben", roles: [.firstAD])]
    static let at = Timestamp(rfc3339: "2026-03-02T08:00:00-07:00")!

    /// A hub over a fresh file (or `path`).
    static func hub(path: String? = nil, published: Published? = nil) throws -> (ProductionHub, SQLiteLogStore, String) {
        let path = path ?? FileManager.default.temporaryDirectory.appendingPathComponent("armory-group-\(UInt64.random(in: 0...UInt64.max)).db").path
        let store = try SQLiteLogStore(path: path)
        let hub = ProductionHub(store: store, signer: Harness.signer, logger: Logger(label: "test")) { _, _, size in
            published?.sizes.withLock { $0.append(size) }
        }
        return (hub, store, path)
    }

    static func concern(_ n: Int) -> Step {
        Step(at: at, by: nil, action: .reportConcern(text: "concern \(n)", scene: nil))
    }

    static func opened() -> ProductionLog {
        ProductionLog(productionID: "set", header: ProductionHeader(title: "Dry Creek", timezone: "America/Denver", people: people), openedAt: at)
    }

    @Test func stepsDecidedDuringAnAppendShareTheNextOne() async throws {
        let sizes = Published()
        let (hub, store, _) = try Self.hub(published: sizes)
        try await hub.create("set", Self.opened())
        let indexes = try await withThrowingTaskGroup(of: Int.self) { group in
            for n in 0..<200 { group.addTask { try await hub.record("set", Self.concern(n)).index } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(indexes.sorted() == Array(1...200))
        // Every acknowledged step is stored, in the order decided.
        let stored = try await store.load("set")
        #expect(stored.size == 201)
        #expect(stored.entries == (try await hub.log("set")).entries)
        let published = sizes.sizes.withLock { $0 }
        #expect(published.count == 200)
        let appends = Set(published).count
        #expect(appends < 200, "\(appends) appends for 200 steps: none shared a transaction")
        #expect(published == published.sorted())
    }

    @Test func aFailedAppendAcknowledgesNothingAndTheStoreStaysTheTruth() async throws {
        let (hub, store, path) = try Self.hub()
        try await hub.create("set", Self.opened())
        _ = try await hub.record("set", Self.concern(0))
        // The disk refuses the next writes.
        let db = try DatabaseQueue(path: path)
        try await db.write { try $0.execute(sql: "CREATE TRIGGER refuse BEFORE INSERT ON entry BEGIN SELECT RAISE(ABORT, 'disk refused'); END") }
        // Readers asking meanwhile never see a step that is not stored.
        let (answers, seen) = await withTaskGroup(of: (Bool?, Int?).self) { group in
            for n in 1...20 {
                group.addTask { ((try? await hub.record("set", Self.concern(n))) != nil, nil) }
                group.addTask { (nil, try? await hub.log("set").size) }
            }
            return await group.reduce(into: ([Bool](), [Int]())) { all, one in
                if let a = one.0 { all.0.append(a) }
                if let s = one.1 { all.1.append(s) }
            }
        }
        #expect(answers.count == 20 && answers.allSatisfy { !$0 }, "a step was acknowledged though nothing was stored")
        #expect(seen.count == 20 && seen.allSatisfy { $0 == 2 }, "readers saw sizes \(Set(seen)); 2 are stored")
        #expect(try await store.load("set").size == 2)
        #expect(try await hub.log("set").size == 2)
        try await db.write { try $0.execute(sql: "DROP TRIGGER refuse") }
        #expect(try await hub.record("set", Self.concern(21)).index == 2)
        #expect(try await store.load("set").size == 3)
    }

    @Test func anotherProcessWritingFirstIsMetByDecidingAgain() async throws {
        let (first, _, path) = try Self.hub()
        try await first.create("set", Self.opened())
        let (second, store, _) = try Self.hub(path: path)
        _ = try await second.log("set")
        #expect(try await first.record("set", Self.concern(1)).index == 1)
        // The second still holds the log without it: its step is decided again and stored after it.
        #expect(try await second.record("set", Self.concern(2)).index == 2)
        let stored = try await store.load("set")
        #expect(stored.size == 3)
        #expect(try LogEntry(decoding: stored.entries.bytes(at: 2)!).body.contains("concern 2"))
    }

    /// A reader of the whole log (a report, an export, a proof) is served while steps keep
    /// arriving: new steps wait for it, instead of it waiting for a pause that a busy set
    /// never makes.
    @Test func aReaderIsServedWhileStepsKeepArriving() async throws {
        let (hub, _, _) = try Self.hub()
        try await hub.create("set", Self.opened())
        final class Counts: Sendable {
            let stop = Mutex(false), recorded = Mutex(0)
        }
        let counts = Counts()
        let writers = Task {
            await withTaskGroup(of: Void.self) { group in
                for w in 0..<16 {
                    group.addTask {
                        var n = 0
                        while !counts.stop.withLock({ $0 }) {
                            if (try? await hub.record("set", Self.concern(w * 1_000_000 + n))) != nil { counts.recorded.withLock { $0 += 1 } }
                            n += 1
                        }
                    }
                }
            }
        }
        while counts.recorded.withLock({ $0 }) < 100 { try await Task.sleep(for: .milliseconds(5)) }
        // Each read is raced against ten seconds; the writers stop only afterwards.
        var served: [Bool] = []
        for _ in 0..<3 {
            served.append(await withTaskGroup(of: Bool.self) { group in
                group.addTask { (try? await hub.log("set")) != nil }
                group.addTask {
                    try? await Task.sleep(for: .seconds(10))
                    return false
                }
                let first = await group.next()!
                group.cancelAll()
                if !first { counts.stop.withLock { $0 = true } }
                return first
            })
        }
        let during = counts.recorded.withLock { $0 }
        try await Task.sleep(for: .milliseconds(50))
        counts.stop.withLock { $0 = true }
        await writers.value
        #expect(served == [true, true, true], "a reader waited ten seconds while steps kept arriving")
        #expect(counts.recorded.withLock { $0 } > during, "the steps did not go on after the reads")
    }

    /// Two tablets send steps without a time at the same moment; the server stamps each on
    /// arrival, and they can reach the hub in the other order. The later-stamped one is not
    /// refused as out of order: it takes the time of the step before it. A time the tablet
    /// gave is never changed.
    @Test func aStepStampedByTheServerIsNotRefusedWhenRequestsCross() async throws {
        let (hub, store, _) = try Self.hub()
        try await hub.create("set", Self.opened())
        let later = Timestamp(rfc3339: "2026-03-02T08:00:05.250-07:00")!
        _ = try await hub.record("set", Step(at: later, by: nil, action: .reportConcern(text: "first", scene: nil)))
        let crossed = Step(at: Timestamp(rfc3339: "2026-03-02T08:00:04-07:00")!, by: nil, action: .reportConcern(text: "second", scene: nil))
        await #expect(throws: HubError.self) { try await hub.record("set", crossed) }
        #expect(try await hub.record("set", crossed, stampedNow: true).index == 2)
        let entry = try await LogEntry(decoding: try store.load("set").entries.bytes(at: 2)!)
        #expect(entry.at == "2026-03-02T08:00:06-07:00")
    }
}
