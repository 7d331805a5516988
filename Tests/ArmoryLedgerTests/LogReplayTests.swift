import ArmoryCore
import ArmoryLedger
import Testing

/// Reading a log back re-decides every step: a recorded decision that the protocol does
/// not give, a missing or repeated entry, or a header out of place is caught.
struct LogReplayTests {
    static let header = ProductionHeader(title: "Dry Creek", timezone: "America/Denver", people: [
        Person(id: "ana", name: "Ana Ortiz", roles: [.armorer]),
        Person(id: "dee", name: "Dee Park", roles: [.firstAD]),
    ])

    static func log(_ actions: [(String, Action)]) -> [[UInt8]] {
        var state = header.initialState
        var entries = [LogEntry(index: 0, kind: .production, at: "2026-03-02T06:00:00-07:00", by: nil,
                                body: header.json.compactText, message: "production opened").encoded()]
        var clock: Int64 = 1_772_456_400
        for (by, action) in actions {
            clock += 60
            let step = Step(at: Timestamp(seconds: clock, offsetMinutes: -420), by: by, action: action)
            let d = try! state.apply(step)
            entries.append(LogEntry(index: UInt64(entries.count), step: step, decision: d).encoded())
        }
        return entries
    }

    static let day = log([
        ("ana", .receiveFirearm(firearm: "colt-1", serial: "S1", make: "Colt", model: "SAA", from: nil)),
        ("dee", .declare(firearm: "colt-1", state: .cold)),
        ("ana", .inspectFirearm(firearm: "colt-1", result: .clear)),
    ])

    @Test func aFaithfulLogReplays() throws {
        let replay = try LogReplay(entryBytes: Self.day)
        #expect(replay.entries.count == 4)
        #expect(replay.entries[2].entry.outcome == .refused && replay.entries[2].entry.rules == [.fa1, .fa4])
        #expect(replay.finalState.firearm("colt-1")?.unknown == false)
    }

    @Test func aRecordedDecisionTheProtocolDoesNotGiveIsCaught() throws {
        var entries = Self.day
        var forged = try LogEntry(decoding: entries[2])
        forged.outcome = .ok
        forged.rules = []
        entries[2] = forged.encoded()
        #expect(throws: LogReplayError(index: 2, message: "recorded ok [] but the protocol decides refused [\"FA-1\", \"FA-4\"]")) {
            try LogReplay(entryBytes: entries)
        }
    }

    @Test func aMissingEntryIsCaught() {
        var entries = Self.day
        entries.remove(at: 1)
        #expect(throws: LogReplayError.self) { try LogReplay(entryBytes: entries) }
    }

    @Test func aRepeatedEntryIsCaught() {
        #expect(throws: LogReplayError.self) { try LogReplay(entryBytes: Self.day + [Self.day[3]]) }
    }

    @Test func aReorderedLogIsCaught() {
        var entries = Self.day
        entries.swapAt(2, 3)
        #expect(throws: LogReplayError.self) { try LogReplay(entryBytes: entries) }
    }

    @Test func aLogWithoutItsHeaderIsCaught() {
        #expect(throws: LogReplayError.self) { try LogReplay(entryBytes: Array(Self.day.dropFirst())) }
        #expect(throws: LogReplayError.self) { try LogReplay(entryBytes: []) }
    }
}
