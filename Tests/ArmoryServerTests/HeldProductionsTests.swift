import ArmoryCore
import ArmoryHub
import ArmoryLedger
import ArmoryStore
import Foundation
import Logging
import Testing

/// A studio's server holds a bounded number of productions: one is opened from the store on
/// first use, and the least recently used idle one is let go when the cap is passed. A
/// production with an alarm nobody has answered stays, so its escalations go on.
struct HeldProductionsTests {
    static func hub(cap: Int) throws -> (ProductionHub, SQLiteLogStore) {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("armory-held-\(UInt64.random(in: 0...UInt64.max)).db").path
        let store = try SQLiteLogStore(path: path)
        return (ProductionHub(store: store, signer: Harness.signer, logger: Logger(label: "test"), heldProductions: cap), store)
    }

    static func step(_ n: Int, _ action: Action) -> Step {
        Step(at: Timestamp(seconds: GroupCommitTests.at.seconds + Int64(n), offsetMinutes: -420), by: "ana", action: action)
    }

    static func opened(_ id: String) -> ProductionLog {
        ProductionLog(productionID: id, header: ProductionHeader(title: "Set \(id)", timezone: "America/Denver", people: GroupCommitTests.people),
                      openedAt: GroupCommitTests.at)
    }

    @Test func theLeastRecentlyUsedIdleProductionIsLetGo() async throws {
        let (hub, store) = try Self.hub(cap: 3)
        for k in 0..<6 {
            try await hub.create("p\(k)", Self.opened("p\(k)"))
            _ = try await hub.record("p\(k)", Self.step(1, .receiveFirearm(firearm: "colt-\(k)", serial: "S\(k)", make: "Colt", model: "SAA", from: nil)))
        }
        #expect(await hub.heldProductions() == ["p3", "p4", "p5"])
        // Used again, p3 is the newest; opening p0 lets go of p4, the least recently used.
        _ = try await hub.read("p3") { $0.size }
        let title = try await hub.read("p0") { $0.header.title }
        #expect(title == "Set p0")
        #expect(await hub.heldProductions() == ["p0", "p3", "p5"])
        // A production let go is opened again as stored, and records on from there.
        let r = try await hub.record("p4", Self.step(2, .inspectFirearm(firearm: "colt-4", result: .clear)))
        #expect(r.index == 2 && r.decision.outcome == .ok)
        #expect(try await store.load("p4").size == 3)
        #expect(await hub.heldProductions().count == 3)
    }

    @Test func aProductionWithAnUnansweredAlarmIsKept() async throws {
        let (hub, _) = try Self.hub(cap: 2)
        try await hub.create("alarmed", Self.opened("alarmed"))
        _ = try await hub.record("alarmed", Step(at: GroupCommitTests.at, by: nil, action: .reportConcern(text: "the dummies rattle", scene: nil)))
        for k in 0..<4 {
            try await hub.create("q\(k)", Self.opened("q\(k)"))
        }
        let held = await hub.heldProductions()
        #expect(held.contains("alarmed"), "\(held)")
        #expect(held.count == 2)
    }

    /// A production let go and opened again starts from the signed snapshot its server stored,
    /// re-deciding only what came after: it answers reads, new steps and retries of keyed
    /// steps exactly as one opened by replaying its whole log.
    @Test func aProductionIsOpenedAgainFromItsSnapshot() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("armory-snap-\(UInt64.random(in: 0...UInt64.max)).db").path
        let store = try SQLiteLogStore(path: path)
        let hub = ProductionHub(store: store, signer: Harness.signer, logger: Logger(label: "test"), window: 128, heldProductions: 1,
                                snapshotInterval: 100)
        try await hub.create("long", Self.opened("long"))
        var answers: [Int: Int] = [:]
        for n in 1...350 {
            let receipt = LogEntry.Receipt(received: Self.step(n, .wrap).at.text, via: .password, recorder: "ana", key: "k\(n)")
            let action: Action = .receiveFirearm(firearm: "colt-\(n)", serial: "S\(n)", make: "Colt", model: "SAA", from: nil)
            answers[n] = try await hub.record("long", Self.step(n, action), stampedNow: false, receipt: receipt, allowed: nil).index
        }
        // Let go (a snapshot is stored as it goes), then opened again.
        try await hub.create("other", Self.opened("other"))
        #expect(await hub.heldProductions() == ["other"])
        // Stored as it was let go, a moment later.
        for _ in 0..<200 {
            if try await store.snapshotCandidates("long", limit: 1).snapshots.first.map({ try SignedNote(parsing: $0.note).text.contains("\nsize 351\n") }) == true { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        let newest = try #require(try await store.snapshotCandidates("long", limit: 1).snapshots.first)
        #expect(try StateSnapshot(text: SignedNote(parsing: newest.note).text).size == 351)
        let size = try await hub.read("long") { $0.size }
        #expect(size == 351)
        // The newest keys, still held, are answered with their first entry and nothing is recorded.
        for n in 300...350 {
            let receipt = LogEntry.Receipt(received: Self.step(400, .wrap).at.text, via: .password, recorder: "ana", key: "k\(n)")
            let action: Action = .receiveFirearm(firearm: "colt-\(n)", serial: "S\(n)", make: "Colt", model: "SAA", from: nil)
            let r = try await hub.record("long", Self.step(400, action), stampedNow: false, receipt: receipt, allowed: nil)
            #expect(r.repeated && r.index == answers[n])
        }
        let replayed = try await store.load("long", logKey: Harness.signer.verifierKey)
        let (state, held) = try await hub.read("long") { ($0.state, $0.size) }
        #expect(held == 351 && state == replayed.state)
        let next = try await hub.record("long", Self.step(401, .inspectFirearm(firearm: "colt-1", result: .clear)))
        var expected = replayed
        let decided = try expected.record(Self.step(401, .inspectFirearm(firearm: "colt-1", result: .clear)))
        #expect(next.index == decided.index && next.decision == decided.decision)
    }
}
