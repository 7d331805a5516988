import ArmoryLedger
import Foundation
import Testing

/// C2SP signed-note, tlog-checkpoint, tlog-cosignature and tlog-proof, checked against
/// the published examples: the signed-note spec's example key and note, and
/// golang/mod sumdb/note/note_test.go (keys, signer and signed notes transcribed).
struct SignedNoteTests {
    // golang/mod sumdb/note/note_test.go
    static let peterSigner = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
    static let peterKey = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
    static let enochKey = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop"
    static let text = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
    static let peterSig = "\u{2014} PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
    static let enochSig = "\u{2014} EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n"

    @Test func signingMatchesGolangModByteForByte() throws {
        let signer = try NoteSigner(signerKey: Self.peterSigner)
        #expect(signer.verifierKey.description == Self.peterKey)
        #expect(signer.signerKeyText == Self.peterSigner)
        var note = try SignedNote(text: Self.text)
        note.sign(with: signer)
        #expect(note.formatted == Self.text + "\n" + Self.peterSig)
    }

    @Test func verifyingGolangModNotes() throws {
        let peter = try NoteVerifierKey(Self.peterKey)
        let enoch = try NoteVerifierKey(Self.enochKey)
        #expect(peter.keyID == 0xc74f20a3 && enoch.keyID == 0xaf0cfe78)
        let both = try SignedNote(parsing: Self.text + "\n" + Self.peterSig + Self.enochSig)
        // One known key: the other signature is ignored.
        #expect(try both.verify(with: [peter]).map(\.key) == [peter])
        #expect(try both.verify(with: [peter, enoch]).map(\.key) == [peter, enoch])
        // Evidence is stricter: every signature must be checkable.
        #expect(throws: NoteError.self) { try both.verify(with: [peter], rejectUnknown: true) }
        // No known key at all: rejected.
        #expect(throws: NoteError.self) { try both.verify(with: []) }
        // A known key's bad signature rejects the note.
        let forged = Self.peterSig.replacingOccurrences(of: "x08go", with: "x08gp")
        #expect(throws: NoteError.self) { try SignedNote(parsing: Self.text + "\n" + forged).verify(with: [peter]) }
        // The text changed under the signature.
        #expect(throws: NoteError.self) {
            try SignedNote(parsing: Self.text.replacingOccurrences(of: "answer", with: "Answer") + "\n" + Self.peterSig).verify(with: [peter])
        }
    }

    @Test func badKeysFromGolangModAreRejected() {
        for bad in ["PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==",
                    "PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
                    "PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
                    "Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
                    "PeterNeumann+c74f20a3", ""] {
            #expect(throws: NoteError.self, "\(bad)") { try NoteVerifierKey(bad) }
        }
    }

    /// signed-note.md's own example.
    @Test func signedNoteSpecExampleVerifies() throws {
        let key = try NoteVerifierKey("example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k")
        let note = try SignedNote(parsing: "This is an example message.\n\n\u{2014} example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n")
        #expect(try note.verify(with: [key]).count == 1)
    }

    @Test func malformedNotesAreRejected() {
        for bad in ["no newline", "text\n", "text\n\n", "text\n\n\u{2014} name\n", "text\n\nnot a signature\n",
                    "text\n\n\u{2014} a+b AAAAAAAA\n", "te\u{1}xt\n\n" + Self.peterSig] {
            #expect(throws: NoteError.self, "\(bad.debugDescription)") { try SignedNote(parsing: bad) }
        }
    }

    @Test func aCheckpointRoundTripsAndIsSignedAndCosigned() throws {
        let log = try NoteSigner(name: "armory.example/dry-creek", seed: Array(repeating: 7, count: 32))
        let witness = try NoteSigner(name: "insurer.example/witness", type: .cosignatureV1, seed: Array(repeating: 9, count: 32))
        let cp = try Checkpoint(origin: "armory/dry-creek", size: 28, rootHash: Array(repeating: 0xAB, count: 32))
        #expect(cp.text == "armory/dry-creek\n28\nq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s=\n")
        #expect(try Checkpoint(text: cp.text) == cp)
        var note = cp.signed(by: log)
        note.cosign(with: witness, timestamp: 1_772_460_000)
        let again = try SignedNote(parsing: note.formatted)
        let verified = try again.verify(with: [log.verifierKey, witness.verifierKey], rejectUnknown: true)
        #expect(verified.map(\.key) == [log.verifierKey, witness.verifierKey])
        #expect(verified[1].timestamp == 1_772_460_000)
        // The witness key ID uses type 0x04 (tlog-cosignature), not 0x01.
        let material = witness.verifierKey.description.split(separator: "+", maxSplits: 2)[2]
        #expect(Data(base64Encoded: String(material))?.first == 0x04)
    }

    @Test func malformedCheckpointsAreRejected() {
        for bad in ["origin\n28\n", "origin\n028\nq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s=\n", "origin\n-1\nq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s=\n",
                    "origin\n28\nq6ur\n", "\n28\nq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s=\n", "origin\n28\nq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s="] {
            #expect(throws: NoteError.self, "\(bad.debugDescription)") { try Checkpoint(text: bad) }
        }
    }

    @Test func aTlogProofRoundTripsAndVerifies() throws {
        let log = try NoteSigner(name: "armory.example/dry-creek", seed: Array(repeating: 7, count: 32))
        var tree = MerkleTree()
        let leaves = (0..<11).map { Array("entry \($0)".utf8) }
        for l in leaves { tree.append(leafHash: MerkleHash.leaf(l)) }
        let note = try Checkpoint(origin: "armory/dry-creek", size: 11, rootHash: try tree.rootHash()).signed(by: log)
        let proof = TlogProof(index: 6, proof: try tree.inclusionProof(index: 6, size: 11), checkpoint: note)
        let parsed = try TlogProof(parsing: proof.formatted)
        #expect(parsed == proof)
        #expect(proof.formatted.hasPrefix("c2sp.org/tlog-proof@v1\nindex 6\n"))
        #expect(try parsed.verify(leafHash: MerkleHash.leaf(leaves[6]), keys: [log.verifierKey]).size == 11)
        #expect(throws: NoteError.self) { try parsed.verify(leafHash: MerkleHash.leaf(leaves[5]), keys: [log.verifierKey]) }
    }
}

extension String {
    func replacingOccurrences(of a: String, with b: String) -> String {
        var out = ""
        var rest = Substring(self)
        while let r = rest.range(of: a) {
            out += rest[..<r.lowerBound] + b
            rest = rest[r.upperBound...]
        }
        return out + rest
    }
}
