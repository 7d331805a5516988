import ArmoryCore
import ArmoryLedger
import Testing

/// The canonical entry bytes of docs/FORMAT.md: the Merkle leaves of every production.
struct EntryEncodingTests {
    static let step = Step(at: Timestamp(rfc3339: "2026-03-02T08:15:00-07:00")!, by: "ana",
                           action: .handOver(firearm: "colt-1", to: "ben", scene: "12A"))
    static let entry = LogEntry(index: 7, step: step,
                                decision: Decision(outcome: .refused, rules: [.fa2, .scene1], message: "no show-clear"))

    @Test func anEntryEncodesAsDocumented() {
        let bytes = Self.entry.encoded()
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
    }

    @Test func decodingGivesTheSameEntry() throws {
        #expect(try LogEntry(decoding: Self.entry.encoded()) == Self.entry)
        let anonymous = LogEntry(index: 3, step: Step(at: Timestamp(rfc3339: "2026-03-02T09:00:00Z")!, by: nil,
                                                      action: .reportConcern(text: "box open\n\"again\"", scene: nil)),
                                 decision: Decision(outcome: .alarm, rules: [.concern1], message: "concern"))
        let again = try LogEntry(decoding: anonymous.encoded())
        #expect(again == anonymous && again.by == nil)
    }

    @Test func everyTruncationIsRejected() {
        let bytes = Self.entry.encoded()
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
        var bytes = Self.entry.encoded()
        bytes[14] = UInt8(ascii: "2")
        #expect(throws: EntryFormatError.self) { try LogEntry(decoding: bytes) }
    }
}

