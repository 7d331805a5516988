import Foundation
import Testing

@testable import ArmoryLedger

/// The C2SP tlog-witness rules, in the protocol's order: each refusal with its status, and a
/// cosignature only for a checkpoint that extends the one last cosigned.
struct WitnessProtocolTests {
    static let log = try! NoteSigner(name: "armory/shoot-1", seed: Array(repeating: 1, count: 32))
    static let otherLog = try! NoteSigner(name: "armory/shoot-1", seed: Array(repeating: 3, count: 32))
    static let witness = try! NoteSigner(name: "insurer.example/witness", type: .cosignatureV1, seed: Array(repeating: 2, count: 32))
    static let rules = try! WitnessRules(signer: witness, logs: ["armory/shoot-1": [log.verifierKey]])

    /// A tree of `n` leaves, each leaf `k` holding `salt` and k.
    static func tree(_ n: Int, salt: UInt8 = 0) -> MerkleTree<InMemoryNodeStore> {
        var t = MerkleTree()
        for k in 0..<n { t.append(leafHash: MerkleHash.leaf([salt, UInt8(k & 0xff), UInt8(k >> 8)])) }
        return t
    }

    static func note(_ t: MerkleTree<InMemoryNodeStore>, size: Int, by signer: NoteSigner = log, origin: String = "armory/shoot-1") throws -> SignedNote {
        try Checkpoint(origin: origin, size: size, rootHash: t.rootHash(size: size)).signed(by: signer)
    }

    static func request(_ t: MerkleTree<InMemoryNodeStore>, old: Int, size: Int, by signer: NoteSigner = log, origin: String = "armory/shoot-1") throws -> AddCheckpoint {
        try AddCheckpoint(oldSize: old, proof: old == 0 || old >= size ? [] : t.consistencyProof(from: old, to: size), note: note(t, size: size, by: signer, origin: origin))
    }

    func refusal(_ body: () throws -> String) -> WitnessRefusal? {
        do { _ = try body(); return nil } catch let e as WitnessRefusal { return e } catch { return nil }
    }

    @Test func aCheckpointThatExtendsTheLastCosignedIsCosigned() throws {
        let t = Self.tree(40)
        let first = try Self.request(t, old: 0, size: 10)
        let lines = try Self.rules.cosign(first, latest: nil, timestamp: 1_800_000_000)
        #expect(lines.hasPrefix("\u{2014} insurer.example/witness ") && lines.hasSuffix("\n") && lines.split(separator: "\n").count == 1)
        // The cosignature verifies on the checkpoint, as a client joins them.
        let joined = try SignedNote(parsing: first.note.formatted + lines)
        let verified = try joined.verify(with: [Self.witness.verifierKey])
        #expect(verified.first?.timestamp == 1_800_000_000)
        // Then 10 -> 40 with its proof; the same size again with the same root is cosigned too.
        let second = try Self.request(t, old: 10, size: 40)
        #expect(throws: Never.self) { try Self.rules.cosign(second, latest: first.checkpoint, timestamp: 1) }
        #expect(throws: Never.self) { try Self.rules.cosign(Self.request(t, old: 40, size: 40), latest: second.checkpoint, timestamp: 2) }
    }

    @Test func eachRefusalHasTheProtocolsStatus() throws {
        let t = Self.tree(40), fork = Self.tree(40, salt: 9)
        let at10 = try Self.request(t, old: 0, size: 10).checkpoint
        /// "status/size last cosigned" of the refusal (0/- for none).
        func status(_ r: @autoclosure () throws -> AddCheckpoint, latest: Checkpoint?) -> String {
            let e = refusal { try Self.rules.cosign(r(), latest: latest, timestamp: 1) }
            return "\(e?.status ?? 0)/\(e?.latestSize.map(String.init) ?? "-")"
        }
        #expect(status(try Self.request(t, old: 0, size: 10, origin: "armory/other"), latest: nil) == "404/-")
        #expect(status(try Self.request(t, old: 0, size: 10, by: Self.otherLog), latest: nil) == "403/-")
        #expect(status(try Self.request(t, old: 20, size: 10), latest: at10) == "400/-")
        #expect(status(try Self.request(t, old: 5, size: 20), latest: at10) == "409/10")
        #expect(status(try Self.request(t, old: 0, size: 20), latest: at10) == "409/10", "a log that does not know asks with 0")
        #expect(status(try Self.request(t, old: 10, size: 20), latest: nil) == "409/0")
        #expect(status(try Self.request(t, old: 10, size: 20), latest: at10) == "0/-")
        // A proof that does not lead from the last cosigned root: 422, evidence of a fork.
        let bad = refusal { try Self.rules.cosign(Self.request(fork, old: 10, size: 20), latest: at10, timestamp: 1) }
        #expect(bad?.status == 422 && bad?.isEvidenceOfAFork == true)
        let wrongProof = try AddCheckpoint(oldSize: 10, proof: [Array(repeating: 0, count: 32)], note: Self.note(t, size: 20))
        #expect(refusal { try Self.rules.cosign(wrongProof, latest: at10, timestamp: 1) }?.status == 422)
        #expect(refusal { try Self.rules.cosign(AddCheckpoint(oldSize: 0, proof: [Array(repeating: 0, count: 32)], note: Self.note(t, size: 20)), latest: nil, timestamp: 1) }?.status == 422,
                "the proof from 0 must be empty")
        // The same size with another root: 409, and a fork.
        let split = refusal { try Self.rules.cosign(Self.request(fork, old: 10, size: 10), latest: at10, timestamp: 1) }
        #expect(split?.status == 409 && split?.isEvidenceOfAFork == true && split?.latestSize == 10)
        #expect(refusal { try Self.rules.cosign(Self.request(t, old: 5, size: 20), latest: at10, timestamp: 1) }?.isEvidenceOfAFork == false)
    }

    @Test func requestBodiesReadExactlyAsTheProtocolWritesThem() throws {
        let t = Self.tree(40)
        let r = try Self.request(t, old: 10, size: 40)
        let read = try AddCheckpoint(body: Array(r.body.utf8))
        #expect(read == r && read.body == r.body && r.body.hasPrefix("old 10\n") && r.proof.count > 0)
        let note = try Self.note(t, size: 40).formatted
        let good = "old 0\n\n" + note
        #expect(try AddCheckpoint(body: Array(good.utf8)).oldSize == 0)
        let proofLine = Data(repeating: 1, count: 32).base64EncodedString()
        for body in ["", "old 0\n", "old 0\n\n", "old 00\n\n" + note, "old 01\n\n" + note, "old -1\n\n" + note, "old  1\n\n" + note, "Old 1\n\n" + note,
                     "old 1", "old 1\nnot-base64\n\n" + note, "old 1\n" + Data(repeating: 1, count: 31).base64EncodedString() + "\n\n" + note,
                     "old 1\n" + String(repeating: proofLine + "\n", count: 64) + "\n" + note, "old 1\n\n" + String(note.dropLast()),
                     "old 99999999999999999999\n\n" + note, "old 0\n\nnot a checkpoint\n\n\u{2014} x AAAA\n"] {
            #expect(throws: WitnessRefusal.self, "\(body.prefix(40))") { try AddCheckpoint(body: Array(body.utf8)) }
        }
        #expect(try AddCheckpoint(body: Array(("old 1\n" + String(repeating: proofLine + "\n", count: 63) + "\n" + note).utf8)).proof.count == 63)
        #expect(throws: WitnessRefusal.self) { try AddCheckpoint(body: [0xff, 0xfe]) }
        #expect(throws: WitnessRefusal.self) { try AddCheckpoint(body: Array(repeating: 0x41, count: AddCheckpoint.maximumBodyLength + 1)) }
    }

    @Test func aWitnessFollowsOnlyLogKeys() {
        #expect(throws: WitnessError.self) { try WitnessRules(signer: Self.log, logs: [:]) }
        #expect(throws: WitnessError.self) { try WitnessRules(signer: Self.witness, logs: ["o": [Self.witness.verifierKey]]) }
    }

    /// The log's reading of each answer: a cosignature only when it verifies with the
    /// witness's key on the checkpoint sent; a 409 resends from the size named, unless that
    /// size shows the witness holds another history; a 422 is a split view.
    @Test func theLogReadsEveryAnswerOfTheWitness() throws {
        let t = Self.tree(40), key = Self.witness.verifierKey
        let request = try Self.request(t, old: 10, size: 20)
        let lines = try Self.rules.cosign(try Self.request(t, old: 0, size: 20), latest: nil, timestamp: 1_800_000_000)
        guard case .cosigned(let sigs) = WitnessReply(status: 200, body: Array(lines.utf8), to: request, witness: key) else {
            Issue.record("a good cosignature was not taken")
            return
        }
        #expect(sigs.count == 1 && sigs[0].name == key.name)
        // A cosignature of another checkpoint, by another key, garbage, or nothing: not taken.
        let other = try Self.rules.cosign(try Self.request(t, old: 0, size: 21), latest: nil, timestamp: 1_800_000_000)
        let stranger = try NoteSigner(name: "insurer.example/witness", type: .cosignatureV1, seed: Array(repeating: 9, count: 32)).verifierKey
        for (body, k) in [(other, key), (lines, stranger), ("hello\n", key), ("", key)] {
            guard case .refused(200, _) = WitnessReply(status: 200, body: Array(body.utf8), to: request, witness: k) else {
                Issue.record("\(body.prefix(30)) was taken as a cosignature")
                continue
            }
        }
        #expect(WitnessReply(status: 409, body: Array("15\n".utf8), to: request, witness: key) == .resend(from: 15))
        #expect(WitnessReply(status: 409, body: Array("0\n".utf8), to: request, witness: key) == .resend(from: 0))
        for body in ["10\n", "21\n", "015\n", "15", "-1\n", ""] {
            switch WitnessReply(status: 409, body: Array(body.utf8), to: request, witness: key) {
            case .splitView: #expect(["10\n", "21\n"].contains(body), "\(body)")
            case .refused(409, _): #expect(!["10\n", "21\n"].contains(body), "\(body)")
            default: Issue.record("409 \(body) read as neither")
            }
        }
        guard case .splitView = WitnessReply(status: 422, body: Array("bad proof\n".utf8), to: request, witness: key) else {
            Issue.record("a 422 is a split view")
            return
        }
        for status in [400, 403, 404, 413, 500, 503] {
            guard case .refused(status, _) = WitnessReply(status: status, body: Array("no\n".utf8), to: request, witness: key) else {
                Issue.record("\(status) is a refusal to try again later")
                continue
            }
        }
    }
}
