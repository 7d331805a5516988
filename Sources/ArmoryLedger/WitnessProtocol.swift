import Foundation

/// One `add-checkpoint` request of the C2SP tlog-witness protocol, as its body reads: the
/// old size line, the consistency proof lines, a blank line, the signed checkpoint.
public struct AddCheckpoint: Sendable, Hashable {
    /// Most proof lines a client may send.
    public static let maximumProofLines = 63
    /// The longest body read: a checkpoint of 64 signatures with room to spare.
    public static let maximumBodyLength = 64 * 1024

    public let oldSize: Int
    public let proof: [Hash]
    public let note: SignedNote
    public let checkpoint: Checkpoint

    public init(oldSize: Int, proof: [Hash], note: SignedNote) throws(WitnessRefusal) {
        self.oldSize = oldSize
        self.proof = proof
        self.note = note
        do { checkpoint = try Checkpoint(text: note.text) } catch { throw .malformed("the checkpoint: \(error.message)") }
    }

    /// The body as a log sends it.
    public var body: String {
        "old \(oldSize)\n" + proof.map { Data($0).base64EncodedString() + "\n" }.joined() + "\n" + note.formatted
    }

    /// Reads a request body; anything the protocol does not write exactly so is a 400.
    public init(body bytes: [UInt8]) throws(WitnessRefusal) {
        guard bytes.count <= Self.maximumBodyLength else { throw .malformed("the body is over \(Self.maximumBodyLength) bytes") }
        guard let text = String(validating: bytes, as: UTF8.self) else { throw .malformed("the body is not UTF-8") }
        var rest = Substring(text)
        func line() throws(WitnessRefusal) -> Substring {
            guard let end = rest.firstIndex(of: "\n") else { throw .malformed("every line must end with a newline") }
            defer { rest = rest[rest.index(after: end)...] }
            return rest[..<end]
        }
        let first = try line()
        guard first.hasPrefix("old "), let old = plainDecimal(first.dropFirst(4)) else {
            throw .malformed("the first line must be 'old <size>', the size in decimal without leading zeros")
        }
        var proof: [Hash] = []
        while true {
            let l = try line()
            if l.isEmpty { break }
            guard proof.count < Self.maximumProofLines else { throw .malformed("more than \(Self.maximumProofLines) consistency proof lines") }
            guard let h = Data(base64Encoded: String(l)), h.count == 32, h.base64EncodedString() == l else {
                throw .malformed("consistency proof line \(proof.count + 1) is not one base64 SHA-256 hash")
            }
            proof.append(Array(h))
        }
        let note: SignedNote
        do { note = try SignedNote(parsing: String(rest)) } catch { throw .malformed("the signed checkpoint: \(error.message)") }
        try self.init(oldSize: old, proof: proof, note: note)
    }
}

/// A witness's refusal, with the status the protocol answers it with.
public struct WitnessRefusal: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
        /// 400: the body is not a request, or its old size is past the checkpoint's.
        case malformed
        /// 403: no signature by a key trusted for the origin verifies.
        case untrusted
        /// 404: the origin is not a log this witness follows.
        case unknownOrigin
        /// 409: the old size is not the size last cosigned (named in `latestSize`).
        case conflict
        /// 409 as well: the size last cosigned came again with another root hash.
        case splitView
        /// 422: the consistency proof does not verify.
        case badProof
    }
    public let kind: Kind
    public let message: String
    /// For a conflict: the size of the checkpoint last cosigned for the origin (0: none).
    public let latestSize: Int?

    public init(_ kind: Kind, _ message: String, latestSize: Int? = nil) {
        self.kind = kind
        self.message = message
        self.latestSize = latestSize
    }

    static func malformed(_ message: String) -> WitnessRefusal { WitnessRefusal(.malformed, message) }

    /// The HTTP status the protocol gives this refusal.
    public var status: Int {
        switch kind {
        case .malformed: return 400
        case .untrusted: return 403
        case .unknownOrigin: return 404
        case .conflict, .splitView: return 409
        case .badProof: return 422
        }
    }

    /// A signed checkpoint that does not extend what was cosigned: evidence the log showed
    /// two histories, kept by the witness (the protocol allows it to log such requests).
    public var isEvidenceOfAFork: Bool { kind == .badProof || kind == .splitView }

    public var description: String { message }
}

/// The rules a tlog-witness applies to one `add-checkpoint`, in the protocol's order,
/// against the checkpoint it last cosigned for the origin. Pure: the caller holds the state,
/// stores the new checkpoint atomically with the check, and answers.
public struct WitnessRules: Sendable {
    /// The logs this witness follows: each origin with the keys it trusts for it.
    public let logs: [String: [NoteVerifierKey]]
    public let signer: NoteSigner

    public init(signer: NoteSigner, logs: [String: [NoteVerifierKey]]) throws(WitnessError) {
        guard signer.verifierKey.type == .cosignatureV1 else { throw WitnessError("a witness key must be a cosignature key (type 0x04)") }
        guard logs.values.allSatisfy({ $0.allSatisfy { $0.type == .ed25519 } }) else { throw WitnessError("a log's key must be an Ed25519 key (type 0x01)") }
        self.signer = signer
        self.logs = logs
    }

    /// Checks `request` against `latest` (the checkpoint last cosigned for its origin, nil:
    /// none). Returns the cosignature lines to answer with; the request's checkpoint is then
    /// the latest cosigned.
    public func cosign(_ request: AddCheckpoint, latest: Checkpoint?, timestamp: UInt64) throws(WitnessRefusal) -> String {
        guard let keys = logs[request.checkpoint.origin] else {
            throw WitnessRefusal(.unknownOrigin, "this witness follows no log with origin '\(request.checkpoint.origin)'")
        }
        try Self.check(request, latest: latest, keys: keys)
        // The note's text was checked when the request was read.
        var note = try! SignedNote(text: request.note.text)
        note.cosign(with: signer, timestamp: timestamp)
        return note.signatures.map(\.line).joined()
    }

    /// The protocol's checks of an `add-checkpoint` for a log trusted with `keys`, against
    /// `latest` (the checkpoint last taken for it, nil: none), in the protocol's order after
    /// the origin: a witness's, and a mirror's for its pending checkpoint.
    public static func check(_ request: AddCheckpoint, latest: Checkpoint?, keys: [NoteVerifierKey]) throws(WitnessRefusal) {
        let cp = request.checkpoint
        do { try request.note.verify(with: keys) } catch {
            throw WitnessRefusal(.untrusted, "no signature by a key trusted for '\(cp.origin)' verifies: \(error.message)")
        }
        guard request.oldSize <= cp.size else {
            throw WitnessRefusal(.malformed, "the old size \(request.oldSize) is larger than the checkpoint's size \(cp.size)")
        }
        let latestSize = latest?.size ?? 0
        guard request.oldSize == latestSize else {
            throw WitnessRefusal(.conflict, "the old size \(request.oldSize) is not the size last cosigned, \(latestSize)", latestSize: latestSize)
        }
        if let latest, request.oldSize == cp.size {
            guard request.proof.isEmpty else { throw WitnessRefusal(.badProof, "a proof between two trees of one size must be empty") }
            guard latest.rootHash == cp.rootHash else {
                throw WitnessRefusal(.splitView, "size \(cp.size) was cosigned with another root hash: the log shows two histories",
                                     latestSize: latestSize)
            }
        } else if let latest {
            guard MerkleProof.verifyConsistency(first: latest.size, second: cp.size, firstRoot: latest.rootHash, secondRoot: cp.rootHash, proof: request.proof) else {
                throw WitnessRefusal(.badProof, "the consistency proof from size \(latest.size) to \(cp.size) does not verify")
            }
        } else {
            guard request.proof.isEmpty else { throw WitnessRefusal(.badProof, "the proof from size 0 must be empty") }
        }
    }
}

/// A `text/x.tlog.size` body (C2SP tlog-witness's 409, and the studio's): the size last
/// taken, in decimal without leading zeros, and a newline.
public enum TlogSize {
    public static let contentType = "text/x.tlog.size"

    public static func text(_ size: Int) -> String { "\(size)\n" }

    /// The size a body names; nil when it is not one as the protocol writes it.
    public static func read(_ body: [UInt8]) -> Int? {
        guard let text = String(validating: body, as: UTF8.self), text.hasSuffix("\n") else { return nil }
        return plainDecimal(text.dropLast())
    }
}

/// What a log makes of a witness's answer to its `add-checkpoint` (C2SP tlog-witness).
public enum WitnessReply: Sendable, Equatable {
    /// 200: the witness's cosignatures, each checked on the checkpoint's text with its key.
    case cosigned([NoteSignature])
    /// 409 naming another size: the log sends again from the size the witness last cosigned.
    case resend(from: Int)
    /// The witness holds another history of this log: it cosigned a checkpoint this one does
    /// not extend (409 naming the size sent, or naming a tree larger than the log; 422 for
    /// the consistency proof). Evidence of a fork, to be raised as an alarm.
    case splitView(String)
    /// Any other refusal (400, 403, 404, 413, 5xx) or an answer that is not the protocol's:
    /// tried again later.
    case refused(status: Int, String)

    /// Longest reply body read.
    public static let maximumBodyLength = 64 * 1024

    /// Reads the witness's answer to `request` (status and body) with the witness's key.
    public init(status: Int, body: [UInt8], to request: AddCheckpoint, witness key: NoteVerifierKey) {
        let text = String(decoding: body.prefix(Self.maximumBodyLength), as: UTF8.self)
        let excerpt = String(text.prefix(200)).trimmingCharacters(in: .whitespacesAndNewlines)
        let size = request.checkpoint.size
        switch status {
        case 200:
            // The reply is signature lines alone: read them as a note's signature block.
            guard let lines = try? SignedNote(parsing: request.note.text + "\n" + text) else {
                self = .refused(status: 200, "the answer is not cosignature lines: \(excerpt)")
                return
            }
            let mine = lines.signatures.filter { $0.isBy(key) }
            guard !mine.isEmpty, let checked = try? SignedNote(text: request.note.text, signatures: mine),
                  (try? checked.verify(with: [key], rejectUnknown: true))?.contains(where: { $0.key == key && $0.timestamp != nil }) == true
            else {
                self = .refused(status: 200, "no cosignature by \(key.name) that verifies on checkpoint \(size)")
                return
            }
            self = .cosigned(mine)
        case 409:
            guard let last = TlogSize.read(body) else {
                self = .refused(status: 409, "the conflict does not name a size: \(excerpt)")
                return
            }
            if last > size {
                self = .splitView("the witness cosigned a tree of \(last) entries, larger than this log's checkpoint of \(size): "
                                  + "the log went back (restored from an older copy?)")
            } else if last == request.oldSize {
                self = .splitView("the witness refuses checkpoint \(size) from the size it last cosigned, \(last): it holds another tree of that size")
            } else {
                self = .resend(from: last)
            }
        case 422:
            self = .splitView("the witness's tree of \(request.oldSize) entries is not one this log's checkpoint \(size) extends: \(excerpt)")
        default:
            self = .refused(status: status, excerpt.isEmpty ? "status \(status)" : excerpt)
        }
    }
}
