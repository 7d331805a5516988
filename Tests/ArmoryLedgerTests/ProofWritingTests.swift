@testable import ArmoryLedger
import Foundation
import Testing

/// The quicker ways a bundle's proofs are written give exactly what the plain ones do:
/// base64 as Foundation writes it, and the proofs of many leaves made together equal to
/// each made alone, for every size of tree up to 300 and every leaf.
struct ProofWritingTests {
    @Test func base64IsFoundationsForEveryLengthAndByte() {
        var bytes: [UInt8] = []
        for n in 0..<200 {
            #expect(Base64.encode(bytes) == Data(bytes).base64EncodedString(), "length \(n)")
            bytes.append(UInt8(truncatingIfNeeded: n &* 151 &+ 7))
        }
        let every = (0...255).map { UInt8($0) }
        #expect(Base64.encode(every) == Data(every).base64EncodedString())
    }

    @Test func proofsMadeTogetherAreTheProofsMadeAlone() throws {
        var tree = MerkleTree()
        for size in 1...300 {
            tree.append(leafHash: MerkleHash.leaf(Array("entry \(size - 1)".utf8)))
            for s in Set([size, max(1, size / 2), max(1, size - 7)]) {
                let all = Array(0..<s)
                let together = try tree.inclusionProofs(all, size: s)
                for k in all { #expect(together[k] == (try tree.inclusionProof(index: k, size: s)), "leaf \(k) of \(s)") }
            }
        }
        #expect(throws: MerkleError.self) { try tree.inclusionProofs([0, 300], size: 300) }
    }

    @Test func aProofWrittenWithItsCheckpointAlreadyFormattedIsTheSameText() throws {
        let signer = try NoteSigner(name: "armory.example/test", seed: Array(repeating: 5, count: 32))
        var tree = MerkleTree()
        for k in 0..<37 { tree.append(leafHash: MerkleHash.leaf([UInt8(k)])) }
        let note = try Checkpoint(origin: "armory/test", size: 37, rootHash: tree.rootHash()).signed(by: signer)
        for k in [0, 5, 36] {
            let p = TlogProof(index: k, proof: try tree.inclusionProof(index: k, size: 37), extra: k == 5 ? [1, 2, 3, 4] : nil, checkpoint: note)
            #expect(p.formatted(checkpoint: note.formatted) == p.formatted)
            #expect(try TlogProof(parsing: p.formatted) == p)
        }
    }
}
