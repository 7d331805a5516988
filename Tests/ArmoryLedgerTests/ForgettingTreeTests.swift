import ArmoryCore
import ArmoryLedger
import Testing

/// A server keeps only recent entries and the tree nodes over them: appending and the
/// current root never need what was let go; a proof that does says so (never a wrong
/// answer); and the nodes a proof reads, fetched into a sparse store, answer it exactly
/// as the whole tree does.
struct ForgettingTreeTests {
    static func queries(_ n: Int) -> [MerkleQuery] {
        (1...n).flatMap { size in
            [MerkleQuery.root(size: size)] + (0..<size).map { .inclusion(index: $0, size: size) }
                + (1...size).map { .consistency(from: $0, to: size) }
        }
    }

    @Test func aTreeThatForgetsGivesTheSameRootsAndNeverAWrongProof() throws {
        for n in [1, 2, 3, 5, 8, 13, 33, 64, 70] {
            let whole = MerkleTreeTests.tree(n)
            for before in Set([0, 1, n / 3, n / 2, n - 1, n]) {
                var t = MerkleTreeTests.tree(n)
                t.forget(before: before)
                #expect(try t.rootHash() == whole.rootHash(), "n \(n) forgotten before \(before)")
                for q in Self.queries(n) {
                    do {
                        #expect(try t.answer(q) == whole.answer(q), "\(q) n \(n) before \(before)")
                    } catch {
                        #expect(error.forgotten, "\(q): \(error)")
                    }
                }
                // Appending after forgetting builds the same tree as never forgetting.
                var grown = t, wholeGrown = whole
                for l in MerkleTreeTests.leaves(n + 40).suffix(40) {
                    grown.append(leafHash: MerkleHash.leaf(l))
                    wholeGrown.append(leafHash: MerkleHash.leaf(l))
                    #expect(try grown.rootHash() == wholeGrown.rootHash())
                }
                // What was appended since is held: proofs over it alone still work.
                #expect(try grown.answer(.consistency(from: n + 39, to: n + 40)) == wholeGrown.answer(.consistency(from: n + 39, to: n + 40)))
            }
        }
    }

    @Test func forgettingEverythingStillLeavesTheRightEdge() throws {
        var t = MerkleTreeTests.tree(37)
        t.forget(before: 37)
        #expect(!t.store.isWhole)
        // The right edge: one node per level, at most.
        for level in 0..<7 { #expect(t.store.node(level: level, index: (37 >> level) - 1) != nil || 37 >> level == 0) }
        #expect(throws: MerkleError.self) { try t.inclusionProof(index: 0, size: 37) }
    }

    @Test func theNodesAProofReadsAnswerItFromASparseStore() throws {
        for n in 1...40 {
            let whole = MerkleTreeTests.tree(n)
            for q in Self.queries(n) {
                let keys = try q.nodesNeeded(size: q.size)
                // O(log n) nodes, and only complete ones.
                #expect(keys.count <= 2 * (Int.bitWidth - n.leadingZeroBitCount) + 2, "\(q): \(keys.count) nodes")
                var nodes: [NodeKey: Hash] = [:]
                for k in keys {
                    #expect(k.completedBy < q.size)
                    nodes[k] = whole.store.node(level: k.level, index: k.index)!
                }
                let sparse = MerkleTree(store: SparseNodeStore(leafCount: q.size, nodes: nodes))
                #expect(try sparse.answer(q) == whole.answer(q), "\(q)")
                // Missing any one of them, the sparse tree cannot answer (so none is read for nothing).
                if let drop = keys.first, keys.count > 0 {
                    var fewer = nodes
                    fewer[drop] = nil
                    #expect(throws: MerkleError.self) { try MerkleTree(store: SparseNodeStore(leafCount: q.size, nodes: fewer)).answer(q) }
                }
            }
        }
    }

    /// A log that forgets decides, appends and signs exactly as one that keeps everything,
    /// and recognises an idempotency key while its entry is held.
    @Test func aLogThatForgetsRecordsTheSameEntriesAndCheckpoints() throws {
        let signer = try NoteSigner(name: "armory.example/forget", seed: Array(repeating: 7, count: 32))
        let at = Timestamp(rfc3339: "2026-03-02T08:00:00-07:00")!
        let people = [Person(id: "ana", name: "Ana", roles: [.armorer])]
        var whole = ProductionLog(productionID: "p", header: ProductionHeader(title: "T", timezone: "UTC", people: people), openedAt: at)
        var forgetting = whole
        for n in 1...300 {
            let step = Step(at: Timestamp(seconds: at.seconds + Int64(n), offsetMinutes: -420), by: nil, action: .reportConcern(text: "c\(n)", scene: nil))
            let receipt = LogEntry.Receipt(received: step.at.text, via: .password, recorder: "ana", session: nil, key: "k\(n)")
            try whole.record(step, signer: signer, receipt: receipt)
            try forgetting.record(step, signer: signer, receipt: receipt)
            if n % 50 == 0 {
                whole.signCheckpoint(signer)
                forgetting.signCheckpoint(signer)
            }
            if n % 64 == 0 { forgetting.forget(keeping: 100, stored: forgetting.size) }
        }
        #expect(!forgetting.isWhole && forgetting.entries.first > 0)
        #expect(forgetting.entries.count == whole.entries.count && forgetting.checkpoints == whole.checkpoints)
        #expect(forgetting.state == whole.state)
        for i in forgetting.entries.first..<forgetting.size { #expect(forgetting.entries.bytes(at: i) == whole.entries.bytes(at: i)) }
        #expect(forgetting.entries.bytes(at: 0) == nil)
        #expect(forgetting.entry(forKey: "k300", recorder: "ana") == 300)
        #expect(forgetting.entry(forKey: "k1", recorder: "ana") == nil)
        // Never anything not yet stored.
        var unstored = forgetting
        unstored.forget(keeping: 0, stored: forgetting.size - 5)
        #expect(unstored.entries.first == forgetting.size - 5)
    }
}
