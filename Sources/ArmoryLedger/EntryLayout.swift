import ArmoryCore

/// Where each field of an entry's canonical bytes (docs/FORMAT.md) lies, found in place:
/// what a reader that only writes an entry out (the API's entry JSON) needs, without making
/// a `LogEntry` and its strings. It accepts exactly the bytes `LogEntry(decoding:)` accepts
/// (the same checks, read without copying), so a stored entry that would not decode is
/// refused here too, and the fields it gives are those the decoded entry holds.
public struct EntryLayout: Sendable {
    /// The format version: 1, 2 or 3.
    public let version: Int
    /// The index the entry's bytes carry.
    public let index: UInt64
    public let kind: Range<Int>
    public let at: Range<Int>
    /// Empty (with `via`) when there is no receipt (`LogEntry.receipt` nil).
    public let received: Range<Int>
    public let via: Range<Int>
    /// Empty when the entry names none (always in versions 1 and 2).
    public let recorder: Range<Int>
    public let session: Range<Int>
    public let key: Range<Int>
    /// Empty when no one is named (`LogEntry.by` nil).
    public let by: Range<Int>
    /// Canonical JSON text, as the entry holds it.
    public let body: Range<Int>
    public let outcome: Range<Int>
    /// Where the rules' length-prefixed strings begin, and how many there are.
    let rulesStart: Int
    public let ruleCount: Int
    public let message: Range<Int>

    /// Whether the entry carries the server's receipt (`LogEntry.receipt != nil`).
    public var hasReceipt: Bool { !(received.isEmpty && via.isEmpty) }

    /// Finds the fields of `bytes`, or says why they are not a canonical entry.
    public init(_ bytes: UnsafeBufferPointer<UInt8>) throws(EntryFormatError) {
        var r = Cursor(bytes: bytes)
        let magic = UnsafeBufferPointer(rebasing: bytes[try r.take(LogEntry.magic.count)])
        let version = magic.elementsEqual(LogEntry.magic3) ? 3 : magic.elementsEqual(LogEntry.magic2) ? 2 : magic.elementsEqual(LogEntry.magic) ? 1 : 0
        guard version > 0 else { throw EntryFormatError("not an Armory v1, v2 or v3 entry (bad magic)") }
        var index: UInt64 = 0
        for i in try r.take(8) { index = index << 8 | UInt64(bytes[i]) }
        let kind = try r.string("kind")
        guard LogEntry.Kind(rawValue: r.text(kind)) != nil else { throw EntryFormatError("unknown entry kind '\(r.text(kind))'") }
        let at = try r.string("at")
        let none = r.offset..<r.offset
        var (received, via, recorder, session, key) = (none, none, none, none, none)
        if version >= 2 {
            received = try r.string("received")
            via = try r.string("via")
            if version >= 3 { (recorder, session, key) = (try r.string("recorder"), try r.string("session"), try r.string("key")) }
            if !(received.isEmpty && via.isEmpty) {
                guard !received.isEmpty else { throw EntryFormatError("a receipt needs its time") }
                guard LogEntry.Via(rawValue: r.text(via)) != nil else { throw EntryFormatError("unknown via '\(r.text(via))'") }
            } else if !(recorder.isEmpty && session.isEmpty && key.isEmpty) {
                throw EntryFormatError("a recorder, session or key needs a receipt's time")
            }
        }
        let by = try r.string("by")
        let body = try r.string("body")
        let outcome = try r.string("outcome")
        guard Outcome(rawValue: r.text(outcome)) != nil else { throw EntryFormatError("unknown outcome '\(r.text(outcome))'") }
        let count = try r.take(2)
        let ruleCount = Int(bytes[count.lowerBound]) << 8 | Int(bytes[count.lowerBound + 1])
        let rulesStart = r.offset
        var previous: Rule?, sorted = true
        for _ in 0..<ruleCount {
            let place = try r.string("rule")
            guard let rule = Rule(rawValue: r.text(place)) else { throw EntryFormatError("unknown rule '\(r.text(place))'") }
            if let previous, !(previous < rule) { sorted = false }
            previous = rule
        }
        guard sorted else { throw EntryFormatError("rules must be sorted by ID and listed once") }
        let message = try r.string("message")
        guard r.offset == bytes.count else { throw EntryFormatError("\(bytes.count - r.offset) trailing bytes after the entry") }
        (self.version, self.index, self.kind, self.at, self.received, self.via) = (version, index, kind, at, received, via)
        (self.recorder, self.session, self.key, self.by, self.body, self.outcome) = (recorder, session, key, by, body, outcome)
        (self.rulesStart, self.ruleCount, self.message) = (rulesStart, ruleCount, message)
    }

    /// Reads the bytes in order, failing cleanly at their end.
    struct Cursor {
        let bytes: UnsafeBufferPointer<UInt8>
        var offset = 0

        mutating func take(_ n: Int) throws(EntryFormatError) -> Range<Int> {
            guard n >= 0, n <= bytes.count - offset else { throw EntryFormatError("entry ends early") }
            defer { offset += n }
            return offset..<(offset + n)
        }

        /// A length-prefixed string's place; its bytes must be UTF-8.
        mutating func string(_ field: String) throws(EntryFormatError) -> Range<Int> {
            let prefix = try take(4).lowerBound
            let n = Int(bytes[prefix]) << 24 | Int(bytes[prefix + 1]) << 16 | Int(bytes[prefix + 2]) << 8 | Int(bytes[prefix + 3])
            let range = try take(n)
            guard EntryLayout.isUTF8(UnsafeBufferPointer(rebasing: bytes[range])) else { throw EntryFormatError("field \(field) is not UTF-8") }
            return range
        }

        /// A short field as a `String` (held inline, no allocation): to check a name is known.
        func text(_ range: Range<Int>) -> String { String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self) }
    }

    /// Each rule's place, in order.
    public func forEachRule(in bytes: UnsafeBufferPointer<UInt8>, _ body: (Range<Int>) -> Void) {
        var offset = rulesStart
        for _ in 0..<ruleCount {
            let n = Int(bytes[offset]) << 24 | Int(bytes[offset + 1]) << 16 | Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3])
            body((offset + 4)..<(offset + 4 + n))
            offset += 4 + n
        }
    }

    /// Whether `bytes` are valid UTF-8 (ASCII, nearly always, is checked without more).
    static func isUTF8(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var high: UInt8 = 0
        for b in bytes { high |= b }
        return high < 0x80 || String(validating: bytes, as: UTF8.self) != nil
    }
}
