import ArmoryCore
import ArmoryLedger
import ArmoryStore
import Foundation
import Testing

/// Opening a production from a signed state snapshot, on both back ends: it opens exactly as
/// a full replay does (state, next decisions, idempotency answers, reads), and a snapshot
/// that does not stand up is passed over for a full replay.
struct SnapshotOpeningTests {
    typealias Backend = LogStoreBehaviourTests.Backend
    static let signer = SQLiteLogStoreTests.signer
    static let window = 128

    /// A chaotic production of `count` steps, every third one sent with an idempotency key,
    /// checkpoints signed at wraps, appended to the store in batches of 50.
    static func record(_ store: any LogStore, _ id: String, steps: [Step]) async throws -> ProductionLog {
        let header = ProductionHeader(title: "Chaos", timezone: "UTC", policy: ScenarioGenerator.chaosPolicy, people: ScenarioGenerator.people)
        var log = ProductionLog(productionID: id, header: header, openedAt: steps[0].at)
        try await store.create(id, log)
        try await append(store, id, &log, steps)
        return log
    }

    static func receipt(_ k: Int, _ step: Step) -> LogEntry.Receipt? {
        guard k % 3 == 0, let by = step.by else { return nil }
        return LogEntry.Receipt(received: step.at.text, via: .password, recorder: by, key: "key-\(k)")
    }

    static func append(_ store: any LogStore, _ id: String, _ log: inout ProductionLog, _ steps: some Collection<Step>, offset: Int = 0) async throws {
        var mark = log.mark
        for (k, s) in steps.enumerated() {
            _ = try? log.record(s, signer: signer, receipt: receipt(offset + k, s))
            if log.size - mark.size >= 50 {
                try await store.append(id, from: mark, to: log)
                mark = log.mark
            }
        }
        if log.size > mark.size { try await store.append(id, from: mark, to: log) }
    }

    /// The log as the server holds it after a full replay.
    static func replayed(_ store: any LogStore, _ id: String) async throws -> ProductionLog {
        var log = try await store.load(id, logKey: signer.verifierKey)
        log.forget(keeping: window, stored: log.size)
        return log
    }

    /// Everything a server reads of the two logs agrees, and so does what they decide next.
    static func expectSame(_ a: ProductionLog, _ b: ProductionLog, next: [Step]) throws {
        #expect(a.state == b.state)
        #expect(a.size == b.size && a.lastAt == b.lastAt && a.checkpoints == b.checkpoints && a.origin == b.origin && a.header == b.header)
        #expect(try a.tree.rootHash() == b.tree.rootHash())
        #expect(a.fault == nil && b.fault == nil)
        // The held window: its bytes, and the proofs and keys over it.
        let first = max(a.entries.first, b.entries.first)
        #expect(Array(a.entries.since(first)) == Array(b.entries.since(first)))
        for index in stride(from: first, to: a.size, by: 7) {
            // Where both hold the nodes (a proof reaching further back is made from the store's).
            if let pa = try? a.tree.inclusionProof(index: index, size: a.size), let pb = try? b.tree.inclusionProof(index: index, size: b.size) {
                #expect(pa == pb)
            }
        }
        #expect(a.keyed == b.keyed)
        // The next steps decide the same, with the same idempotency answers.
        var x = a, y = b
        for (k, s) in next.enumerated() {
            let rx = try? x.record(s, signer: signer)
            let ry = try? y.record(s, signer: signer)
            #expect(rx?.index == ry?.index && rx?.decision == ry?.decision, "step \(k) after opening")
        }
        #expect(x.state == y.state)
        #expect(try x.tree.rootHash() == y.tree.rootHash())
    }

    @Test(arguments: LogStoreBehaviourTests.backends)
    func openingFromASnapshotIsOpeningByReplay(_ backend: Backend) async throws {
        let (store, _) = try await LogStoreBehaviourTests.open(backend)
        let id = LogStoreBehaviourTests.newID()
        let steps = ScenarioGenerator(seed: 21).chaos(count: 900)
        var log = try await Self.record(store, id, steps: Array(steps[..<600]))
        let snapshotSize = log.size
        try await store.saveSnapshot(id, size: log.size, #require(log.snapshot(signer: Self.signer)))
        // Entries appended after the snapshot (a crash before the next one was written) are re-decided.
        try await Self.append(store, id, &log, steps[600..<800], offset: 600)

        let (opened, at) = try await store.loadFromSnapshot(id, logKey: Self.signer.verifierKey, keeping: Self.window)
        #expect(at == snapshotSize)
        var fromSnapshot = opened
        fromSnapshot.forget(keeping: Self.window, stored: fromSnapshot.size)
        let full = try await Self.replayed(store, id)
        #expect(fromSnapshot.size == log.size && fromSnapshot.state == log.state)
        try Self.expectSame(fromSnapshot, full, next: Array(steps[800...]))
        // Every key of a held entry answers with its entry, as after a full replay.
        for k in 0..<800 where Self.receipt(k, steps[k]) != nil {
            let key = "key-\(k)", recorder = steps[k].by!
            #expect(fromSnapshot.entry(forKey: key, recorder: recorder) == full.entry(forKey: key, recorder: recorder))
        }

        // A snapshot at the very end: nothing is re-decided.
        try await store.saveSnapshot(id, size: log.size, #require(log.snapshot(signer: Self.signer)))
        let (atEnd, size) = try await store.loadFromSnapshot(id, logKey: Self.signer.verifierKey, keeping: Self.window)
        #expect(size == log.size)
        var end = atEnd
        end.forget(keeping: Self.window, stored: end.size)
        try Self.expectSame(end, full, next: Array(steps[800...]))
        // With a Self.window wider than the log, every entry is held, as after a full replay.
        let (wide, _) = try await store.loadFromSnapshot(id, logKey: Self.signer.verifierKey, keeping: 100_000)
        #expect(wide.isWhole && wide.entries == log.entries && wide.state == log.state)
    }

    /// What is wrong with a snapshot, made from a good one.
    enum Damage: String, CaseIterable, Sendable {
        case otherKey, wrongRoot, wrongStateHash, alteredState, garbledState, truncatedNote, garbledNote, otherOrigin, unsigned, olderEngine
    }

    static func damaged(_ good: StoredSnapshot, _ log: ProductionLog, _ damage: Damage) throws -> StoredSnapshot {
        let note = try SignedNote(parsing: good.note)
        let s = try StateSnapshot(text: note.text)
        func signed(_ t: StateSnapshot, by key: NoteSigner = Self.signer) throws -> String {
            var n = try SignedNote(text: t.text)
            n.sign(with: key)
            return n.formatted
        }
        switch damage {
        case .otherKey:
            let other = try NoteSigner(name: Self.signer.name, seed: Array(repeating: 9, count: 32))
            return StoredSnapshot(note: try signed(s, by: other), state: good.state)
        case .wrongRoot:
            let t = try StateSnapshot(origin: s.origin, size: s.size, rootHash: try log.tree.rootHash(size: s.size - 1),
                                      engineRevision: s.engineRevision, stateHash: s.stateHash)
            return StoredSnapshot(note: try signed(t), state: good.state)
        case .wrongStateHash:
            let t = try StateSnapshot(origin: s.origin, size: s.size, rootHash: s.rootHash, engineRevision: s.engineRevision,
                                      stateHash: StateSnapshot.hash([1, 2, 3]))
            return StoredSnapshot(note: try signed(t), state: good.state)
        case .alteredState:
            // A state changed after signing: it no longer hashes to the note's.
            var state = good.state
            if let i = state.firstIndex(of: UInt8(ascii: "1")) { state[i] = UInt8(ascii: "2") }
            return StoredSnapshot(note: good.note, state: state)
        case .garbledState:
            // Signed over, but not a state: the note holds, the state cannot be read.
            let garbage = Array(good.state.prefix(good.state.count / 2))
            let t = try StateSnapshot(origin: s.origin, size: s.size, rootHash: s.rootHash, engineRevision: s.engineRevision,
                                      stateHash: StateSnapshot.hash(garbage))
            return StoredSnapshot(note: try signed(t), state: garbage)
        case .truncatedNote:
            return StoredSnapshot(note: String(good.note.prefix(good.note.count - 30)), state: good.state)
        case .garbledNote:
            return StoredSnapshot(note: good.note.replacingOccurrences(of: "size ", with: "size 0"), state: good.state)
        case .otherOrigin:
            let t = try StateSnapshot(origin: s.origin + "-x", size: s.size, rootHash: s.rootHash, engineRevision: s.engineRevision, stateHash: s.stateHash)
            return StoredSnapshot(note: try signed(t), state: good.state)
        case .unsigned:
            return StoredSnapshot(note: try SignedNote(text: s.text).formatted, state: good.state)
        case .olderEngine:
            let t = try StateSnapshot(origin: s.origin, size: s.size, rootHash: s.rootHash, engineRevision: s.engineRevision - 1, stateHash: s.stateHash)
            return StoredSnapshot(note: try signed(t), state: good.state)
        }
    }

    @Test(arguments: LogStoreBehaviourTests.backends)
    func aSnapshotThatDoesNotStandUpIsPassedOver(_ backend: Backend) async throws {
        let (store, _) = try await LogStoreBehaviourTests.open(backend)
        let steps = ScenarioGenerator(seed: 7).chaos(count: 400)
        for damage in Damage.allCases {
            let id = LogStoreBehaviourTests.newID()
            var log = try await Self.record(store, id, steps: Array(steps[..<300]))
            let good = try #require(log.snapshot(signer: Self.signer))
            try await store.saveSnapshot(id, size: log.size, try Self.damaged(good, log, damage))
            try await Self.append(store, id, &log, steps[300...], offset: 300)
            do {
                _ = try await store.loadFromSnapshot(id, logKey: Self.signer.verifierKey, keeping: Self.window)
                Issue.record("a snapshot with \(damage) was used")
            } catch let e as SnapshotUnusable {
                #expect(e.production == id && !e.reason.isEmpty, "\(damage)")
            }
            // The production still opens, by a full replay, and is what was recorded.
            let full = try await Self.replayed(store, id)
            #expect(full.state == log.state && full.size == log.size, "\(damage)")
            // A good snapshot older than the damaged one is still used.
            let id2 = LogStoreBehaviourTests.newID()
            var log2 = try await Self.record(store, id2, steps: Array(steps[..<200]))
            let goodSize = log2.size
            try await store.saveSnapshot(id2, size: log2.size, #require(log2.snapshot(signer: Self.signer)))
            try await Self.append(store, id2, &log2, steps[200..<300], offset: 200)
            try await store.saveSnapshot(id2, size: log2.size, try Self.damaged(#require(log2.snapshot(signer: Self.signer)), log2, damage))
            let (opened, at, passedOver) = try await store.openFromSnapshot(id2, logKey: Self.signer.verifierKey, keeping: Self.window)
            #expect(at == goodSize && opened.state == log2.state, "\(damage)")
            #expect(passedOver.count == 1, "the damaged snapshot is named as passed over: \(damage)")
        }
    }

    /// A snapshot of entries that were decided but never stored (the append failed) names
    /// a root the stored log, grown by other entries since, does not have: passed over.
    @Test(arguments: LogStoreBehaviourTests.backends)
    func aSnapshotOfEntriesNeverStoredIsPassedOver(_ backend: Backend) async throws {
        let (store, _) = try await LogStoreBehaviourTests.open(backend)
        let id = LogStoreBehaviourTests.newID()
        let steps = ScenarioGenerator(seed: 11).chaos(count: 300)
        var log = try await Self.record(store, id, steps: Array(steps[..<200]))
        var lost = log
        for s in steps[200..<220] { _ = try? lost.record(s, signer: Self.signer) }
        try await store.saveSnapshot(id, size: lost.size, #require(lost.snapshot(signer: Self.signer)))
        // Not yet stored that far: passed over for its size alone.
        await #expect(throws: SnapshotUnusable.self) { _ = try await store.loadFromSnapshot(id, logKey: Self.signer.verifierKey, keeping: Self.window) }
        // Other entries stored in their place.
        try await Self.append(store, id, &log, steps[230...], offset: 230)
        #expect(log.size > lost.size)
        await #expect(throws: SnapshotUnusable.self) { _ = try await store.loadFromSnapshot(id, logKey: Self.signer.verifierKey, keeping: Self.window) }
        #expect(try await Self.replayed(store, id).state == log.state)
        // Without the log's key, no snapshot is trusted.
        try await store.saveSnapshot(id, size: log.size, #require(log.snapshot(signer: Self.signer)))
        await #expect(throws: SnapshotUnusable.self) { _ = try await store.loadFromSnapshot(id, logKey: nil, keeping: Self.window) }
        #expect(try await store.loadFromSnapshot(id, logKey: Self.signer.verifierKey, keeping: Self.window).log.state == log.state)
    }
}
