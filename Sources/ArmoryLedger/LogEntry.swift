import ArmoryCore

/// Why bytes are not a valid log entry.
public struct EntryFormatError: Error, Equatable, Sendable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// One record in a production's append-only log (EVID-1): what was asked or seen, by whom,
/// when, and what the engine decided. Its canonical bytes (docs/FORMAT.md) are the
/// Merkle leaf; nothing about an entry is ever rewritten, a correction is a new entry.
public struct LogEntry: Sendable, Hashable {
    /// What an entry records.
    public enum Kind: String, Sendable, CaseIterable {
        /// Index 0: the production's title, time zone, policy and people.
        case production
        /// A step of SCENARIOS.md with the engine's decision.
        case step
        /// EVID-1: a note that corrects an earlier entry, which stays as it was.
        case correction
        /// Frozen firearms and lots handed to investigators under a case number.
        case transfer
        /// A one-time sign-in PIN issued: who issued it (`by`) and for whom, never the PIN.
        case pin
    }

    /// How the server came to hold what an entry records (version 2 entries only).
    public enum Via: String, Sendable, CaseIterable {
        /// Sent by a person signed in with their password.
        case password
        /// Sent by a person signed in with a one-time PIN.
        case pin
        /// An anonymous safety concern: no one signed in.
        case anonymous
        /// Written by the server itself (a production opened on it).
        case server
    }

    /// When and how the server received an entry, recorded beside the time the person or
    /// device claims (`at`): the server's own clock, which no request can set. From version
    /// 3 it also names who recorded the entry, which may differ from who acted (`by`, what
    /// the rules judge): the armorer taking a firearm back from talent, or recording the
    /// shot talent fired.
    public struct Receipt: Sendable, Hashable {
        public var received: String
        public var via: Via
        /// The signed-in person who sent it; nil for an anonymous concern and the server's own entries.
        public var recorder: String?
        /// The sign-in session (device) it came from: a public name for the session, never its token.
        public var session: String?
        /// The sender's idempotency key: a retry with the same key is answered with this entry.
        public var key: String?
        public init(received: String, via: Via, recorder: String? = nil, session: String? = nil, key: String? = nil) {
            self.received = received
            self.via = via
            self.recorder = recorder
            self.session = session
            self.key = key
        }
    }

    /// The domain-separation and version line every entry starts with. The version is also
    /// the protocol revision the entry was decided under (`protocolRevision`): version 1
    /// entries were decided before PROTOCOL.md's settled readings and are re-decided by
    /// those rules; version 2 entries are decided by today's, and carry the server's
    /// receipt (both fields empty when no server received it: a replay, the demo).
    public static let magic = Array("armory-entry/v1\n".utf8)
    public static let magic2 = Array("armory-entry/v2\n".utf8)
    /// Version 3: version 2 and who recorded the entry, from which session, with which
    /// idempotency key. Decided under revision 2, as version 2 (the rules did not change).
    public static let magic3 = Array("armory-entry/v3\n".utf8)
    /// The revision new entries are written and decided under.
    public static let currentRevision = ProtocolRevision.current
    /// The format new entries are written in.
    public static let currentVersion = 3

    /// The entry's format version: 1, 2 or 3 (docs/FORMAT.md).
    public var version: Int

    public var index: UInt64
    public var kind: Kind
    /// RFC 3339 time as the person wrote it.
    public var at: String
    /// Who gave or reported it; nil for an anonymous concern and for the production header.
    public var by: String?
    /// The entry's content as canonical JSON (a step exactly as `Step.json` writes it).
    public var body: String
    public var outcome: Outcome
    public var rules: [Rule]
    public var message: String
    /// The server's receipt (version 2); nil in a version 1 entry and when no server received it.
    public var receipt: Receipt?
    /// The protocol revision the entry was decided under: its format version.
    public var protocolRevision: Int

    public init(index: UInt64, kind: Kind, at: String, by: String?, body: String,
                outcome: Outcome = .ok, rules: [Rule] = [], message: String, receipt: Receipt? = nil,
                protocolRevision: Int = LogEntry.currentRevision, version: Int? = nil) {
        self.version = version ?? (protocolRevision >= 2 ? LogEntry.currentVersion : 1)
        self.index = index
        self.kind = kind
        self.at = at
        self.by = by
        self.body = body
        self.outcome = outcome
        self.rules = rules
        self.message = message
        // Each version holds what its format can write, no more.
        self.receipt = self.version >= 3 ? receipt : self.version == 2 ? receipt.map { Receipt(received: $0.received, via: $0.via) } : nil
        self.protocolRevision = protocolRevision
    }

    /// The entry for a decided step.
    public init(index: UInt64, step: Step, decision: Decision, receipt: Receipt? = nil) {
        self.init(index: index, kind: .step, at: step.at.text, by: step.by, body: step.json.compactText,
                  outcome: decision.outcome, rules: decision.rules, message: decision.message, receipt: receipt)
    }

    /// The canonical bytes (docs/FORMAT.md): the Merkle leaf.
    public func encoded() -> [UInt8] {
        var out = version >= 3 ? LogEntry.magic3 : version == 2 ? LogEntry.magic2 : LogEntry.magic
        out.reserveCapacity(64 + body.utf8.count + message.utf8.count)
        for shift in stride(from: 56, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: index >> UInt64(shift))) }
        func str(_ s: String) {
            let n = UInt32(s.utf8.count)
            out.append(UInt8(n >> 24)); out.append(UInt8(truncatingIfNeeded: n >> 16))
            out.append(UInt8(truncatingIfNeeded: n >> 8)); out.append(UInt8(truncatingIfNeeded: n))
            out.append(contentsOf: s.utf8)
        }
        str(kind.rawValue)
        str(at)
        if version >= 2 {
            str(receipt?.received ?? "")
            str(receipt?.via.rawValue ?? "")
        }
        if version >= 3 {
            str(receipt?.recorder ?? "")
            str(receipt?.session ?? "")
            str(receipt?.key ?? "")
        }
        str(by ?? "")
        str(body)
        str(outcome.rawValue)
        out.append(UInt8(rules.count >> 8)); out.append(UInt8(truncatingIfNeeded: rules.count))
        for r in rules { str(r.rawValue) }
        str(message)
        return out
    }

    /// Reads canonical entry bytes. Anything that would not encode back to the same bytes
    /// (trailing data, unsorted rules, an unknown kind or rule) is rejected.
    public init(decoding bytes: [UInt8]) throws(EntryFormatError) {
        var r = ByteReader(bytes)
        let magic = try r.take(LogEntry.magic.count)
        let version = magic == LogEntry.magic3 ? 3 : magic == LogEntry.magic2 ? 2 : magic == LogEntry.magic ? 1 : 0
        guard version > 0 else { throw EntryFormatError("not an Armory v1, v2 or v3 entry (bad magic)") }
        var index: UInt64 = 0
        for b in try r.take(8) { index = index << 8 | UInt64(b) }
        let kindText = try r.string("kind")
        guard let kind = Kind(rawValue: kindText) else { throw EntryFormatError("unknown entry kind '\(kindText)'") }
        let at = try r.string("at")
        var receipt: Receipt?
        let revision = version >= 2 ? 2 : 1
        if version >= 2 {
            let received = try r.string("received")
            let viaText = try r.string("via")
            let (recorder, session, key) = version >= 3 ? (try r.string("recorder"), try r.string("session"), try r.string("key")) : ("", "", "")
            if !(received.isEmpty && viaText.isEmpty) {
                guard !received.isEmpty else { throw EntryFormatError("a receipt needs its time") }
                guard let via = Via(rawValue: viaText) else { throw EntryFormatError("unknown via '\(viaText)'") }
                receipt = Receipt(received: received, via: via, recorder: recorder.isEmpty ? nil : recorder,
                                  session: session.isEmpty ? nil : session, key: key.isEmpty ? nil : key)
            } else if !(recorder.isEmpty && session.isEmpty && key.isEmpty) {
                throw EntryFormatError("a recorder, session or key needs a receipt's time")
            }
        }
        let by = try r.string("by")
        let body = try r.string("body")
        let outcomeText = try r.string("outcome")
        guard let outcome = Outcome(rawValue: outcomeText) else { throw EntryFormatError("unknown outcome '\(outcomeText)'") }
        let countBytes = try r.take(2)
        let count = Int(countBytes[0]) << 8 | Int(countBytes[1])
        var rules: [Rule] = []
        for _ in 0..<count {
            let t = try r.string("rule")
            guard let rule = Rule(rawValue: t) else { throw EntryFormatError("unknown rule '\(t)'") }
            rules.append(rule)
        }
        guard zip(rules, rules.dropFirst()).allSatisfy({ $0 < $1 }) else {
            throw EntryFormatError("rules must be sorted by ID and listed once")
        }
        let message = try r.string("message")
        guard r.atEnd else { throw EntryFormatError("\(r.remaining) trailing bytes after the entry") }
        self.init(index: index, kind: kind, at: at, by: by.isEmpty ? nil : by, body: body,
                  outcome: outcome, rules: rules, message: message, receipt: receipt, protocolRevision: revision, version: version)
        guard encoded() == bytes else { throw EntryFormatError("entry is not in canonical form") }
    }
}

/// Reads big-endian fields from bytes, failing cleanly at the end.
struct ByteReader {
    let bytes: [UInt8]
    var offset = 0
    init(_ bytes: [UInt8]) { self.bytes = bytes }
    var atEnd: Bool { offset == bytes.count }
    var remaining: Int { bytes.count - offset }

    mutating func take(_ n: Int) throws(EntryFormatError) -> [UInt8] {
        guard n >= 0, n <= remaining else { throw EntryFormatError("entry ends early") }
        defer { offset += n }
        return Array(bytes[offset..<(offset + n)])
    }

    mutating func string(_ field: String) throws(EntryFormatError) -> String {
        guard remaining >= 4 else { throw EntryFormatError("entry ends early") }
        let n = Int(bytes[offset]) << 24 | Int(bytes[offset + 1]) << 16 | Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3])
        offset += 4
        guard n <= remaining else { throw EntryFormatError("entry ends early") }
        defer { offset += n }
        // Read in place: ASCII is valid as it stands; anything else is validated.
        let read: String?? = bytes[offset..<(offset + n)].withContiguousStorageIfAvailable { part in
            part.allSatisfy { $0 < 0x80 } ? String(decoding: part, as: UTF8.self) : String(validating: part, as: UTF8.self)
        }
        guard let s = read ?? String(validating: bytes[offset..<(offset + n)], as: UTF8.self) else {
            throw EntryFormatError("field \(field) is not UTF-8")
        }
        return s
    }
}
