import ArmoryCore
import Testing

@testable import ArmoryPages

/// The tablet's forms cover every action of SCENARIOS.md with exactly its fields, and a
/// filled-in form becomes the step the engine's own decoder accepts.
struct ActionFormTests {
    @Test func everyActionHasAFormWithExactlyItsFields() {
        #expect(Set(ActionForm.all.map(\.name)) == Set(Action.names))
        for form in ActionForm.all {
            // `by`, who did it when not the person signed in, is a field of every step (RecordingForOthers).
            #expect(form.fields.map(\.name).filter { $0 != "by" } == Step.fields[form.name], "\(form.name)")
        }
        for name in ActionForm.firearmActions + ActionForm.lotActions + ActionForm.generalActions {
            #expect(ActionForm.named(name) != nil, "\(name)")
        }
    }

    @Test func aFilledFormIsTheStepItDescribes() throws {
        let at: JSON = .string("2026-04-14T07:30:00-06:00"), by: JSON = .string("tom")
        func step(_ name: String, _ form: [(String, String)]) throws -> Step {
            guard case var .object(m) = ActionForm.named(name)!.json(from: form) else { throw CancellationError() }
            m.insert(("by", by), at: 0)
            m.insert(("at", at), at: 0)
            return try Step(json: .object(m))
        }
        let meeting = try step("safety_meeting", [("scene", " 31 "), ("attendees", "rosa"), ("attendees", "tom"), ("blanks", "on")])
        #expect(meeting.action == .safetyMeeting(scene: "31", attendees: ["rosa", "tom"], blanks: true))
        let load = try step("load", [("firearm", "win-73"), ("lot", "DUM-44"), ("rounds", "8"), ("scene", "31")])
        #expect(load.action == .load(firearm: "win-73", lot: "DUM-44", rounds: 8, scene: "31", rehearsal: false))
        let fire = try step("fire", [("firearm", "colt-2"), ("scene", "32"), ("rounds", "3"), ("result", "blank"), ("shooter", ""),
                                     ("nearest_person_ft", "25.5")])
        #expect(fire.action == .fire(firearm: "colt-2", scene: "32", rounds: 3, result: .blank, shooter: nil, rehearsal: false, nearestPersonFeet: 25.5))
        let store = try step("store", [("firearm", "colt-2")])
        #expect(store.action == .store(firearm: "colt-2", locked: false), "an unticked box is false, not missing")
        // A missing or malformed number is the decoder's clear error, naming the field.
        #expect(throws: StepFormatError.self) { try step("load", [("firearm", "win-73"), ("lot", "DUM-44"), ("rounds", "eight"), ("scene", "31")]) }
        do {
            _ = try step("reconcile", [("lot", "DUM-44")])
            Issue.record("a count is required")
        } catch let e as StepFormatError {
            #expect(e.field == "counted")
        }
    }
}
