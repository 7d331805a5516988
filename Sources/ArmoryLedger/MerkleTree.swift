import Crypto

/// A SHA-256 hash: 32 bytes.
public typealias Hash = [UInt8]

/// RFC 9162 section 2.1 hashing, with domain separation between leaves and nodes.
public enum MerkleHash {
    /// SHA-256(0x00 || leaf).
    public static func leaf(_ data: [UInt8]) -> Hash {
        var h = SHA256()
        h.update(data: [0x00])
        h.update(data: data)
        return Array(h.finalize())
    }

    /// SHA-256(0x01 || left || right).
    public static func node(_ left: Hash, _ right: Hash) -> Hash {
        var h = SHA256()
        h.update(data: [0x01])
        h.update(data: left)
        h.update(data: right)
        return Array(h.finalize())
    }

    /// The hash of the empty tree: SHA-256 of nothing.
    public static let empty: Hash = Array(SHA256.hash(data: [UInt8]()))
}

/// Where a tree keeps the hashes of its complete (perfect, aligned) subtrees: the node at
/// `level` and `index` covers leaves `index << level ..< (index + 1) << level`. Every
/// root and proof is computed from these, never from the leaves again. Storage back
/// ends (memory, SQLite, PostgreSQL) implement this.
public protocol MerkleNodeStore {
    /// How many leaves the tree holds.
    var leafCount: Int { get }
    /// The stored hash, or nil when that subtree is not complete.
    func node(level: Int, index: Int) -> Hash?
    /// Records the hash of a newly completed subtree.
    mutating func setNode(level: Int, index: Int, hash: Hash)
    /// Records that the tree now holds `count` leaves.
    mutating func setLeafCount(_ count: Int)
}

/// Complete-subtree hashes in memory, one array per level. A server keeps only the
/// recent part (`forget(before:)`): the nodes over older leaves are in its store, and the
/// tree's right edge (the last node of each level) is always kept, so appending and the
/// current root never need what was let go.
public struct InMemoryNodeStore: MerkleNodeStore, Sendable {
    var levels: [[Hash]] = []
    /// Per level, how many of its first nodes were let go.
    var dropped: [Int] = []
    public private(set) var leafCount = 0

    public init() {}

    public func node(level: Int, index: Int) -> Hash? {
        guard level < levels.count else { return nil }
        let at = index - dropped[level]
        guard at >= 0, at < levels[level].count else { return nil }
        return levels[level][at]
    }

    public mutating func setNode(level: Int, index: Int, hash: Hash) {
        while levels.count <= level {
            levels.append([])
            dropped.append(0)
        }
        precondition(index == dropped[level] + levels[level].count, "subtrees complete in order")
        levels[level].append(hash)
    }

    public mutating func setLeafCount(_ count: Int) { leafCount = count }

    /// Lets go of every node that covers only leaves before `leaf`, except each level's
    /// last node (the right edge, which appends and the current root read).
    public mutating func forget(before leaf: Int) {
        for level in levels.indices {
            let total = dropped[level] + levels[level].count
            // A node at `level` covers only leaves before `leaf` when its index is below leaf >> level.
            let keepFrom = min(leaf >> level, total - 1)
            let n = keepFrom - dropped[level]
            guard n > 0 else { continue }
            levels[level].removeFirst(n)
            dropped[level] = keepFrom
        }
    }

    /// Whether every node ever stored is still held.
    public var isWhole: Bool { dropped.allSatisfy { $0 == 0 } }
}

/// Why a proof cannot be made: the sizes asked for do not fit the tree.
public struct MerkleError: Error, Equatable, Sendable, CustomStringConvertible {
    public let message: String
    /// The proof needs a node this tree let go of (`InMemoryNodeStore.forget`): the
    /// store that keeps every node can make it (`MerkleTree.nodesNeeded`).
    public var forgotten = false
    public init(message: String, forgotten: Bool = false) {
        self.message = message
        self.forgotten = forgotten
    }
    public var description: String { message }
}

/// An append-only RFC 9162 Merkle tree over a node store. Appending hashes O(log n) nodes;
/// roots, inclusion proofs and consistency proofs for any earlier size read O(log n)
/// stored nodes and hash only along the tree's right edge.
public struct MerkleTree<Store: MerkleNodeStore> {
    public private(set) var store: Store

    public init(store: Store) { self.store = store }

    public var size: Int { store.leafCount }

    /// Appends a leaf by its hash (`MerkleHash.leaf`), completing the subtrees it closes.
    public mutating func append(leafHash: Hash) {
        var index = store.leafCount
        var hash = leafHash
        var level = 0
        store.setNode(level: 0, index: index, hash: hash)
        while index % 2 == 1 {
            let left = store.node(level: level, index: index - 1)!
            hash = MerkleHash.node(left, hash)
            level += 1
            index /= 2
            store.setNode(level: level, index: index, hash: hash)
        }
        store.setLeafCount(store.leafCount + 1)
    }

    /// MTH of leaves `start ..< end` (RFC 9162 2.1.1).
    func hash(_ start: Int, _ end: Int) throws(MerkleError) -> Hash {
        let n = end - start
        if n == 0 { return MerkleHash.empty }
        // A perfect, aligned subtree is complete, so stored; unless this tree let it go.
        if n & (n - 1) == 0, start % n == 0 {
            if let stored = store.node(level: n.trailingZeroBitCount, index: start / n) { return stored }
            if end <= store.leafCount {
                throw MerkleError(message: "the nodes over entries \(start)..<\(end) are not held in memory", forgotten: true)
            }
        }
        let k = largestPowerOfTwo(below: n)
        return MerkleHash.node(try hash(start, start + k), try hash(start + k, end))
    }

    /// The root hash of the tree when it held `size` leaves.
    public func rootHash(size: Int? = nil) throws(MerkleError) -> Hash {
        let n = size ?? self.size
        guard n >= 0, n <= self.size else { throw MerkleError(message: "no tree of size \(n): the log holds \(self.size) entries") }
        return try hash(0, n)
    }

    /// The RFC 9162 2.1.3.1 inclusion proof of leaf `index` in the tree of `size` leaves.
    public func inclusionProof(index: Int, size: Int) throws(MerkleError) -> [Hash] {
        guard size <= self.size, index >= 0, index < size else {
            throw MerkleError(message: "no leaf \(index) in a tree of size \(size) (the log holds \(self.size))")
        }
        var proof: [Hash] = []
        try path(index, 0, size, &proof)
        return proof
    }

    func path(_ m: Int, _ start: Int, _ end: Int, _ proof: inout [Hash]) throws(MerkleError) {
        var none: [Range<Int>: Hash]?
        try path(m, start, end, &proof, &none)
    }

    /// The inclusion proofs of several leaves in the tree of `size` leaves, in order: the
    /// hashes of the subtrees no node holds (those on the tree's right edge) worked out once
    /// for all of them, not once a proof.
    public func inclusionProofs(_ indices: [Int], size: Int) throws(MerkleError) -> [[Hash]] {
        var memo: [Range<Int>: Hash]? = [:]
        var out: [[Hash]] = []
        out.reserveCapacity(indices.count)
        for index in indices {
            guard size <= self.size, index >= 0, index < size else {
                throw MerkleError(message: "no leaf \(index) in a tree of size \(size) (the log holds \(self.size))")
            }
            var proof: [Hash] = []
            try path(index, 0, size, &proof, &memo)
            out.append(proof)
        }
        return out
    }

    func path(_ m: Int, _ start: Int, _ end: Int, _ proof: inout [Hash], _ memo: inout [Range<Int>: Hash]?) throws(MerkleError) {
        let n = end - start
        if n <= 1 { return }
        let k = largestPowerOfTwo(below: n)
        if m < k {
            try path(m, start, start + k, &proof, &memo)
            proof.append(try hash(start + k, end, &memo))
        } else {
            try path(m - k, start + k, end, &proof, &memo)
            proof.append(try hash(start, start + k, &memo))
        }
    }

    /// `hash(start, end)`, remembering in `memo` (when given) a subtree no node holds.
    func hash(_ start: Int, _ end: Int, _ memo: inout [Range<Int>: Hash]?) throws(MerkleError) -> Hash {
        let n = end - start
        guard memo != nil, n & (n - 1) != 0 else { return try hash(start, end) }
        if let known = memo?[start..<end] { return known }
        let h = try hash(start, end)
        memo?[start..<end] = h
        return h
    }

    /// The RFC 9162 2.1.4.1 consistency proof between the trees of `first` and `second` leaves.
    public func consistencyProof(from first: Int, to second: Int) throws(MerkleError) -> [Hash] {
        guard first >= 0, first <= second, second <= size else {
            throw MerkleError(message: "no consistency proof from size \(first) to \(second) (the log holds \(size))")
        }
        if first == 0 || first == second { return [] }
        var proof: [Hash] = []
        try subproof(first, 0, second, true, &proof)
        return proof
    }

    func subproof(_ m: Int, _ start: Int, _ end: Int, _ whole: Bool, _ proof: inout [Hash]) throws(MerkleError) {
        let n = end - start
        if m == n {
            if !whole { proof.append(try hash(start, end)) }
            return
        }
        let k = largestPowerOfTwo(below: n)
        if m <= k {
            try subproof(m, start, start + k, whole, &proof)
            proof.append(try hash(start + k, end))
        } else {
            try subproof(m - k, start + k, end, false, &proof)
            proof.append(try hash(start, start + k))
        }
    }
}

/// A place in a tree: the node at `level` covering leaves `index << level ..< (index + 1) << level`.
public struct NodeKey: Hashable, Sendable {
    public let level: Int
    public let index: Int
    public init(level: Int, index: Int) {
        self.level = level
        self.index = index
    }

    /// The leaf whose append completed this node: the row a store keeps it in.
    public var completedBy: Int { ((index + 1) << level) - 1 }
}

/// A proof asked of a tree: what it reads is the same whichever store holds the nodes.
public enum MerkleQuery: Sendable, Equatable {
    case root(size: Int)
    case inclusion(index: Int, size: Int)
    case consistency(from: Int, to: Int)

    /// The size of the tree the query is asked of.
    public var size: Int {
        switch self {
        case let .root(size), let .inclusion(_, size), let .consistency(_, size): return size
        }
    }
}

/// Some nodes of a tree of `leafCount` leaves, as read back from a store for one proof.
public struct SparseNodeStore: MerkleNodeStore, Sendable {
    public private(set) var leafCount: Int
    var nodes: [NodeKey: Hash]
    public init(leafCount: Int, nodes: [NodeKey: Hash]) {
        self.leafCount = leafCount
        self.nodes = nodes
    }
    public func node(level: Int, index: Int) -> Hash? { nodes[NodeKey(level: level, index: index)] }
    public mutating func setNode(level: Int, index: Int, hash: Hash) { nodes[NodeKey(level: level, index: index)] = hash }
    public mutating func setLeafCount(_ count: Int) { leafCount = count }
}

extension MerkleTree {
    /// Answers a query against this tree.
    public func answer(_ query: MerkleQuery) throws(MerkleError) -> [Hash] {
        switch query {
        case let .root(size): return [try rootHash(size: size)]
        case let .inclusion(index, size): return try inclusionProof(index: index, size: size)
        case let .consistency(from, to): return try consistencyProof(from: from, to: to)
        }
    }
}

extension MerkleQuery {
    /// The complete nodes answering this query reads in a tree of `size` leaves: fetched
    /// from a store into a `SparseNodeStore`, they answer it exactly as the whole tree would.
    public func nodesNeeded(size: Int) throws(MerkleError) -> [NodeKey] {
        let spy = NodeSpy(leafCount: size)
        _ = try MerkleTree(store: spy).answer(self)
        return spy.recorder.keys
    }
}

/// What a proof reads, noted by `NodeSpy`.
private final class NodeRecorder: @unchecked Sendable {
    var keys: [NodeKey] = []
}

/// A store that holds every complete node (with no hash) and notes which ones are read.
private struct NodeSpy: MerkleNodeStore {
    let leafCount: Int
    let recorder = NodeRecorder()
    func node(level: Int, index: Int) -> Hash? {
        guard ((index + 1) << level) <= leafCount else { return nil }
        recorder.keys.append(NodeKey(level: level, index: index))
        return []
    }
    mutating func setNode(level: Int, index: Int, hash: Hash) {}
    mutating func setLeafCount(_ count: Int) {}
}

extension MerkleTree where Store == InMemoryNodeStore {
    /// An empty tree in memory.
    public init() { self.init(store: InMemoryNodeStore()) }

    /// Lets go of the nodes over only leaves before `leaf` (`InMemoryNodeStore.forget`).
    public mutating func forget(before leaf: Int) { store.forget(before: leaf) }
}

/// The largest power of two strictly less than `n` (n >= 2).
func largestPowerOfTwo(below n: Int) -> Int {
    1 << (Int.bitWidth - (n - 1).leadingZeroBitCount - 1)
}

/// Checks RFC 9162 proofs with nothing but hashes: what a verifier holding a bundle does.
public enum MerkleProof {
    /// RFC 9162 2.1.3.2: whether `proof` shows the leaf with `leafHash` at `index` in the tree of `size` with `root`.
    public static func verifyInclusion(index: Int, size: Int, leafHash: Hash, proof: [Hash], root: Hash) -> Bool {
        guard index >= 0, index < size else { return false }
        var fn = index, sn = size - 1
        var r = leafHash
        for p in proof {
            if sn == 0 { return false }
            if fn & 1 == 1 || fn == sn {
                r = MerkleHash.node(p, r)
                if fn & 1 == 0 {
                    while fn & 1 == 0 && fn != 0 {
                        fn >>= 1
                        sn >>= 1
                    }
                }
            } else {
                r = MerkleHash.node(r, p)
            }
            fn >>= 1
            sn >>= 1
        }
        return sn == 0 && r == root
    }

    /// RFC 9162 2.1.4.2: whether `proof` shows the tree of `first` leaves with `firstRoot`
    /// is a prefix of the tree of `second` leaves with `secondRoot`.
    public static func verifyConsistency(first: Int, second: Int, firstRoot: Hash, secondRoot: Hash, proof: [Hash]) -> Bool {
        guard first >= 0, first <= second else { return false }
        // A proof from the empty tree proves nothing; transparency-dev's vectors reject it.
        if first == 0 { return false }
        if first == second { return proof.isEmpty && firstRoot == secondRoot }
        guard !proof.isEmpty else { return false }
        var path = proof
        if first & (first - 1) == 0 { path.insert(firstRoot, at: 0) }
        var fn = first - 1, sn = second - 1
        while fn & 1 == 1 {
            fn >>= 1
            sn >>= 1
        }
        var fr = path[0], sr = path[0]
        for c in path.dropFirst() {
            if sn == 0 { return false }
            if fn & 1 == 1 || fn == sn {
                fr = MerkleHash.node(c, fr)
                sr = MerkleHash.node(c, sr)
                if fn & 1 == 0 {
                    while fn & 1 == 0 && fn != 0 {
                        fn >>= 1
                        sn >>= 1
                    }
                }
            } else {
                sr = MerkleHash.node(sr, c)
            }
            fn >>= 1
            sn >>= 1
        }
        return sn == 0 && fr == firstRoot && sr == secondRoot
    }
}

extension MerkleTree: Sendable where Store: Sendable {}

extension MerkleTree {
    /// The root hash the tree would have with `leaves` appended, computed from its right
    /// edge (the complete subtrees covering it), which every tree here keeps; the tree is
    /// not changed. For checking entries received from elsewhere before they are appended.
    public func rootHash(extendedBy leaves: [Hash]) throws(MerkleError) -> Hash {
        var edge: [NodeKey: Hash] = [:]
        var start = 0
        for level in stride(from: Int.bitWidth - 2, through: 0, by: -1) where size & (1 << level) != 0 {
            guard let node = store.node(level: level, index: start >> level) else {
                throw MerkleError(message: "the tree's right edge is not held at level \(level)")
            }
            edge[NodeKey(level: level, index: start >> level)] = node
            start += 1 << level
        }
        var extended = MerkleTree<SparseNodeStore>(store: SparseNodeStore(leafCount: size, nodes: edge))
        for leaf in leaves { extended.append(leafHash: leaf) }
        return try extended.rootHash()
    }
}

extension MerkleTree {
    /// The range proof (docs/FORMAT.md) of leaves `range` in the tree of `size` leaves: the
    /// hashes of the subtrees holding none of them, in the order RFC 9162's split meets them.
    public func rangeProof(_ range: ClosedRange<Int>, size: Int) throws(MerkleError) -> [Hash] {
        guard size <= self.size, range.lowerBound >= 0, range.upperBound < size else {
            throw MerkleError(message: "no leaves \(range.lowerBound)...\(range.upperBound) in a tree of size \(size) (the log holds \(self.size))")
        }
        var proof: [Hash] = []
        func visit(_ lo: Int, _ hi: Int) throws(MerkleError) {
            if hi <= range.lowerBound || lo > range.upperBound { return proof.append(try hash(lo, hi)) }
            if hi - lo == 1 { return }
            let k = largestPowerOfTwo(below: hi - lo)
            try visit(lo, lo + k)
            try visit(lo + k, hi)
        }
        try visit(0, size)
        return proof
    }
}

extension MerkleProof {
    /// The root a range proof gives for the leaves `range` (their hashes in `leaves`, in
    /// order) in the tree of `size` leaves, or nil when the proof has too few or too many
    /// hashes for that range and size.
    public static func rootOfRange(_ range: ClosedRange<Int>, size: Int, leaves: [Hash], proof: [Hash]) -> Hash? {
        guard range.lowerBound >= 0, range.upperBound < size, leaves.count == range.count else { return nil }
        var next = proof.makeIterator(), used = 0
        func visit(_ lo: Int, _ hi: Int) -> Hash? {
            if hi <= range.lowerBound || lo > range.upperBound {
                used += 1
                return next.next()
            }
            if hi - lo == 1 { return leaves[lo - range.lowerBound] }
            let k = largestPowerOfTwo(below: hi - lo)
            guard let left = visit(lo, lo + k), let right = visit(lo + k, hi) else { return nil }
            return MerkleHash.node(left, right)
        }
        guard let root = visit(0, size), used == proof.count else { return nil }
        return root
    }
}

extension InMemoryNodeStore {
    /// Starts an empty store as a tree of `leafCount` leaves of which only the right edge
    /// (`StateSnapshot.edgeKeys`) is held. False when one of those nodes is missing.
    mutating func startAt(leafCount: Int, edge: [NodeKey: Hash]) -> Bool {
        levels = []
        dropped = []
        for key in StateSnapshot.edgeKeys(first: leafCount) {
            guard let hash = edge[key], hash.count == 32 else { return false }
            levels.append([hash])
            dropped.append(key.index)
        }
        self.leafCount = leafCount
        return true
    }
}
