import ArmoryCore
import ArmoryLedger

/// Known-good material the targets check fuzzed input against: fixed keys (so every run
/// and every machine has the same fixtures), a small production's log with witnessed
/// checkpoints, and its evidence bundles. Built once, on first use, the way the ledger's
/// tests build theirs (Tests/ArmoryLedgerTests/EvidenceBundleTests.swift).
public enum Fixtures {
    public static let logSigner = try! NoteSigner(name: "armory.example/fuzz", seed: Array(repeating: 1, count: 32))
    public static let witnessSigner = try! NoteSigner(name: "insurer.example/witness", type: .cosignatureV1,
                                                      seed: Array(repeating: 2, count: 32))
    public static var logKey: NoteVerifierKey { logSigner.verifierKey }
    public static var witnessKey: NoteVerifierKey { witnessSigner.verifierKey }

    /// golang/mod sumdb/note/note_test.go, as in Tests/ArmoryLedgerTests/SignedNoteTests.swift:
    /// two keys and a note both signed.
    public static let peterKey = try! NoteVerifierKey("PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")
    public static let enochKey = try! NoteVerifierKey("EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop")
    public static let golangNote = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n\n"
        + "\u{2014} PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
        + "\u{2014} EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n"

    /// Every key a note target trusts.
    public static var noteKeys: [NoteVerifierKey] { [logKey, witnessKey, peterKey, enochKey] }

    /// A short day: firearm and dummies received and checked, a meeting, a load, a refused
    /// handover, a wrap; then a correction, a PIN issued and an evidence transfer.
    public static let scenarioText = #"""
    {"production": {"title": "Fuzz Gulch, day 1", "timezone": "America/Denver"},
     "people": [{"id": "rosa", "name": "Rosa Diaz", "roles": ["armorer"]},
                {"id": "eli", "name": "Eli Grant", "roles": ["talent"]},
                {"id": "tom", "name": "Tom Avery", "roles": ["first_ad"]}],
     "steps": [
      {"at": "2026-04-14T06:30:00-06:00", "by": "rosa", "do": "receive_firearm", "firearm": "colt-2", "serial": "SAA-2291", "make": "Colt", "model": "Single Action Army", "from": "Sierra Prop Arms"},
      {"at": "2026-04-14T06:40:00-06:00", "by": "rosa", "do": "receive_ammo", "lot": "DUM-44", "kind": "dummy", "count": 12, "source": "Sierra Prop Arms", "caliber": ".45 Colt"},
      {"at": "2026-04-14T06:55:00-06:00", "by": "rosa", "do": "inspect_lot", "lot": "DUM-44", "inspected": 12, "live_found": 0},
      {"at": "2026-04-14T07:05:00-06:00", "by": "rosa", "do": "inspect_firearm", "firearm": "colt-2", "result": "clear"},
      {"at": "2026-04-14T07:30:00-06:00", "by": "tom", "do": "safety_meeting", "scene": "31", "attendees": ["rosa", "eli", "tom"], "blanks": false},
      {"at": "2026-04-14T07:40:00-06:00", "by": "rosa", "do": "load", "firearm": "colt-2", "lot": "DUM-44", "rounds": 6, "scene": "31", "rehearsal": true},
      {"at": "2026-04-14T07:45:00-06:00", "by": "tom", "do": "hand_over", "firearm": "colt-2", "to": "eli", "scene": "31"},
      {"at": "2026-04-14T07:50:00-06:00", "by": "rosa", "do": "unload", "firearm": "colt-2", "lot": "DUM-44", "rounds": 6},
      {"at": "2026-04-14T08:00:00-06:00", "by": "rosa", "do": "store", "firearm": "colt-2", "locked": true},
      {"at": "2026-04-14T18:00:00-06:00", "by": "rosa", "do": "wrap"}
     ]}
    """#

    public static let scenario = try! Scenario(bytes: Array(scenarioText.utf8))

    /// The scenario recorded as a production's log, every checkpoint cosigned by the witness.
    public static let log: ProductionLog = {
        let steps = scenario.steps.map { try! Step(json: $0) }
        var log = ProductionLog(productionID: "fuzz-gulch", header: ProductionHeader(scenario: scenario), openedAt: steps[0].at)
        var witness = try! Witness(signer: witnessSigner, logKey: logKey)
        var cosigned = 0
        func cosignNew(_ log: inout ProductionLog) {
            while cosigned < log.checkpoints.count {
                let cp = try! Checkpoint(text: log.checkpoints[cosigned].text)
                let proof = try! witness.last.map { try log.tree.consistencyProof(from: $0.size, to: cp.size) } ?? []
                let note = try! witness.cosign(log.checkpoints[cosigned], consistency: proof, timestamp: UInt64(log.lastAt.seconds))
                log.replaceCheckpoint(at: cosigned, with: note)
                cosigned += 1
            }
        }
        for step in steps {
            _ = try! log.record(step, signer: logSigner)
            cosignNew(&log)
        }
        let evening = Timestamp(rfc3339: "2026-04-14T18:30:00-06:00")!
        _ = try! log.correct(entry: 6, by: "rosa", at: evening, text: "loaded for the rehearsal of scene 31")
        _ = try! log.recordPIN(for: "eli", by: "rosa", at: evening,
                               receipt: LogEntry.Receipt(received: "2026-04-15T00:30:02Z", via: .password))
        let transfer = EvidenceTransfer(at: Timestamp(rfc3339: "2026-04-15T09:00:00-06:00")!, by: "rosa",
                                        caseNumber: "SFSO-2026-0415", to: "Det. Ana Ruiz", firearms: ["colt-2"], lots: ["DUM-44"])
        _ = try! log.transfer(transfer, signer: logSigner)
        log.signCheckpoint(logSigner)
        cosignNew(&log)
        return log
    }()

    /// Every checkpoint text the fixture keys signed, with the witness's timestamps for it.
    public static let signedTexts: [String: Set<UInt64>] = {
        var out: [String: Set<UInt64>] = [:]
        for note in log.checkpoints {
            let stamps = (try? note.verify(with: [logKey, witnessKey]))?.compactMap(\.timestamp) ?? []
            out[note.text, default: []].formUnion(stamps)
        }
        return out
    }()

    /// The scopes the fixture bundles are made for.
    public static let scopes: [EvidenceScope] = [.all, .day("2026-04-14"), .firearm("colt-2")]

    /// The fixture log's evidence bundle for `scope`, as bytes.
    public static func bundle(_ scope: EvidenceScope) -> [UInt8] {
        try! EvidenceBundle.make(log: log, scope: scope, witnessKeys: [witnessKey], logKey: logKey).encoded()
    }

    /// The bundles of every scope in `scopes`: the only byte strings that may verify.
    public static let bundles: [[UInt8]] = scopes.map(bundle)
}
