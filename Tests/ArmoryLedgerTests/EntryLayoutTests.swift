import ArmoryCore
import ArmoryLedger
import Testing

/// An entry's fields found in place in its bytes (`EntryLayout`): the same bytes accepted
/// as `LogEntry(decoding:)` accepts, and the same fields.
struct EntryLayoutTests {
    static let body = EntryEncodingTests.step.json.compactText
    static let at = EntryEncodingTests.step.at.text
    static let message = "He said \"stop\" \\ twice — café ünïcödé 🔫\n\t\r\u{01}\u{1F}\u{7F}\u{2028} end"

    /// Entries of every version, with and without each part of a receipt, a `by`, rules.
    static let entries: [LogEntry] = [
        EntryEncodingTests.entry, EntryEncodingTests.received, EntryEncodingTests.recorded,
        EntryEncodingTests.version2, EntryEncodingTests.version1,
        LogEntry(index: 0, kind: .production, at: at, by: nil, body: "{}", message: ""),
        LogEntry(index: 3, kind: .step, at: at, by: nil, body: body, outcome: .alarm, rules: Array(Rule.allCases.sorted().prefix(4)),
                 message: message, receipt: .init(received: at, via: .anonymous)),
        LogEntry(index: 4, kind: .step, at: at, by: "bén \"b\"", body: body, message: message,
                 receipt: .init(received: at, via: .password, recorder: "ana")),
        LogEntry(index: 5, kind: .correction, at: at, by: "ana", body: body, message: message,
                 receipt: .init(received: at, via: .pin, session: "s-1", key: "k")),
        LogEntry(index: 6, kind: .pin, at: at, by: "ana", body: body, message: "", receipt: nil, version: 2),
        LogEntry(index: 1 << 40, kind: .transfer, at: at, by: "ana", body: body, message: message, protocolRevision: 1),
    ]

    static func text(_ bytes: [UInt8], _ range: Range<Int>) -> String { String(decoding: bytes[range], as: UTF8.self) }

    @Test(arguments: entries)
    func theFieldsAreThoseTheDecodedEntryHolds(entry: LogEntry) throws {
        let bytes = entry.encoded()
        let l = try bytes.withUnsafeBufferPointer { try EntryLayout($0) }
        func t(_ r: Range<Int>) -> String { Self.text(bytes, r) }
        #expect(l.version == entry.version && l.index == entry.index)
        #expect(t(l.kind) == entry.kind.rawValue && t(l.at) == entry.at && t(l.by) == entry.by ?? "" && t(l.body) == entry.body)
        #expect(t(l.outcome) == entry.outcome.rawValue && t(l.message) == entry.message)
        #expect(l.hasReceipt == (entry.receipt != nil))
        #expect(t(l.received) == entry.receipt?.received ?? "" && t(l.via) == entry.receipt?.via.rawValue ?? "")
        #expect(t(l.recorder) == entry.receipt?.recorder ?? "" && t(l.session) == entry.receipt?.session ?? "" && t(l.key) == entry.receipt?.key ?? "")
        var rules: [String] = []
        bytes.withUnsafeBufferPointer { b in l.forEachRule(in: b) { rules.append(Self.text(bytes, $0)) } }
        #expect(rules == entry.rules.map(\.rawValue) && l.ruleCount == entry.rules.count)
    }

    /// Altered bytes (a byte changed, bytes cut off or added) are refused exactly when
    /// decoding refuses them, with the same reason.
    @Test func whatDecodingRefusesIsRefused() {
        var rng = SystemRandomNumberGenerator()
        var variants: [[UInt8]] = []
        for entry in Self.entries {
            let bytes = entry.encoded()
            for cut in 0..<bytes.count { variants.append(Array(bytes[..<cut])) }
            variants.append(bytes + [0])
            for _ in 0..<400 {
                var altered = bytes
                let i = Int.random(in: 0..<altered.count, using: &rng)
                altered[i] = [0, 0x22, 0x41, 0x7F, 0x80, 0xC3, 0xFF, UInt8.random(in: 0...255, using: &rng)].randomElement(using: &rng)!
                variants.append(altered)
            }
        }
        var refused = 0
        for bytes in variants {
            let decoded = Result { () throws(EntryFormatError) in try LogEntry(decoding: bytes) }
            let laid = Result { () throws(EntryFormatError) in try bytes.withUnsafeBufferPointer { b throws(EntryFormatError) in try EntryLayout(b) } }
            switch (decoded, laid) {
            case (.success, .success): break
            case let (.failure(a), .failure(b)):
                refused += 1
                #expect(a == b, "\(bytes)")
            default: Issue.record("decoding \(decoded) but the layout \(laid) for \(bytes)")
            }
        }
        #expect(refused > variants.count / 2)
    }
}
