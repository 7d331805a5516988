import Foundation

/// A C2SP tlog-checkpoint: the log's origin, its size and root hash, optional extension
/// lines. Signed, it is the statement "this log held exactly these entries".
public struct Checkpoint: Sendable, Hashable {
    public let origin: String
    public let size: Int
    public let rootHash: Hash
    public let extensions: [String]

    public init(origin: String, size: Int, rootHash: Hash, extensions: [String] = []) throws(NoteError) {
        guard !origin.isEmpty, !origin.contains("\n") else { throw NoteError("checkpoint origin must be one non-empty line") }
        guard size >= 0 else { throw NoteError("checkpoint size must not be negative") }
        guard rootHash.count == 32 else { throw NoteError("checkpoint root hash must be 32 bytes") }
        guard extensions.allSatisfy({ !$0.isEmpty && !$0.contains("\n") }) else { throw NoteError("checkpoint extension lines must be non-empty single lines") }
        guard !([origin] + extensions).contains(where: { $0.unicodeScalars.contains { $0.value < 0x20 } }) else { throw NoteError("checkpoint lines must not hold control characters (a signed note cannot)") }
        self.origin = origin
        self.size = size
        self.rootHash = rootHash
        self.extensions = extensions
    }

    /// The note text: origin, decimal size, base64 root, extensions, each ending in a newline.
    public var text: String {
        ([origin, String(size), Data(rootHash).base64EncodedString()] + extensions).map { $0 + "\n" }.joined()
    }

    /// Parses a checkpoint note text.
    public init(text: String) throws(NoteError) {
        guard text.hasSuffix("\n") else { throw NoteError("checkpoint must end with a newline") }
        let lines = text.dropLast().split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard lines.count >= 3 else { throw NoteError("checkpoint needs origin, size and root hash lines") }
        let sizeText = lines[1]
        guard let size = plainDecimal(Substring(sizeText)) else {
            throw NoteError("checkpoint size '\(sizeText)' must be a decimal number without leading zeros")
        }
        guard let root = Data(base64Encoded: lines[2]), root.count == 32, root.base64EncodedString() == lines[2] else {
            throw NoteError("checkpoint root hash must be 32 bytes of base64")
        }
        try self.init(origin: lines[0], size: size, rootHash: Array(root), extensions: Array(lines.dropFirst(3)))
    }

    /// The checkpoint as a note with the log's signature.
    public func signed(by signer: NoteSigner) -> SignedNote {
        var note = try! SignedNote(text: text)
        note.sign(with: signer)
        return note
    }
}

/// A C2SP tlog-proof@v1: an entry's index, its inclusion proof, and the signed checkpoint
/// it is included in, verifiable offline by any tool that knows the format.
public struct TlogProof: Sendable, Hashable {
    public let index: Int
    public let proof: [Hash]
    public let extra: [UInt8]?
    public let checkpoint: SignedNote

    public init(index: Int, proof: [Hash], extra: [UInt8]? = nil, checkpoint: SignedNote) {
        self.index = index
        self.proof = proof
        self.extra = extra
        self.checkpoint = checkpoint
    }

    public var formatted: String { formatted(checkpoint: checkpoint.formatted) }

    /// The proof as text, with its checkpoint's text given already formatted: a bundle's
    /// proofs all end with the same checkpoint, formatted once.
    public func formatted(checkpoint text: String) -> String {
        var out = "c2sp.org/tlog-proof@v1\n"
        out.reserveCapacity(40 + 45 * proof.count + text.utf8.count)
        if let extra { out += "extra " + Base64.encode(extra) + "\n" }
        out += "index \(index)\n"
        for h in proof {
            out += Base64.encode(h)
            out += "\n"
        }
        out += "\n"
        out += text
        return out
    }

    public init(parsing text: String) throws(NoteError) {
        let bytes = Array(text.utf8)
        guard let blank = firstBlankLine(bytes) else { throw NoteError("tlog-proof has no checkpoint") }
        let head = String(decoding: bytes[..<blank], as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard head.first == "c2sp.org/tlog-proof@v1" else { throw NoteError("not a c2sp.org/tlog-proof@v1") }
        var k = 1
        var extra: [UInt8]?
        if k < head.count, head[k].hasPrefix("extra ") {
            guard let e = Data(base64Encoded: String(head[k].dropFirst(6))) else { throw NoteError("tlog-proof extra is not base64") }
            extra = Array(e)
            k += 1
        }
        guard k < head.count, head[k].hasPrefix("index "), let index = Int(head[k].dropFirst(6)), index >= 0,
              String(index) == String(head[k].dropFirst(6))
        else { throw NoteError("tlog-proof index line is missing or malformed") }
        var proof: [Hash] = []
        for line in head[(k + 1)...] {
            guard let h = Data(base64Encoded: line), h.count == 32 else { throw NoteError("tlog-proof hash line is not 32 bytes of base64") }
            proof.append(Array(h))
        }
        self.init(index: index, proof: proof, extra: extra,
                  checkpoint: try SignedNote(parsing: String(decoding: bytes[(blank + 2)...], as: UTF8.self)))
        guard formatted == text else { throw NoteError("tlog-proof is not in canonical form") }
    }

    /// Checks the proof for an entry with `leafHash` against the trusted keys.
    public func verify(leafHash: Hash, keys: [NoteVerifierKey]) throws(NoteError) -> Checkpoint {
        try checkpoint.verify(with: keys)
        let cp = try Checkpoint(text: checkpoint.text)
        guard MerkleProof.verifyInclusion(index: index, size: cp.size, leafHash: leafHash, proof: proof, root: cp.rootHash) else {
            throw NoteError("inclusion proof of entry \(index) does not verify against the checkpoint")
        }
        return cp
    }
}

/// Standard base64 with padding (RFC 4648 §4), as Foundation writes it, without a `Data`
/// for each value: a bundle writes one for every hash of every proof.
enum Base64 {
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    static func encode(_ bytes: [UInt8]) -> String {
        let count = (bytes.count + 2) / 3 * 4
        return String(unsafeUninitializedCapacity: count) { out in
            var o = 0
            var i = 0
            while i + 3 <= bytes.count {
                let n = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2])
                out[o] = alphabet[Int(n >> 18)]
                out[o + 1] = alphabet[Int(n >> 12 & 63)]
                out[o + 2] = alphabet[Int(n >> 6 & 63)]
                out[o + 3] = alphabet[Int(n & 63)]
                i += 3
                o += 4
            }
            let rest = bytes.count - i
            if rest > 0 {
                let n = UInt32(bytes[i]) << 16 | (rest == 2 ? UInt32(bytes[i + 1]) << 8 : 0)
                out[o] = alphabet[Int(n >> 18)]
                out[o + 1] = alphabet[Int(n >> 12 & 63)]
                out[o + 2] = rest == 2 ? alphabet[Int(n >> 6 & 63)] : UInt8(ascii: "=")
                out[o + 3] = UInt8(ascii: "=")
                o += 4
            }
            return o
        }
    }
}

/// A range proof (docs/FORMAT.md, `armory-range-proof/v1`): a run of consecutive entries
/// proven included, together, in the tree of `size` leaves, by one set of hashes against
/// the bundle's checkpoint (not repeated here).
public struct RangeProof: Sendable, Hashable {
    public let range: ClosedRange<Int>
    public let size: Int
    public let proof: [Hash]

    public init(range: ClosedRange<Int>, size: Int, proof: [Hash]) {
        self.range = range
        self.size = size
        self.proof = proof
    }

    static let header = "armory-range-proof/v1"

    public var formatted: String {
        var out = "\(Self.header)\n\(range.lowerBound) \(range.upperBound) \(size)\n"
        out.reserveCapacity(out.utf8.count + 45 * proof.count)
        for h in proof {
            out += Base64.encode(h)
            out += "\n"
        }
        return out
    }

    /// Reads a range proof, refusing anything not exactly as `formatted` writes it.
    public init(parsing text: String) throws(NoteError) {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.last == "" else { throw NoteError("range proof does not end with a newline") }
        lines.removeLast()
        guard lines.first == Substring(Self.header) else { throw NoteError("not an \(Self.header)") }
        let numbers = lines.count > 1 ? lines[1].split(separator: " ", omittingEmptySubsequences: false) : []
        guard numbers.count == 3, let first = Int(numbers[0]), let last = Int(numbers[1]), let size = Int(numbers[2]),
              first >= 0, first <= last, last < size
        else { throw NoteError("range proof's second line must be <first> <last> <tree size>, first <= last < size") }
        var proof: [Hash] = []
        for line in lines.dropFirst(2) {
            guard let h = Data(base64Encoded: String(line)), h.count == 32 else { throw NoteError("range proof hash line is not 32 bytes of base64") }
            proof.append(Array(h))
        }
        self.init(range: first...last, size: size, proof: proof)
        guard formatted == text else { throw NoteError("range proof is not in canonical form") }
    }

    /// The proof's file in a bundle.
    public var fileName: String { Self.fileName(range) }
    public static func fileName(_ range: ClosedRange<Int>) -> String { "proofs/\(range.lowerBound)-\(range.upperBound).range-proof" }
}
