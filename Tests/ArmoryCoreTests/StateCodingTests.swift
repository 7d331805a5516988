@testable import ArmoryCore
import Testing

/// A production's state written whole and read back (`ProductionState.encoded`): at many
/// points of many generated productions it reads back equal, writes the same bytes again,
/// and the rest of the production decided from it is decided exactly as from the original.
struct StateCodingTests {
    /// Decides `steps` from `state`: each decision (outcome, rules, message) and the state after.
    static func decide(_ steps: ArraySlice<Step>, from state: ProductionState, numberedFrom first: Int) -> ([String], ProductionState) {
        var state = state
        var out: [String] = []
        for (k, step) in steps.enumerated() {
            do {
                let d = try state.apply(step, number: first + k)
                out.append("\(d.outcome.rawValue) \(d.rules.map(\.rawValue)) \(d.message)")
            } catch {
                out.append("invalid: \(error.message)")
            }
        }
        return (out, state)
    }

    @discardableResult
    static func check(_ steps: [Step], start: ProductionState, every: Int) throws -> ProductionState {
        var state = start
        for (k, step) in steps.enumerated() {
            if k % every == 0 || k == steps.count - 1 {
                let bytes = state.encoded
                let back = try ProductionState(encoded: bytes)
                #expect(back == state, "state after \(k) steps does not read back equal")
                #expect(back.encoded == bytes, "state after \(k) steps does not write the same bytes again")
                if k % (every * 4) == 0 {
                    let rest = steps[k...]
                    let (expected, expectedEnd) = decide(rest, from: state, numberedFrom: k + 1)
                    let (got, gotEnd) = decide(rest, from: back, numberedFrom: k + 1)
                    #expect(got == expected, "decisions after \(k) steps differ")
                    #expect(gotEnd == expectedEnd)
                }
            }
            _ = try? state.apply(step, number: k + 1)
        }
        return state
    }

    @Test(arguments: 0..<12)
    func chaoticProductionsReadBackAtEveryPoint(_ seed: Int) throws {
        try Self.check(ScenarioGenerator(seed: UInt64(seed)).chaos(count: 400), start: ScenarioGenerator.chaosStart, every: 7)
    }

    @Test func aLongChaoticProductionReadsBack() throws {
        // Long enough that the recent-changes journal has been trimmed.
        let end = try Self.check(ScenarioGenerator(seed: 99).chaos(count: 12_000), start: ScenarioGenerator.chaosStart, every: 1_000)
        #expect(end.journalTrimmedThrough > 0)
    }

    @Test func cleanDaysReadBack() throws {
        try Self.check(ScenarioGenerator(seed: 3).cleanDays(0..<6), start: ScenarioGenerator.chaosStart, every: 11)
    }

    /// Equality covers every field the encoding writes: two states that differ in any one
    /// of them are unequal.
    @Test func equalityCoversTheStepCountAndTheJournal() throws {
        var a = ScenarioGenerator.chaosStart
        let steps = ScenarioGenerator(seed: 5).chaos(count: 51)
        for (k, s) in steps.prefix(50).enumerated() { _ = try? a.apply(s, number: k + 1) }
        var b = a
        #expect(a == b)
        _ = try b.apply(steps[50], number: 51)
        #expect(b.stepCount == a.stepCount + 1)
        #expect(a != b)
        #expect(try ProductionState(encoded: a.encoded) != b)
    }

    /// Firearms, lots and people are numbered in the order first named, and read as by id:
    /// a firearm whose receipt was refused is named (in the order) but holds nothing.
    @Test func idsAreNumberedInTheOrderFirstNamed() throws {
        var state = ProductionState(people: ScenarioGenerator.people)
        let at = Timestamp(seconds: 1_772_460_000, offsetMinutes: 0)
        _ = try state.apply(Step(at: at, by: "ana", action: .receiveFirearm(firearm: "colt-2", serial: "2", make: "Colt", model: "SAA", from: nil)))
        // Refused: Ben is not the armorer; the firearm becomes known, never accepted.
        let refused = try state.apply(Step(at: at, by: "ben", action: .receiveFirearm(firearm: "colt-1", serial: "1", make: "Colt", model: "SAA", from: nil)))
        #expect(refused.outcome == .refused)
        _ = try state.apply(Step(at: at, by: "ana", action: .receiveAmmo(lot: "D1", kind: .dummy, count: 6, source: nil, caliber: nil)))
        #expect(state.firearmOrder == ["colt-2", "colt-1"])
        #expect(state.firearms.keys == ["colt-2"] && state.firearms.count == 1)
        #expect(state.firearms["colt-1"] == nil && state.firearms["colt-2"]?.serial == "2")
        #expect(state.unacceptedFirearms == ["colt-1"])
        #expect(state.firearms.number(of: "colt-1") == 1)
        #expect(state.lots.map(\.key) == ["D1"] && state.lotOrder == ["D1"] && state.lotsTouchedSinceWrap == ["D1"])
        #expect(state.personOrder == ScenarioGenerator.people.map(\.id))
        #expect(state.people.map(\.value.id) == state.personOrder)
        #expect(state.firearmRevisions == ["colt-2": 1] && state.lotRevisions == ["D1": 2])
        // Read back, the ids have the same numbers.
        let back = try ProductionState(encoded: state.encoded)
        #expect(back == state)
        #expect(back.firearms.number(of: "colt-1") == 1 && back.lots.number(of: "D1") == 0)
    }

    @Test func malformedEncodingsAreRefused() throws {
        var state = ScenarioGenerator.chaosStart
        for (k, s) in ScenarioGenerator(seed: 8).chaos(count: 200).enumerated() { _ = try? state.apply(s, number: k + 1) }
        let text = String(decoding: state.encoded, as: UTF8.self)
        let broken = [
            "", "{}", "[]", "null", String(text.dropLast()), String(text.prefix(text.count / 2)), " " + text, text + "\n",
            text.replacingFirst("\"step_count\":", with: "\"step_count\": "),
            text.replacingFirst("\"version\":1", with: "\"version\":2"),
            text.replacingFirst("\"step_count\"", with: "\"steps\""),
            text.replacingFirst("{\"version\":1,", with: "{\"extra\":0,\"version\":1,"),
            text.replacingFirst("\"revision\":", with: "\"revision\":1.5,\"x\":"),
            text.replacingFirst("\"on_crew\":true", with: "\"on_crew\":\"yes\""),
            text.replacingFirst("\"kind\":\"blank\"", with: "\"kind\":\"grenade\""),
            text.replacingFirst("\"lot_order\":[\"", with: "\"lot_order\":[\"nowhere\",\""),
            text.replacingFirst("\"presence\":[\"held\"", with: "\"presence\":[\"floating\""),
            // Revisions and the change journal name only firearms and lots the state knows.
            text.replacingFirst("\"firearm_revisions\":[", with: "\"firearm_revisions\":[[\"aaa-nowhere\",1],"),
            text.replacingFirst("\"lot_revisions\":[", with: "\"lot_revisions\":[[\"AAA-nowhere\",1],"),
            text.replacingFirst("\"recent_changes\":[", with: "\"recent_changes\":[[1,false,\"nowhere\"],"),
            text.replacingFirst("\"recent_changes\":[", with: "\"recent_changes\":[[1,true,\"nowhere\"],"),
        ]
        for b in broken where b != text {
            #expect(throws: StateCodingError.self, "\(b.prefix(80))") { try ProductionState(encoded: Array(b.utf8)) }
        }
        // Too many bytes are refused before reading.
        #expect(throws: StateCodingError.self) {
            try ProductionState(encoded: [UInt8](repeating: 0x20, count: ProductionState.maximumEncodedBytes + 1))
        }
    }
}

extension String {
    func replacingFirst(_ target: String, with replacement: String) -> String {
        guard let r = firstRange(of: target) else { return self }
        var s = self
        s.replaceSubrange(r, with: replacement)
        return s
    }
}
