// C2SP tlog-proof@v1 (a bundle's proofs/N.tlog-proof): what parses is in canonical form
// (formatted == input) and parses back equal; checked against the fixture log, a proof
// verifies only for the entry it names, never for another entry's leaf, and only against
// a checkpoint the log signed.
import ArmoryLedger
import FuzzSupport

@main
enum FuzzMain {
    static func main() { runFuzzing(prepare: { _ = Fixtures.signedTexts }, checkInput) }
}

/// The properties every input is held to.
func checkInput(_ bytes: [UInt8]) {
    guard let text = String(validating: bytes, as: UTF8.self), let proof = try? TlogProof(parsing: text) else { return }
    require(proof.formatted == text, "a tlog-proof parsed from a non-canonical text: \(show(text))")
    require((try? TlogProof(parsing: proof.formatted)) == proof, "a tlog-proof does not parse back equal: \(show(text))")

    let entries = Fixtures.log.entries.all!
    let keys = [Fixtures.logKey, Fixtures.witnessKey]
    let index = proof.index
    guard index < entries.count else {
        for e in entries.prefix(3) {
            require((try? proof.verify(leafHash: MerkleHash.leaf(e), keys: keys)) == nil, "a proof of entry \(index), beyond the log, verified")
        }
        return
    }
    if let cp = try? proof.verify(leafHash: MerkleHash.leaf(entries[index]), keys: keys) {
        require(Fixtures.signedTexts[proof.checkpoint.text] != nil, "a proof verified against a checkpoint the log never signed")
        require(index < cp.size, "entry \(index) verified in a checkpoint of \(cp.size) entries")
        // Every other entry's leaf fails, through verify for one and the bare check for all.
        let other = (index + 1) % entries.count
        if entries[other] != entries[index] {
            require((try? proof.verify(leafHash: MerkleHash.leaf(entries[other]), keys: keys)) == nil,
                    "the proof of entry \(index) also verified entry \(other)")
        }
        for (k, e) in entries.enumerated() where e != entries[index] {
            require(!MerkleProof.verifyInclusion(index: index, size: cp.size, leafHash: MerkleHash.leaf(e), proof: proof.proof, root: cp.rootHash),
                    "the proof of entry \(index) also holds for the bytes of entry \(k)")
        }
    }
}

