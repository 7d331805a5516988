import ArmoryCore
import ArmoryLedger
import Foundation
import Testing

/// Evidence bundles: made from a production's log, verified offline, and rejected when
/// anything in them is changed, dropped, duplicated, reordered, truncated or swapped.
struct EvidenceBundleTests {
    static let logSigner = try! NoteSigner(name: "armory.example/dry-creek", seed: Array(repeating: 1, count: 32))
    static let witnessSigner = try! NoteSigner(name: "insurer.example/witness", type: .cosignatureV1, seed: Array(repeating: 2, count: 32))

    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The production of a scenario file in `scenarios/`, recorded with checkpoints at wraps
    /// and after FA-7, each cosigned by the witness, and a final checkpoint.
    static func log(_ scenarioName: String, steps limit: Int? = nil) throws -> ProductionLog {
        let bytes = try [UInt8](Data(contentsOf: repository.appendingPathComponent("scenarios/\(scenarioName).json")))
        let scenario = try Scenario(bytes: bytes)
        let steps = try scenario.steps.prefix(limit ?? scenario.steps.count).map { try Step(json: $0) }
        var log = ProductionLog(productionID: "dry-creek", header: ProductionHeader(scenario: scenario), openedAt: steps[0].at)
        var witness = try Witness(signer: witnessSigner, logKey: logSigner.verifierKey)
        var cosigned = 0
        func cosignNew(_ log: inout ProductionLog) throws {
            while cosigned < log.checkpoints.count {
                let cp = try Checkpoint(text: log.checkpoints[cosigned].text)
                let proof = try witness.last.map { try log.tree.consistencyProof(from: $0.size, to: cp.size) } ?? []
                log.replaceCheckpoint(at: cosigned, with: try witness.cosign(log.checkpoints[cosigned], consistency: proof,
                                                                              timestamp: UInt64(log.lastAt.seconds)))
                cosigned += 1
            }
        }
        for step in steps {
            try log.record(step, signer: logSigner)
            try cosignNew(&log)
        }
        log.signCheckpoint(logSigner)
        try cosignNew(&log)
        return log
    }

    static func bundle(_ log: ProductionLog, _ scope: EvidenceScope = .all) throws -> [UInt8] {
        try EvidenceBundle.make(log: log, scope: scope, witnessKeys: [witnessSigner.verifierKey], logKey: logSigner.verifierKey).encoded()
    }

    @Test func aBundleOfTheRustDayVerifies() throws {
        let log = try Self.log("rust-reconstruction")
        let summary = try EvidenceBundle.verify(try Self.bundle(log), trustedLogKey: Self.logSigner.verifierKey)
        #expect(summary.entries == 17 && summary.steps == 16)
        #expect(summary.refused == 6 && summary.alarms == 6 && summary.critical == 2)
        #expect(summary.coveredSize == summary.latestSize && summary.keyWasTrusted)
        #expect(summary.witnesses.map(\.name) == ["insurer.example/witness"])
        // FA-7 signed a checkpoint at once (EVID-2): at the discharge, the report, and wrap, plus the final one.
        #expect(log.checkpoints.count >= 3)
    }

    @Test func aDayBundleVerifiesWithoutATrustedKeyAndSaysSo() throws {
        let log = try Self.log("clean-day")
        let summary = try EvidenceBundle.verify(try Self.bundle(log, .day("2026-04-14")))
        #expect(summary.inScope == 32)
        #expect(!summary.keyWasTrusted)
    }

    @Test func aWholeLogsBundleHoldsNoProofsAndIsSmall() throws {
        let log = try Self.log("clean-day")
        let whole = try BundleArchive(decoding: try Self.bundle(log))
        #expect(!whole.files.contains { $0.name.hasPrefix("proofs/") })
        let entries = try #require(whole.file("entries.bin")).count
        // Its entries, and a fixed part (manifest, report, checkpoints, keys) that does not grow with them.
        #expect(whole.encoded().count < 2 * entries + 64 * 1024, "\(whole.encoded().count) bytes for \(entries) bytes of entries")
        #expect(try EvidenceBundle.verify(whole.encoded()).proofs == 0)
    }

    @Test func aFirearmBundleHoldsProofsForItsEntriesOnly() throws {
        let log = try Self.log("clean-day")
        let archive = try BundleArchive(decoding: try Self.bundle(log, .firearm("colt-2")))
        let proofs = archive.files.filter { $0.name.hasPrefix("proofs/") }.map(\.name)
        // The header and the 12 steps naming colt-2, one range proof per run of them.
        let summary = try EvidenceBundle.verify(archive.encoded())
        #expect(summary.inScope == 13 && summary.proofKind == .perRange && summary.proofs == proofs.count)
        let manifest = try JSON.parse(String(decoding: try #require(archive.file("manifest.json")), as: UTF8.self))
        guard case let .array(runs)? = manifest["in_scope"]?["indices"] else { Issue.record("no runs in the manifest"); return }
        #expect(proofs == runs.compactMap { run -> String? in
            guard case let .array(pair) = run, pair.count == 2, let a = pair[0].intValue, let b = pair[1].intValue else { return nil }
            return "proofs/\(a)-\(b).range-proof"
        })
        #expect(proofs.count > 1 && proofs.count < 13)
    }

    @Test func anotherKeyIsRefusedWhenAKeyIsTrusted() throws {
        let other = try NoteSigner(name: "armory.example/dry-creek", seed: Array(repeating: 3, count: 32))
        #expect(throws: BundleError.self) { try EvidenceBundle.verify(try Self.bundle(Self.log("clean-day")), trustedLogKey: other.verifierKey) }
    }

    /// Every single byte of a small bundle, changed, is caught.
    @Test func everySingleByteChangeOfASmallBundleIsDetected() throws {
        let bytes = try Self.bundle(try Self.log("clean-day", steps: 3))
        var undetected: [Int] = []
        for k in bytes.indices {
            var changed = bytes
            changed[k] ^= 0x20
            if (try? EvidenceBundle.verify(changed)) != nil { undetected.append(k) }
        }
        #expect(undetected.isEmpty, "\(undetected.count) of \(bytes.count) single-byte changes went undetected, first at \(undetected.prefix(5))")
        #expect(bytes.count > 10_000)
    }

    @Test func randomByteChangesOfALargeBundleAreDetected() throws {
        let bytes = try Self.bundle(try Self.log("crow-reconstruction"))
        var rng = SeededRandom(seed: 99)
        for _ in 0..<400 {
            var changed = bytes
            let k = Int(rng.next() % UInt64(bytes.count))
            changed[k] = changed[k] &+ UInt8(1 + rng.next() % 255)
            #expect((try? EvidenceBundle.verify(changed)) == nil, "a change at byte \(k) went undetected")
        }
    }

    /// Rewrites entries.bin (and nothing else) and repacks the archive canonically, as a
    /// careful forger would.
    static func repack(_ bytes: [UInt8], _ change: (inout [[UInt8]]) -> Void) throws -> [UInt8] {
        var archive = try BundleArchive(decoding: bytes)
        var entries = try EvidenceBundle.entries(in: archive)
        change(&entries)
        let out = EvidenceBundle.entriesFile(entries)
        archive.files = archive.files.map { $0.name == "entries.bin" ? .init(name: $0.name, contents: out) : $0 }
        return archive.encoded()
    }

    @Test func droppedDuplicatedReorderedOrTruncatedEntriesAreDetected() throws {
        let bytes = try Self.bundle(try Self.log("rust-reconstruction"))
        let attacks: [(String, (inout [[UInt8]]) -> Void)] = [
            ("drop entry 9 (the discharge)", { $0.remove(at: 9) }),
            ("duplicate entry 5", { $0.insert($0[5], at: 6) }),
            ("swap entries 7 and 8", { $0.swapAt(7, 8) }),
            ("truncate the last 4", { $0.removeLast(4) }),
            ("drop the header", { $0.removeFirst() }),
        ]
        for (what, attack) in attacks {
            #expect(throws: BundleError.self, "\(what)") { try EvidenceBundle.verify(try Self.repack(bytes, attack)) }
        }
    }

    @Test func aRewrittenDecisionIsDetectedAndNamed() throws {
        let bytes = try Self.bundle(try Self.log("rust-reconstruction"))
        let forged = try Self.repack(bytes) { entries in
            var e = try! LogEntry(decoding: entries[10])  // the projectile
            e.outcome = .ok
            e.rules = []
            entries[10] = e.encoded()
        }
        // A whole log's bundle holds no proofs: the replay names the entry.
        #expect(throws: BundleError(entry: 10, "its bytes are not the ones the checkpoint signed (recorded ok [] but the protocol decides alarm [\"AMMO-4\", \"FA-5\", \"FA-7\", \"SCENE-3\"])")) {
            try EvidenceBundle.verify(forged)
        }
        // A firearm's bundle holds a proof per run of its entries: the failing one and the replay name it.
        let firearmBundle = try EvidenceBundle.make(log: try Self.log("rust-reconstruction"), scope: .firearm("pietta-45"),
                                                    witnessKeys: [Self.witnessSigner.verifierKey], logKey: Self.logSigner.verifierKey).encoded()
        let forgedFirearm = try Self.repack(firearmBundle) { entries in
            var e = try! LogEntry(decoding: entries[10])
            e.outcome = .ok
            e.rules = []
            entries[10] = e.encoded()
        }
        #expect(throws: BundleError(entry: 10, "its bytes are not the ones the checkpoint signed (the range proof of entries 6...11 fails)")) {
            try EvidenceBundle.verify(forgedFirearm)
        }
    }

    @Test func anOlderCheckpointSwappedInIsDetected() throws {
        let log = try Self.log("rust-reconstruction")
        let bytes = try Self.bundle(log)
        let older = log.checkpoints[0].formatted
        for name in ["checkpoint.txt", "latest-checkpoint.txt"] {
            var archive = try BundleArchive(decoding: bytes)
            archive.files = archive.files.map { $0.name == name ? .init(name: name, contents: Array(older.utf8)) : $0 }
            #expect(throws: BundleError.self, "older \(name)") { try EvidenceBundle.verify(archive.encoded()) }
        }
    }

    @Test func aLogReSignedByAnotherKeyIsCaughtByTheTrustedKey() throws {
        // A forger rebuilds a whole consistent bundle, but cannot sign with the production's key.
        let forger = try NoteSigner(name: "armory.example/dry-creek", seed: Array(repeating: 4, count: 32))
        var log = try Self.log("clean-day")
        log.signCheckpoint(forger)
        let forged = try EvidenceBundle.make(log: log, scope: .all, logKey: forger.verifierKey).encoded()
        #expect(throws: BundleError.self) { try EvidenceBundle.verify(forged, trustedLogKey: Self.logSigner.verifierKey) }
    }

    @Test func theWitnessRefusesAnInconsistentLog() throws {
        let log = try Self.log("clean-day")
        var witness = try Witness(signer: Self.witnessSigner, logKey: Self.logSigner.verifierKey)
        let first = log.checkpoints[0]
        _ = try witness.cosign(first, consistency: [], timestamp: 1)
        // A rewritten log: a different tree of a larger size, signed by the real key.
        var other = try Self.log("crow-reconstruction")
        let rewritten = other.signCheckpoint(Self.logSigner)
        #expect(throws: WitnessError.self) { try witness.cosign(rewritten, consistency: [], timestamp: 2) }
        // Going back in size is refused too.
        let firstCP = try Checkpoint(text: first.text)
        let smaller = try Checkpoint(origin: firstCP.origin, size: firstCP.size - 1, rootHash: try log.tree.rootHash(size: firstCP.size - 1)).signed(by: Self.logSigner)
        #expect(throws: WitnessError.self) { try witness.cosign(smaller, consistency: [], timestamp: 3) }
        // A note not signed by the log is refused.
        let unsigned = try Checkpoint(text: first.text).signed(by: try NoteSigner(name: "armory.example/dry-creek", seed: Array(repeating: 5, count: 32)))
        #expect(throws: WitnessError.self) { try witness.cosign(unsigned, consistency: [], timestamp: 4) }
    }
}
