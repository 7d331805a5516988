import ArmoryCore
import ArmoryLedger
import Benchmark
import Crypto

/// The ledger's speed beside its ceilings, all in the same run: raw SHA-256 of an
/// entry-sized message and raw Ed25519 verification on this machine.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .peakMemoryResident],
        maxDuration: .seconds(10),
        maxIterations: 100_000
    )

    let entry = [UInt8](repeating: 0x61, count: 220)  // a typical step entry
    Benchmark("Ceiling: SHA-256 of a 220-byte entry") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(SHA256.hash(data: entry)) }
    }

    let key = Curve25519.Signing.PrivateKey()
    let message = [UInt8]("armory/dry-creek\n1000000\nq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s=\n".utf8)
    let signature = try! key.signature(for: message)
    let publicKey = key.publicKey
    Benchmark("Ceiling: Ed25519 verify") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(publicKey.isValidSignature(signature, for: message)) }
    }

    var appendTree = MerkleTree()
    var counter: UInt64 = 0
    Benchmark("Append one entry (leaf hash + tree update)", configuration: .init(metrics: [.wallClock, .throughput])) { benchmark in
        for _ in benchmark.scaledIterations {
            counter += 1
            var e = entry
            e[0] = UInt8(truncatingIfNeeded: counter)
            appendTree.append(leafHash: MerkleHash.leaf(e))
        }
    }

    for size in [1_000_000, 10_000_000] {
        let label = size == 1_000_000 ? "1M" : "10M"
        // Built once per size, outside the measurement.
        nonisolated(unsafe) var tree: MerkleTree<InMemoryNodeStore>?
        func built() -> MerkleTree<InMemoryNodeStore> {
            if let tree { return tree }
            var t = MerkleTree()
            var e = entry
            for i in 0..<size {
                e[0] = UInt8(truncatingIfNeeded: i); e[1] = UInt8(truncatingIfNeeded: i >> 8); e[2] = UInt8(truncatingIfNeeded: i >> 16)
                t.append(leafHash: MerkleHash.leaf(e))
            }
            tree = t
            return t
        }
        Benchmark("Inclusion proof at \(label) entries", configuration: .init(metrics: [.wallClock, .throughput], setup: { _ = built() })) { benchmark in
            let t = built()
            var i = 7
            for _ in benchmark.scaledIterations {
                i = (i &* 1_103_515_245 &+ 12_345) % size
                blackHole(try t.inclusionProof(index: i, size: size))
            }
        }
        Benchmark("Consistency proof at \(label) entries", configuration: .init(metrics: [.wallClock, .throughput], setup: { _ = built() })) { benchmark in
            let t = built()
            var m = 13
            for _ in benchmark.scaledIterations {
                m = 1 + (m &* 1_103_515_245 &+ 12_345) % (size - 1)
                blackHole(try t.consistencyProof(from: m, to: size))
            }
        }
    }

    // One tlog-proof verified offline (checkpoint signature + inclusion path at 1M entries),
    // beside its ceiling: one raw Ed25519 verify plus one raw SHA-256 per path hash.
    do {
        var t = MerkleTree()
        var e = entry
        for i in 0..<1_000_000 {
            e[0] = UInt8(truncatingIfNeeded: i); e[1] = UInt8(truncatingIfNeeded: i >> 8); e[2] = UInt8(truncatingIfNeeded: i >> 16)
            t.append(leafHash: MerkleHash.leaf(e))
        }
        let signer = try! NoteSigner(name: "armory.example/bench", seed: [UInt8](repeating: 8, count: 32))
        let note = try! Checkpoint(origin: "armory/bench", size: 1_000_000, rootHash: try! t.rootHash()).signed(by: signer)
        e[0] = UInt8(truncatingIfNeeded: 777_777); e[1] = UInt8(truncatingIfNeeded: 777_777 >> 8); e[2] = UInt8(truncatingIfNeeded: 777_777 >> 16)
        let leaf = MerkleHash.leaf(e)
        let proof = TlogProof(index: 777_777, proof: try! t.inclusionProof(index: 777_777, size: 1_000_000), checkpoint: note)
        let text = proof.formatted
        let keys = [signer.verifierKey]
        Benchmark("Verify one tlog-proof at 1M entries (\(proof.proof.count) path hashes)") { benchmark in
            for _ in benchmark.scaledIterations { blackHole(try TlogProof(parsing: text).verify(leafHash: leaf, keys: keys)) }
        }
    }

    // Full verification of a 5,000-step production's bundle, per entry.
    let signer = try! NoteSigner(name: "armory.example/bench", seed: [UInt8](repeating: 9, count: 32))
    let scenario = ScenarioGenerator(seed: 5).scenario(steps: 5_000)
    let steps = try! scenario.steps.map { try Step(json: $0) }
    var log = ProductionLog(productionID: "bench", header: ProductionHeader(scenario: scenario), openedAt: steps[0].at)
    for s in steps { try! log.record(s, signer: signer) }
    log.signCheckpoint(signer)
    let bundle = try! EvidenceBundle.make(log: log, scope: .all, logKey: signer.verifierKey).encoded()
    Benchmark("Verify a bundle of \(log.size) entries (throughput = bundles/s)",
              configuration: .init(metrics: [.wallClock, .throughput], maxIterations: 20)) { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try EvidenceBundle.verify(bundle)) }
    }
}
