import ArmoryCore
import Crypto
import Foundation

/// A production's state at a size of its log, signed with the log's key and bound to the
/// tree: opening the production starts from it and re-decides only the entries after it,
/// instead of replaying the whole log. It is extra to the log, never part of it: a snapshot
/// that is missing, unsigned, or that does not match the tree and the state it names only
/// means the log is replayed whole, as `armory check` always does.
///
/// Its note text:
///
///     armory state snapshot v1
///     origin armory/<production id>
///     size <entries covered>
///     root <base64 tree root at that size>
///     engine <protocol revision the state was decided under>
///     state <base64 SHA-256 of the encoded state>
///
/// Its second line is not a number, so it can never be read as a checkpoint (whose second
/// line is the tree size), nor a checkpoint as a snapshot.
public struct StateSnapshot: Sendable, Hashable {
    public static let firstLine = "armory state snapshot v1"

    public let origin: String
    public let size: Int
    public let rootHash: Hash
    public let engineRevision: Int
    public let stateHash: Hash

    public init(origin: String, size: Int, rootHash: Hash, engineRevision: Int, stateHash: Hash) throws(NoteError) {
        guard !origin.isEmpty, !origin.contains("\n"), !origin.unicodeScalars.contains(where: { $0.value < 0x20 }) else {
            throw NoteError("a snapshot's origin must be one non-empty line")
        }
        guard size >= 1 else { throw NoteError("a snapshot covers at least the production header") }
        guard rootHash.count == 32, stateHash.count == 32 else { throw NoteError("a snapshot's hashes are 32 bytes") }
        self.origin = origin
        self.size = size
        self.rootHash = rootHash
        self.engineRevision = engineRevision
        self.stateHash = stateHash
    }

    /// The note text (above), each line ending in a newline.
    public var text: String {
        [Self.firstLine, "origin " + origin, "size " + String(size), "root " + Base64.encode(rootHash),
         "engine " + String(engineRevision), "state " + Base64.encode(stateHash)].map { $0 + "\n" }.joined()
    }

    /// Reads a snapshot's note text: exactly the six lines above, nothing else.
    public init(text: String) throws(NoteError) {
        guard text.hasSuffix("\n") else { throw NoteError("a snapshot must end with a newline") }
        let lines = text.dropLast().split(separator: "\n", omittingEmptySubsequences: false)
        let names = ["origin ", "size ", "root ", "engine ", "state "]
        guard lines.count == 6, lines[0] == Self.firstLine else { throw NoteError("not an Armory state snapshot") }
        var values: [String] = []
        for (line, name) in zip(lines.dropFirst(), names) {
            guard line.hasPrefix(name) else { throw NoteError("a snapshot's line '\(name.dropLast())' is missing or out of order") }
            values.append(String(line.dropFirst(name.count)))
        }
        func hash(_ s: String) throws(NoteError) -> Hash {
            guard let d = Data(base64Encoded: s), d.count == 32, d.base64EncodedString() == s else {
                throw NoteError("a snapshot's hash must be 32 bytes of base64")
            }
            return Array(d)
        }
        guard let size = plainDecimal(Substring(values[1])), let engine = plainDecimal(Substring(values[3])) else {
            throw NoteError("a snapshot's size and engine revision are decimal numbers without leading zeros")
        }
        try self.init(origin: values[0], size: size, rootHash: try hash(values[2]), engineRevision: engine, stateHash: try hash(values[4]))
    }

    /// The SHA-256 of an encoded state.
    public static func hash(_ encoded: [UInt8]) -> Hash { Array(SHA256.hash(data: encoded)) }
}

/// A snapshot as a store keeps it: the signed note and the encoded state it names.
public struct StoredSnapshot: Sendable, Equatable {
    /// The signed note, formatted (`SignedNote.formatted`).
    public let note: String
    /// The encoded state (`ProductionState.encoded`).
    public let state: [UInt8]
    public init(note: String, state: [UInt8]) {
        self.note = note
        self.state = state
    }
}

extension ProductionLog {
    /// A snapshot of the state now, at the log's whole size, signed with `signer` (the key
    /// its checkpoints are signed with). Nil for a log opened read-only at a faulty entry.
    public func snapshot(signer: NoteSigner) -> StoredSnapshot? {
        guard fault == nil, let root = try? tree.rootHash() else { return nil }
        let state = self.state.encoded
        guard let s = try? StateSnapshot(origin: origin, size: size, rootHash: root, engineRevision: ProtocolRevision.current,
                                         stateHash: StateSnapshot.hash(state)),
              var note = try? SignedNote(text: s.text)
        else { return nil }
        note.sign(with: signer)
        return StoredSnapshot(note: note.formatted, state: state)
    }

    /// Reads a stored snapshot and checks it against the log's key and `origin`: its
    /// signature, its first line, its engine revision (the current one: a state decided by
    /// an older engine is not taken), and its state's hash. Returns the snapshot and the
    /// state it holds; throws, saying why, when it is not to be used. Its root is checked
    /// against the tree by whoever has the tree.
    public static func readSnapshot(_ stored: StoredSnapshot, origin: String, logKey: NoteVerifierKey?) throws(NoteError) -> (StateSnapshot, ProductionState) {
        guard let logKey else { throw NoteError("no log key to check the snapshot's signature with") }
        let note = try SignedNote(parsing: stored.note)
        let verified = try note.verify(with: [logKey])
        guard verified.contains(where: { $0.key == logKey }) else { throw NoteError("the snapshot is not signed with the log's key") }
        let s = try StateSnapshot(text: note.text)
        guard s.origin == origin else { throw NoteError("the snapshot is of \(s.origin), not \(origin)") }
        guard s.engineRevision == ProtocolRevision.current else {
            throw NoteError("the snapshot's state was decided under protocol revision \(s.engineRevision), not \(ProtocolRevision.current)")
        }
        guard StateSnapshot.hash(stored.state) == s.stateHash else { throw NoteError("the stored state does not hash to the snapshot's") }
        do { return (s, try ProductionState(encoded: stored.state)) } catch { throw NoteError("the snapshot's state: \(error.message)") }
    }
}

extension StateSnapshot {
    /// The stored tree nodes a log opened at leaf `first` needs for its right edge: the
    /// last complete node of each level at that size.
    public static func edgeKeys(first: Int) -> [NodeKey] {
        var keys: [NodeKey] = []
        var level = 0
        while first >> level >= 1 {
            keys.append(NodeKey(level: level, index: (first >> level) - 1))
            level += 1
        }
        return keys
    }
}
