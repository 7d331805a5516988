import ArmoryLedger
import Foundation
import Testing

/// RFC 9162 section 2.1, checked three ways: against a naive transcription of the RFC's
/// recursive definitions, against transparency-dev/merkle's published vectors (happy
/// paths transcribed, their mutation classes regenerated here), and by proofs that
/// must fail when anything about them changes.
struct MerkleTreeTests {
    static func b64(_ s: String) -> Hash { Array(Data(base64Encoded: s)!) }

    /// Leaves 0..<n: the bytes "leaf-<i>".
    static func leaves(_ n: Int) -> [[UInt8]] { (0..<n).map { Array("leaf-\($0)".utf8) } }

    static func tree(_ n: Int) -> MerkleTree<InMemoryNodeStore> {
        var t = MerkleTree()
        for l in leaves(n) { t.append(leafHash: MerkleHash.leaf(l)) }
        return t
    }

    // MARK: The RFC's definitions, naively.
    static func mth(_ d: ArraySlice<[UInt8]>) -> Hash {
        if d.isEmpty { return MerkleHash.empty }
        if d.count == 1 { return MerkleHash.leaf(d.first!) }
        var k = 1
        while k * 2 < d.count { k *= 2 }
        return MerkleHash.node(mth(d.prefix(k)), mth(d.dropFirst(k)))
    }
    static func path(_ m: Int, _ d: ArraySlice<[UInt8]>) -> [Hash] {
        if d.count <= 1 { return [] }
        var k = 1
        while k * 2 < d.count { k *= 2 }
        if m < k { return path(m, d.prefix(k)) + [mth(d.dropFirst(k))] }
        return path(m - k, d.dropFirst(k)) + [mth(d.prefix(k))]
    }
    static func subproof(_ m: Int, _ d: ArraySlice<[UInt8]>, _ b: Bool) -> [Hash] {
        if m == d.count { return b ? [] : [mth(d)] }
        var k = 1
        while k * 2 < d.count { k *= 2 }
        if m <= k { return subproof(m, d.prefix(k), b) + [mth(d.dropFirst(k))] }
        return subproof(m - k, d.dropFirst(k), false) + [mth(d.prefix(k))]
    }

    @Test func emptyTreeHashIsSHA256OfNothing() throws {
        #expect(Data(MerkleHash.empty).base64EncodedString() == "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=")
        #expect(try MerkleTree().rootHash() == MerkleHash.empty)
    }

    @Test func rootsAndProofsMatchTheRFCDefinitionsForEverySizeUpTo64() throws {
        let all = Self.leaves(64)
        let t = Self.tree(64)
        for n in 1...64 {
            let d = all.prefix(n)
            let root = try t.rootHash(size: n)
            #expect(root == Self.mth(d), "root of size \(n)")
            for m in 0..<n {
                let proof = try t.inclusionProof(index: m, size: n)
                #expect(proof == Self.path(m, d), "PATH(\(m), \(n))")
                #expect(MerkleProof.verifyInclusion(index: m, size: n, leafHash: MerkleHash.leaf(all[m]), proof: proof, root: root))
            }
            for m in 1..<n {
                let proof = try t.consistencyProof(from: m, to: n)
                #expect(proof == Self.subproof(m, d, true), "PROOF(\(m), \(n))")
                #expect(MerkleProof.verifyConsistency(first: m, second: n, firstRoot: try t.rootHash(size: m), secondRoot: root, proof: proof))
            }
        }
    }

    @Test func everyChangeToAProofFailsIt() throws {
        let t = Self.tree(37)
        let root = try t.rootHash()
        for m in [0, 1, 17, 31, 32, 36] {
            let leaf = MerkleHash.leaf(Self.leaves(37)[m])
            let proof = try t.inclusionProof(index: m, size: 37)
            for k in proof.indices {
                for bit in [0, 7, 255] {
                    var bad = proof
                    bad[k][bit / 8] ^= UInt8(1 << (bit % 8))
                    #expect(!MerkleProof.verifyInclusion(index: m, size: 37, leafHash: leaf, proof: bad, root: root))
                }
            }
            #expect(!MerkleProof.verifyInclusion(index: m, size: 37, leafHash: leaf, proof: proof.dropLast(), root: root))
            #expect(!MerkleProof.verifyInclusion(index: m, size: 37, leafHash: leaf, proof: proof + [root], root: root))
            #expect(!MerkleProof.verifyInclusion(index: m ^ 1, size: 37, leafHash: leaf, proof: proof, root: root))
            #expect(!MerkleProof.verifyInclusion(index: m, size: 74, leafHash: leaf, proof: proof, root: root))
        }
        for first in [1, 5, 16, 20, 36] {
            let proof = try t.consistencyProof(from: first, to: 37)
            let r1 = try t.rootHash(size: first)
            for k in proof.indices {
                var bad = proof
                bad[k][3] ^= 0x10
                #expect(!MerkleProof.verifyConsistency(first: first, second: 37, firstRoot: r1, secondRoot: root, proof: bad))
            }
            #expect(!MerkleProof.verifyConsistency(first: first, second: 37, firstRoot: root, secondRoot: r1, proof: proof))
            #expect(!MerkleProof.verifyConsistency(first: first + 1, second: 37, firstRoot: r1, secondRoot: root, proof: proof))
        }
    }

    @Test func sizesBeyondTheTreeAreRefused() {
        let t = Self.tree(5)
        #expect(throws: MerkleError.self) { try t.rootHash(size: 6) }
        #expect(throws: MerkleError.self) { try t.inclusionProof(index: 5, size: 5) }
        #expect(throws: MerkleError.self) { try t.consistencyProof(from: 3, to: 6) }
        #expect(throws: MerkleError.self) { try t.consistencyProof(from: 4, to: 3) }
    }

    // MARK: transparency-dev/merkle testdata (happy paths transcribed from testdata/inclusion/N and
    // testdata/consistency/N; their leaves are the RFC 6962 test leaves, so only hashes are given).

    struct InclusionVector: Sendable {
        let index: Int, size: Int, root: String, leafHash: String, proof: [String]
    }
    static let inclusion: [InclusionVector] = [
        .init(index: 0, size: 1, root: "bjQLnP+zepicpUTmu3gKLHiQHT+zNzh2hRGjBhevoB0=", leafHash: "bjQLnP+zepicpUTmu3gKLHiQHT+zNzh2hRGjBhevoB0=", proof: []),
        .init(index: 0, size: 8, root: "XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=", leafHash: "bjQLnP+zepicpUTmu3gKLHiQHT+zNzh2hRGjBhevoB0=",
              proof: ["lqKW0iTyhcZ77pPDD4owkVfw2qNdxbh+QQt4YwoJz8c=", "Xwg/ChozygdqlSeYMlgNs+DvRYS9/x9UyKNg9Q3jAx4=", "a0eq8p7jwq+a+Im8H7klTavTEXfxYjLdaqsDXKOb9uQ="]),
        .init(index: 5, size: 8, root: "XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=", leafHash: "QnGia+DYqE8L1UyMMC58s6O10fpngKQLzOKHNHfatlg=",
              proof: ["vBoGQ7EuTS18d5GPROD095qDi2z57FtcKD4fTYhZnms=", "yoVOoSjtBQtBs1/8G4e46yveRh6eO1WW7Oa51ZdaCuA=", "037kGJdt2VdTwcc4Yrk5j6Kiz5tP8P3+izDNlSCWFLc="]),
        .init(index: 2, size: 3, root: "rra8/idLcKFPsGel5VeCZNsPqbUa9eC6FZFY8yngbnc=", leafHash: "ApjRIpBtz8EIkstTpzmS/FufST6kybrbJ7eRtBJ6f+c=",
              proof: ["+sVCA+fMaWzw38tCySodnbr3CtnmIfS9jZhmLwDjwSU="]),
    ]

    struct ConsistencyVector: Sendable {
        let size1: Int, size2: Int, root1: String, root2: String, proof: [String]
    }
    static let consistency: [ConsistencyVector] = [
        .init(size1: 1, size2: 1, root1: "bjQLnP+zepicpUTmu3gKLHiQHT+zNzh2hRGjBhevoB0=", root2: "bjQLnP+zepicpUTmu3gKLHiQHT+zNzh2hRGjBhevoB0=", proof: []),
        .init(size1: 1, size2: 8, root1: "bjQLnP+zepicpUTmu3gKLHiQHT+zNzh2hRGjBhevoB0=", root2: "XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=",
              proof: ["lqKW0iTyhcZ77pPDD4owkVfw2qNdxbh+QQt4YwoJz8c=", "Xwg/ChozygdqlSeYMlgNs+DvRYS9/x9UyKNg9Q3jAx4=", "a0eq8p7jwq+a+Im8H7klTavTEXfxYjLdaqsDXKOb9uQ="]),
        .init(size1: 6, size2: 8, root1: "duZ9rbzfHhDht03cYIq9L5jfsW+851J3tSMqEn8gh+8=", root2: "XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=",
              proof: ["DrxdNDf74tsVi58Sah0RjjCBgQMdCpSfje3t68VY72o=", "yoVOoSjtBQtBs1/8G4e46yveRh6eO1WW7Oa51ZdaCuA=", "037kGJdt2VdTwcc4Yrk5j6Kiz5tP8P3+izDNlSCWFLc="]),
        .init(size1: 2, size2: 5, root1: "+sVCA+fMaWzw38tCySodnbr3CtnmIfS9jZhmLwDjwSU=", root2: "Tju7H3tHjc/nH7YxYxUZo7yhLJrvyhYSv85ME6hiZNQ=",
              proof: ["Xwg/ChozygdqlSeYMlgNs+DvRYS9/x9UyKNg9Q3jAx4=", "vBoGQ7EuTS18d5GPROD095qDi2z57FtcKD4fTYhZnms="]),
        .init(size1: 6, size2: 7, root1: "duZ9rbzfHhDht03cYIq9L5jfsW+851J3tSMqEn8gh+8=", root2: "3bib5AOAnjJXUNPSY814kpwpQreUKjS3fhIslZSnTIw=",
              proof: ["DrxdNDf74tsVi58Sah0RjjCBgQMdCpSfje3t68VY72o=", "sIaT7C5yFZcTBkHoIR5+7cy0wmQTlj7ubB4u0W/7Gl8=", "037kGJdt2VdTwcc4Yrk5j6Kiz5tP8P3+izDNlSCWFLc="]),
    ]

    /// RFC 6962's test leaves, from which transparency-dev's roots were computed.
    static let rfc6962Leaves: [[UInt8]] = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"]
        .map { hex in stride(from: 0, to: hex.count, by: 2).map { UInt8(hex.dropFirst($0).prefix(2), radix: 16)! } }

    @Test func ourTreeGivesTransparencyDevsRootsAndProofs() throws {
        var t = MerkleTree()
        for l in Self.rfc6962Leaves { t.append(leafHash: MerkleHash.leaf(l)) }
        for v in Self.inclusion {
            #expect(try t.rootHash(size: v.size) == Self.b64(v.root))
            #expect(try t.inclusionProof(index: v.index, size: v.size) == v.proof.map(Self.b64))
        }
        for v in Self.consistency {
            #expect(try t.consistencyProof(from: v.size1, to: v.size2) == v.proof.map(Self.b64))
        }
    }

    @Test(arguments: inclusion.indices)
    func inclusionVectorAndItsMutations(_ k: Int) {
        let v = Self.inclusion[k]
        let root = Self.b64(v.root), leaf = Self.b64(v.leafHash), proof = v.proof.map(Self.b64)
        #expect(MerkleProof.verifyInclusion(index: v.index, size: v.size, leafHash: leaf, proof: proof, root: root), "happy path")
        func bad(_ why: String, index: Int? = nil, size: Int? = nil, leafHash: Hash? = nil, proof p: [Hash]? = nil, root r: Hash? = nil) {
            #expect(!MerkleProof.verifyInclusion(index: index ?? v.index, size: size ?? v.size, leafHash: leafHash ?? leaf,
                                                 proof: p ?? proof, root: r ?? root), "\(why) must fail")
        }
        bad("leafIdx+1", index: v.index + 1)
        bad("leafIdx-1", index: v.index - 1)
        bad("leafIdx XOR 2", index: v.index ^ 2)
        bad("treeSize*2", size: v.size * 2)
        bad("treeSize/2", size: v.size / 2)
        bad("wrong leaf", leafHash: MerkleHash.leaf(Array("WrongLeaf".utf8)))
        bad("empty root", root: MerkleHash.empty)
        bad("random root", root: Array(repeating: 0x5A, count: 32))
        bad("preceding garbage", proof: [Array(repeating: 0x67, count: 32)] + proof)
        bad("trailing garbage", proof: proof + [Array(repeating: 0x67, count: 32)])
        bad("preceding root", proof: [root] + proof)
        bad("trailing root", proof: proof + [root])
        bad("inserted component", proof: proof.isEmpty ? [leaf] : [proof[0], leaf] + proof.dropFirst())
        if !proof.isEmpty {
            bad("removed component", proof: Array(proof.dropLast()))
            for i in proof.indices {
                var p = proof
                p[i][3] ^= 0x01
                bad("modified proof[\(i)]", proof: p)
            }
        }
    }

    @Test(arguments: consistency.indices)
    func consistencyVectorAndItsMutations(_ k: Int) {
        let v = Self.consistency[k]
        let r1 = Self.b64(v.root1), r2 = Self.b64(v.root2), proof = v.proof.map(Self.b64)
        #expect(MerkleProof.verifyConsistency(first: v.size1, second: v.size2, firstRoot: r1, secondRoot: r2, proof: proof), "happy path")
        func bad(_ why: String, s1: Int? = nil, s2: Int? = nil, r1 a: Hash? = nil, r2 b: Hash? = nil, proof p: [Hash]? = nil) {
            #expect(!MerkleProof.verifyConsistency(first: s1 ?? v.size1, second: s2 ?? v.size2, firstRoot: a ?? r1, secondRoot: b ?? r2,
                                                   proof: p ?? proof), "\(why) must fail")
        }
        bad("size1+1", s1: v.size1 + 1)
        bad("size1-1", s1: v.size1 - 1)
        bad("size1 XOR 2", s1: v.size1 ^ 2)
        bad("size2*2", s2: v.size2 * 2)
        if v.size2 / 2 != v.size2 { bad("size2/2", s2: v.size2 / 2) }
        bad("wrong root1", r1: Array(repeating: 0x11, count: 32))
        bad("wrong root2", r2: Array(repeating: 0x22, count: 32))
        if r1 != r2 { bad("swapped roots", r1: r2, r2: r1) }
        bad("preceding garbage", proof: [Array(repeating: 0x67, count: 32)] + proof)
        bad("trailing garbage", proof: proof + [Array(repeating: 0x67, count: 32)])
        bad("preceding root1", proof: [r1] + proof)
        bad("trailing root2", proof: proof + [r2])
        if !proof.isEmpty {
            bad("empty proof", proof: [])
            bad("truncated proof", proof: Array(proof.dropLast()))
            for i in proof.indices {
                var p = proof
                p[i][4] ^= 0x01
                bad("modified proof[\(i)]", proof: p)
            }
        }
    }

    /// transparency-dev/merkle testdata/consistency/additional, transcribed.
    @Test func consistencyEdgeCasesFromTransparencyDev() {
        let empty = MerkleHash.empty
        let other = Self.b64("ZG9uJ3QgY2FyZSB3aGF0IGl0IGlzIGhhc2hlZCAhISE=")
        #expect(!MerkleProof.verifyConsistency(first: 0, second: 1, firstRoot: empty, secondRoot: empty, proof: [empty]))
        #expect(!MerkleProof.verifyConsistency(first: 0, second: 0, firstRoot: empty, secondRoot: other, proof: []))
        #expect(!MerkleProof.verifyConsistency(first: 1, second: 1, firstRoot: empty, secondRoot: other, proof: []))
        #expect(!MerkleProof.verifyConsistency(first: 2, second: 1, firstRoot: other, secondRoot: other, proof: []))
        #expect(!MerkleProof.verifyConsistency(first: 1, second: 0, firstRoot: other, secondRoot: other, proof: []))
        #expect(!MerkleProof.verifyConsistency(first: 0, second: 1, firstRoot: other, secondRoot: other, proof: []))
        #expect(!MerkleProof.verifyConsistency(first: 0, second: 1, firstRoot: empty, secondRoot: other, proof: []))
        #expect(MerkleProof.verifyConsistency(first: 1, second: 1, firstRoot: other, secondRoot: other, proof: []))
        #expect(!MerkleProof.verifyConsistency(first: 0, second: 0, firstRoot: other, secondRoot: other, proof: []))
        #expect(!MerkleProof.verifyConsistency(first: 1, second: 2, firstRoot: other, secondRoot: other, proof: []))
        #expect(!MerkleProof.verifyConsistency(first: 1, second: 1, firstRoot: empty, secondRoot: empty, proof: [empty]))
        #expect(!MerkleProof.verifyConsistency(first: 0, second: 0, firstRoot: empty, secondRoot: empty, proof: [empty]))
    }
}

/// Range proofs (docs/FORMAT.md): for every tree up to 33 leaves and every run in it, the
/// proof gives the tree's root from the run's leaves, and nothing else does.
struct RangeProofTests {
    static func leaf(_ k: Int) -> Hash { MerkleHash.leaf(Array("entry \(k)".utf8)) }

    @Test func everyRunOfEveryTreeUpTo33ProvesItsRoot() throws {
        for size in 1...33 {
            var tree = MerkleTree()
            for k in 0..<size { tree.append(leafHash: Self.leaf(k)) }
            let root = try tree.rootHash()
            for first in 0..<size {
                for last in first..<size {
                    let proof = try tree.rangeProof(first...last, size: size)
                    let leaves = (first...last).map(Self.leaf)
                    #expect(MerkleProof.rootOfRange(first...last, size: size, leaves: leaves, proof: proof) == root)
                    // A run of one: its inclusion proof's hashes, ordered left to right in the tree.
                    if first == last { #expect(Set(proof) == Set(try tree.inclusionProof(index: first, size: size)) && proof.count == Set(proof).count) }
                    // Another leaf, a hash dropped or one added: no root, or another.
                    var wrong = leaves
                    wrong[0] = Self.leaf(size + 1)
                    #expect(MerkleProof.rootOfRange(first...last, size: size, leaves: wrong, proof: proof) != root)
                    if !proof.isEmpty { #expect(MerkleProof.rootOfRange(first...last, size: size, leaves: leaves, proof: Array(proof.dropLast())) == nil) }
                    #expect(MerkleProof.rootOfRange(first...last, size: size, leaves: leaves, proof: proof + [root]) == nil)
                }
            }
        }
    }

    @Test func itsTextIsReadOnlyAsWritten() throws {
        var tree = MerkleTree()
        for k in 0..<10 { tree.append(leafHash: Self.leaf(k)) }
        let p = RangeProof(range: 3...5, size: 10, proof: try tree.rangeProof(3...5, size: 10))
        #expect(try RangeProof(parsing: p.formatted) == p)
        #expect(p.fileName == "proofs/3-5.range-proof")
        let text = p.formatted
        for bad in [text.replacingOccurrences(of: "3 5 10", with: "3 5  10"), text.replacingOccurrences(of: "3 5 10", with: "03 5 10"),
                    text.replacingOccurrences(of: "3 5 10", with: "5 3 10"), text.replacingOccurrences(of: "3 5 10", with: "3 10 10"),
                    String(text.dropLast()), text + "\n", text.replacingOccurrences(of: "armory-range-proof/v1", with: "armory-range-proof/v2"),
                    text.replacingOccurrences(of: "=\n", with: "\n")] {
            #expect(throws: NoteError.self, "\(bad)") { try RangeProof(parsing: bad) }
        }
    }
}
