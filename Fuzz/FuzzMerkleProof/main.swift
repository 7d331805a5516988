// RFC 9162 proof checking (MerkleProof: inclusion proofs of tlog-proofs, consistency.txt of
// a bundle, a witness's consistency check), against a reference tree of "leaf 0" ... built
// from the definition. Input: mode, tree size, index or first size, leaf or first root
// choice, then proof hashes (2 bytes each, choosing among every subtree hash of the tree).
// - soundness: an inclusion proof verifies only for the leaf really at that index, and a
//   consistency proof only for the real root of the first size;
// - completeness: the proofs MerkleTree makes verify, and its roots are the reference roots.
import ArmoryLedger
import FuzzSupport

@main
enum FuzzMain {
    static func main() { runFuzzing(prepare: { _ = ReferenceTree.pool }, checkInput) }
}

/// The properties every input is held to.
func checkInput(_ input: [UInt8]) {
    guard input.count >= 4 else { return }
    let mode = input[0] & 1
    let n = 1 + Int(input[1]) % ReferenceTree.maximumSize
    let pool = ReferenceTree.pool
    var proof: [Hash] = []
    var k = 4
    while k + 2 <= input.count {
        proof.append(pool[(Int(input[k]) << 8 | Int(input[k + 1])) % pool.count])
        k += 2
    }
    let root = ReferenceTree.root(n)
    let tree = ReferenceTree.tree(n)
    require((try? tree.rootHash()) == root, "MerkleTree's root of \(n) leaves is not the reference root")
    if mode == 0 {
        let index = Int(input[2]) - 8
        let leaf = Int(input[3]) % ReferenceTree.maximumSize
        if MerkleProof.verifyInclusion(index: index, size: n, leafHash: ReferenceTree.leafHashes[leaf], proof: proof, root: root) {
            require(index == leaf, "an inclusion proof of \(proof.count) hashes put leaf \(leaf) at index \(index) of \(n)")
        }
        if (0..<n).contains(index) {
            let real = try! tree.inclusionProof(index: index, size: n)
            require(MerkleProof.verifyInclusion(index: index, size: n, leafHash: ReferenceTree.leafHashes[index], proof: real, root: root),
                    "MerkleTree's inclusion proof of \(index) in \(n) does not verify")
        }
    } else {
        let first = Int(input[2]) % (n + 2) - 1
        let choice = Int(input[3])
        let firstRoot = choice < 0xC0 ? ReferenceTree.root(choice % (ReferenceTree.maximumSize + 1)) : pool[choice % pool.count]
        if MerkleProof.verifyConsistency(first: first, second: n, firstRoot: firstRoot, secondRoot: root, proof: proof) {
            require(first >= 1 && first <= n && firstRoot == ReferenceTree.root(first),
                    "a consistency proof of \(proof.count) hashes passed a root that is not the tree of \(first) as a prefix of \(n)")
        }
        if first >= 1 && first <= n {
            let real = try! tree.consistencyProof(from: first, to: n)
            require(MerkleProof.verifyConsistency(first: first, second: n, firstRoot: ReferenceTree.root(first), secondRoot: root, proof: real),
                    "MerkleTree's consistency proof from \(first) to \(n) does not verify")
        }
    }
}

