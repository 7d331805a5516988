import ArmoryCore
import ArmoryLedger
import Testing

/// The canonical entry bytes of docs/FORMAT.md: the Merkle leaves of every production.
struct EntryEncodingTests {
    static let step = Step(at: Timestamp(rfc3339: "2026-03-02T08:15:00-07:00")!, by: "ana",
                           action: .handOver(firearm: "colt-1", to: "ben", scene: "12A"))
    static let entry = LogEntry(index: 7, step: step,
                                decision: Decision(outcome: .refused, rules: [.fa2, .scene1], message: "no show-clear"))
    static let received = LogEntry(index: 7, step: step,
                                   decision: Decision(outcome: .refused, rules: [.fa2, .scene1], message: "no show-clear"),
                                   receipt: .init(received: "2026-03-02T08:15:02-07:00", via: .pin))
    static let recorded = LogEntry(index: 7, step: step,
                                   decision: Decision(outcome: .refused, rules: [.fa2, .scene1], message: "no show-clear"),
                                   receipt: .init(received: "2026-03-02T08:15:02-07:00", via: .password, recorder: "ana",
                                                  session: "0123456789abcdef", key: "k-7"))
    static let version2 = LogEntry(index: 7, kind: .step, at: step.at.text, by: "ana", body: step.json.compactText, outcome: .refused,
                                   rules: [.fa2, .scene1], message: "no show-clear",
                                   receipt: .init(received: "2026-03-02T08:15:02-07:00", via: .pin), version: 2)
    static let version1 = LogEntry(index: 7, kind: .step, at: step.at.text, by: "ana", body: step.json.compactText, outcome: .refused,
                                   rules: [.fa2, .scene1], message: "no show-clear", protocolRevision: 1)

    /// Version 3 (today's): `received` and `via` after `at`, then `recorder`, `session` and
    /// `key`, each empty when there is none.
    @Test(arguments: [(entry, ["", "", "", "", ""]), (received, ["2026-03-02T08:15:02-07:00", "pin", "", "", ""]),
                      (recorded, ["2026-03-02T08:15:02-07:00", "password", "ana", "0123456789abcdef", "k-7"])])
    func anEntryEncodesAsDocumented(entry: LogEntry, receipt: [String]) throws {
        var expected = Array("armory-entry/v3\n".utf8) + [0, 0, 0, 0, 0, 0, 0, 7]
        func str(_ s: String) { expected += [0, 0, UInt8(s.utf8.count >> 8), UInt8(s.utf8.count & 0xFF)] + Array(s.utf8) }
        str("step")
        str("2026-03-02T08:15:00-07:00")
        for field in receipt { str(field) }
        str("ana")
        str(#"{"at":"2026-03-02T08:15:00-07:00","by":"ana","do":"hand_over","firearm":"colt-1","to":"ben","scene":"12A"}"#)
        str("refused")
        expected += [0, 2]
        str("FA-2")
        str("SCENE-1")
        str("no show-clear")
        #expect(entry.encoded() == expected)
        #expect(try LogEntry(decoding: expected) == entry)
    }

    /// Version 2, as entries were written before recorders were kept: still read, decided by revision 2.
    @Test func aVersion2EntryEncodesAsDocumented() throws {
        var expected = Array("armory-entry/v2\n".utf8) + [0, 0, 0, 0, 0, 0, 0, 7]
        func str(_ s: String) { expected += [0, 0, UInt8(s.utf8.count >> 8), UInt8(s.utf8.count & 0xFF)] + Array(s.utf8) }
        str("step")
        str("2026-03-02T08:15:00-07:00")
        str("2026-03-02T08:15:02-07:00")
        str("pin")
        str("ana")
        str(#"{"at":"2026-03-02T08:15:00-07:00","by":"ana","do":"hand_over","firearm":"colt-1","to":"ben","scene":"12A"}"#)
        str("refused")
        expected += [0, 2]
        str("FA-2")
        str("SCENE-1")
        str("no show-clear")
        #expect(Self.version2.encoded() == expected)
        let decoded = try LogEntry(decoding: expected)
        #expect(decoded == Self.version2 && decoded.version == 2 && decoded.protocolRevision == 2 && decoded.receipt?.recorder == nil)
    }

    /// A recorder, session or key with no receipt's time is not an entry any server wrote.
    @Test func aRecorderWithoutAReceiptIsRejected() {
        var bytes = Array("armory-entry/v3\n".utf8) + [0, 0, 0, 0, 0, 0, 0, 7]
        func str(_ s: String) { bytes += [0, 0, UInt8(s.utf8.count >> 8), UInt8(s.utf8.count & 0xFF)] + Array(s.utf8) }
        for f in ["step", "2026-03-02T08:15:00-07:00", "", "", "ana", "", "", "ana",
                  #"{"at":"2026-03-02T08:15:00-07:00","by":"ana","do":"hand_over","firearm":"colt-1","to":"ben","scene":"12A"}"#, "ok"] { str(f) }
        bytes += [0, 0]
        str("m")
        #expect(throws: EntryFormatError.self) { try LogEntry(decoding: bytes) }
    }

    /// Version 1, as every entry was written before receipts: still read, and decided by revision 1.
    @Test func aVersion1EntryEncodesAsDocumented() throws {
        let bytes = Self.version1.encoded()
        var expected = Array("armory-entry/v1\n".utf8) + [0, 0, 0, 0, 0, 0, 0, 7]
        func str(_ s: String) { expected += [0, 0, UInt8(s.utf8.count >> 8), UInt8(s.utf8.count & 0xFF)] + Array(s.utf8) }
        str("step")
        str("2026-03-02T08:15:00-07:00")
        str("ana")
        str(#"{"at":"2026-03-02T08:15:00-07:00","by":"ana","do":"hand_over","firearm":"colt-1","to":"ben","scene":"12A"}"#)
        str("refused")
        expected += [0, 2]
        str("FA-2")
        str("SCENE-1")
        str("no show-clear")
        #expect(bytes == expected)
        let decoded = try LogEntry(decoding: expected)
        #expect(decoded == Self.version1 && decoded.protocolRevision == 1 && decoded.receipt == nil)
    }

    @Test func aReceiptWithoutItsTimeIsRejected() {
        var e = Self.received
        e.receipt = .init(received: "", via: .password)
        #expect(throws: EntryFormatError.self) { try LogEntry(decoding: e.encoded()) }
    }

    @Test func decodingGivesTheSameEntry() throws {
        #expect(try LogEntry(decoding: Self.entry.encoded()) == Self.entry)
        let anonymous = LogEntry(index: 3, step: Step(at: Timestamp(rfc3339: "2026-03-02T09:00:00Z")!, by: nil,
                                                      action: .reportConcern(text: "box open\n\"again\"", scene: nil)),
                                 decision: Decision(outcome: .alarm, rules: [.concern1], message: "concern"))
        let again = try LogEntry(decoding: anonymous.encoded())
        #expect(again == anonymous && again.by == nil)
    }

    @Test(arguments: [entry, received, recorded, version2, version1])
    func everyTruncationIsRejected(entry: LogEntry) {
        let bytes = entry.encoded()
        for n in 0..<bytes.count {
            #expect(throws: EntryFormatError.self) { try LogEntry(decoding: Array(bytes.prefix(n))) }
        }
    }

    @Test func trailingBytesAreRejected() {
        #expect(throws: EntryFormatError.self) { try LogEntry(decoding: Self.entry.encoded() + [0]) }
    }

    @Test func unsortedOrUnknownRulesAreRejected() {
        var unsorted = Self.entry
        unsorted.rules = [.scene1, .fa2]
        #expect(throws: EntryFormatError.self) { try LogEntry(decoding: unsorted.encoded()) }
        let bytes = Self.entry.encoded()
        let text = String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: "FA-2", with: "FA-9")
        #expect(throws: EntryFormatError.self) { try LogEntry(decoding: Array(text.utf8)) }
    }

    @Test func aChangedMagicIsRejected() {
        for (entry, other) in [(Self.entry, "1"), (Self.entry, "2"), (Self.version1, "2"), (Self.version1, "3"), (Self.version2, "3"),
                               (Self.version2, "1"), (Self.entry, "4")] {
            var bytes = entry.encoded()
            bytes[14] = Array(other.utf8)[0]
            #expect(throws: EntryFormatError.self) { try LogEntry(decoding: bytes) }
        }
    }
}

