import ArmoryLedger

/// A reference Merkle tree for the proof target: the RFC 9162 hash of every range of the
/// leaves "leaf 0" ... "leaf 47", computed straight from the definition (not through
/// `MerkleTree`), so proofs can be assembled from real subtree hashes.
public enum ReferenceTree {
    public static let maximumSize = 48

    public static func leafData(_ k: Int) -> [UInt8] { Array("leaf \(k)".utf8) }

    public static let leafHashes: [Hash] = (0..<maximumSize).map { MerkleHash.leaf(leafData($0)) }

    /// MTH(leaves[start..<end]) for every 0 <= start < end <= maximumSize, keyed by start * 64 + end.
    public static let ranges: [Int: Hash] = {
        var out: [Int: Hash] = [:]
        func mth(_ start: Int, _ end: Int) -> Hash {
            if let h = out[start * 64 + end] { return h }
            let n = end - start
            let h: Hash
            if n == 1 {
                h = leafHashes[start]
            } else {
                var k = 1
                while k << 1 < n { k <<= 1 }
                h = MerkleHash.node(mth(start, start + k), mth(start + k, end))
            }
            out[start * 64 + end] = h
            return h
        }
        for start in 0..<maximumSize { for end in (start + 1)...maximumSize { _ = mth(start, end) } }
        return out
    }()

    /// The root of the tree of the first `size` leaves (the empty tree's hash for 0).
    public static func root(_ size: Int) -> Hash { size == 0 ? MerkleHash.empty : ranges[size]! }

    /// Every range hash, in a fixed order, for proofs to be made of.
    public static let pool: [Hash] = ranges.keys.sorted().map { ranges[$0]! } + [MerkleHash.empty, Hash(repeating: 0, count: 32)]

    /// The tree of the first `size` leaves, built with the ledger's own `MerkleTree`.
    public static func tree(_ size: Int) -> MerkleTree<InMemoryNodeStore> {
        var tree = MerkleTree()
        for h in leafHashes.prefix(size) { tree.append(leafHash: h) }
        return tree
    }
}
