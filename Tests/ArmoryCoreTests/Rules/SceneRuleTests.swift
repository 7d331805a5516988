import ArmoryCore
import Testing

/// SCENE-1 (a safety meeting comes first), SCENE-2 (safe distance from blanks) and
/// SCENE-3 (rehearsals are cold).
struct SceneRuleTests {
    // MARK: - SCENE-1: A safety meeting comes first

    // SCENE-1 followed / Roles: "A safety_meeting is held by the armorer or the first AD"
    @Test func aMeetingHeldByTheFirstADWithTheArmorerPresentIsAccepted() {
        var day = Day()
        day.ok("dee", A.meeting("1", attendees: ["ana", "ben"], blanks: true))
        #expect(day.state.meetings["1"] == true)
    }

    // Roles: "A safety_meeting is held by the armorer or the first AD"
    @Test func aMeetingHeldByTheArmorerWithTheFirstADPresentIsAccepted() {
        var day = Day()
        day.ok("ana", A.meeting("1", attendees: ["dee", "ben"], blanks: false))
        #expect(day.state.meetings["1"] == false)
    }

    // SCENE-1: "A safety_meeting whose by and attendees together do not include a person who may act as armorer ... is refused"
    @Test func aMeetingWithoutTheArmorerIsRefused() {
        var day = Day()
        day.refuse("dee", A.meeting("1", attendees: ["ben", "cy"]), [.scene1])
        #expect(day.state.meetings["1"] == nil)
    }

    // SCENE-1: "... and a first AD is refused, citing SCENE-1"
    @Test func aMeetingWithoutAFirstADIsRefused() {
        var day = Day()
        day.refuse("ana", A.meeting("1", attendees: ["ben", "kim"]), [.scene1])
    }

    // SCENE-1: "a person who may act as armorer (ROLE-1)": a dual-hatted armorer does not count
    @Test func aDualHattedArmorerDoesNotCountAsTheArmorerAtAMeeting() {
        var day = Day()
        day.refuse("dee", A.meeting("1", attendees: ["duo", "ben"]), [.scene1])
        day.refuse("dee", A.meeting("1", attendees: ["ace", "ben"]), [.scene1])
    }

    // Roles: the first AD holds the meeting — a first AD who is also crew is still a first AD
    @Test func aFirstADWhoIsAlsoCrewHoldsAMeeting() {
        var day = Day()
        day.ok("fay", A.meeting("1", attendees: ["ana", "ben"]))
    }

    // "Where a step breaks several rules, it cites them all": the wrong holder (ROLE-2) and no armorer or first AD (SCENE-1)
    @Test func aMeetingHeldByCrewWithNeitherArmorerNorFirstADCitesBoth() {
        var day = Day()
        day.refuse("cy", A.meeting("1", attendees: ["ben", "kim"]), [.role2, .scene1])
    }

    // SCENE-1: "No firearm is loaded for ... a scene until the armorer and first AD have held that scene's safety meeting"
    @Test func noFirearmIsLoadedForASceneWithoutItsMeeting() {
        var day = Day()
        day.firearm()
        day.lot("D1")
        day.refuse("ana", A.load(lot: "D1", rounds: 6, scene: "1"), [.scene1])
        day.meeting("1")
        day.ok("ana", A.load(lot: "D1", rounds: 6, scene: "1"))
    }

    // SCENE-1: "No firearm is ... handed to talent for, a scene until ... that scene's safety meeting"
    @Test func noFirearmIsHandedToTalentForASceneWithoutItsMeeting() {
        var day = Day()
        day.ready()
        day.ok("ana", A.load(lot: "D1", rounds: 6, scene: "1"))
        day.ok("ana", A.showClear())
        day.refuse("ana", A.handOver(to: "ben", scene: "7"), [.scene1])
    }

    // SCENE-1: a meeting for one scene does not cover another
    @Test func aMeetingCoversOnlyItsOwnScene() {
        var day = Day()
        day.firearm()
        day.lot("D1")
        day.meeting("1")
        day.refuse("ana", A.load(lot: "D1", rounds: 6, scene: "1B"), [.scene1])
    }

    // SCENE-1: only an accepted meeting counts
    @Test func aRefusedMeetingDoesNotCount() {
        var day = Day()
        day.firearm()
        day.lot("D1")
        day.refuse("dee", A.meeting("1", attendees: ["ben"]), [.scene1])
        day.refuse("ana", A.load(lot: "D1", rounds: 6, scene: "1"), [.scene1])
    }

    // SCENE-1: "A meeting holds until the next wrap"
    @Test func aMeetingHoldsUntilTheNextWrap() {
        var day = Day()
        day.ready()
        day.ok("ana", A.load(lot: "D1", rounds: 6, scene: "1"))
        day.ok("ana", A.unload(lot: "D1", rounds: 6))
        day.ok("ana", A.load(lot: "D1", rounds: 6, scene: "1"), after: 240)
        day.ok("ana", A.unload(lot: "D1", rounds: 6))
        day.step("dee", A.wrap)
        #expect(day.state.meetings.isEmpty)
        day.refuse("ana", A.load(lot: "D1", rounds: 6, scene: "1"), [.scene1], after: 600)
        day.meeting("1")
        day.ok("ana", A.load(lot: "D1", rounds: 6, scene: "1"))
    }

    // MARK: - SCENE-2: Safe distance from blanks

    // SCENE-2: "A blank fired while anyone is nearer than blank_safe_distance_ft feet (default 20) to the muzzle line raises an alarm"
    @Test func aBlankFiredWithSomeoneTwelveFeetAwayRaisesAnAlarm() {
        var day = Day()
        day.withTalent(lot: "B1", rounds: 2, scene: "2")
        day.alarm("ana", A.fire("colt-1", scene: "2", rounds: 1, .blank, shooter: "ben", nearest: 12), [.scene2])
        #expect(!day.gun().frozen)
    }

    // SCENE-2: "nearer than" 20 feet: exactly 20 is not nearer
    @Test func exactlyTwentyFeetIsASafeDistance() {
        var day = Day()
        day.withTalent(lot: "B1", rounds: 2, scene: "2")
        day.ok("ana", A.fire("colt-1", scene: "2", rounds: 1, .blank, shooter: "ben", nearest: 20))
        day.alarm("ana", A.fire("colt-1", scene: "2", rounds: 1, .blank, shooter: "ben", nearest: 19.5), [.scene2])
    }

    // SCENARIOS.md: "without nearest_person_ft there is no SCENE-2 check"
    @Test func withoutANearestDistanceThereIsNoSCENE2Check() {
        var day = Day()
        day.withTalent(lot: "B1", rounds: 2, scene: "2")
        day.ok("ana", A.fire("colt-1", scene: "2", rounds: 2, .blank, shooter: "ben"))
    }

    // PROTOCOL: "policy values tighten the rule": a 30-foot policy alarms at 25 and is quiet at 30
    @Test func aPolicyMayWidenTheSafeDistance() {
        var day = Day(policy: Policy(showClearWindowMinutes: 10, blankSafeDistanceFeet: 30))
        day.withTalent(lot: "B1", rounds: 2, scene: "2")
        day.alarm("ana", A.fire("colt-1", scene: "2", rounds: 1, .blank, shooter: "ben", nearest: 25), [.scene2])
        day.ok("ana", A.fire("colt-1", scene: "2", rounds: 1, .blank, shooter: "ben", nearest: 30))
    }

    // SCENE-2 is about "A blank fired": a click fires nothing
    @Test func aClickWithSomeoneNearIsNotABlankFired() {
        var day = Day()
        day.withTalent(lot: "B1", rounds: 2, scene: "2")
        day.ok("ana", A.fire("colt-1", scene: "2", rounds: 1, .click, shooter: "ben", nearest: 2))
    }

    // "Where a step breaks several rules, it cites them all": a blank in a rehearsal near someone
    @Test func aBlankInARehearsalNearSomeoneCitesFA7SCENE2AndSCENE3() {
        var day = Day()
        day.withTalent(lot: "B1", rounds: 2, scene: "2")
        day.alarm("ana", A.fire("colt-1", scene: "2", rounds: 1, .blank, shooter: "ben", rehearsal: true, nearest: 5),
                  [.fa7, .scene2, .scene3])
    }

    // MARK: - SCENE-3: Rehearsals are cold

    // SCENE-3: "loading blanks or live rounds for a rehearsal is refused" (AMMO-1 as well for the live lot)
    @Test func liveRoundsAreNeverLoadedForARehearsal() {
        var day = Day()
        day.ready()
        day.alarm("ana", A.receiveAmmo("L1", .live, count: 6), [.ammo1])
        day.refuse("ana", A.load(lot: "L1", rounds: 1, scene: "1", rehearsal: true), [.ammo1, .scene3])
    }

    // SCENE-3 (with AMMO-3): "loading blanks ... for a rehearsal is refused"
    @Test func blanksAreNeverLoadedForARehearsal() {
        var day = Day()
        day.ready()
        day.refuse("ana", A.load(lot: "B1", rounds: 2, scene: "2", rehearsal: true), [.ammo3, .scene3])
    }

    // Precise "Rehearsals": "A load for a rehearsal ... into a firearm that already holds a blank or live round, is refused"
    @Test func aRehearsalLoadIntoAFirearmAlreadyHoldingBlanksIsRefused() {
        var day = Day()
        day.ready()
        day.ok("ana", A.load(lot: "B1", rounds: 2, scene: "2"))
        day.refuse("ana", A.load(lot: "D1", rounds: 1, scene: "1", rehearsal: true), [.scene3])
    }

    // SCENE-3 followed: dummies into a firearm holding only dummies, for a rehearsal (clean-day, step 7)
    @Test func aRehearsalLoadOfDummiesIntoAFirearmHoldingDummiesIsFine() {
        var day = Day()
        day.ready()
        day.ok("ana", A.load(lot: "D1", rounds: 3, scene: "1", rehearsal: true))
        day.ok("ana", A.load(lot: "D1", rounds: 3, scene: "1", rehearsal: true))
        #expect(day.rounds() == ["D1:6"])
    }

    // SCENE-3 is about rehearsals: a take may add blanks to a firearm that already holds some
    @Test func aTakeLoadIntoAFirearmHoldingBlanksIsFine() {
        var day = Day()
        day.ready()
        day.ok("ana", A.load(lot: "B1", rounds: 2, scene: "2"))
        day.ok("ana", A.load(lot: "B1", rounds: 2, scene: "2"))
        #expect(day.rounds() == ["B1:4"])
    }

    // Precise "Rounds": dummies of a lot found to hold a live round count as live: a rehearsal load beside them is refused
    @Test func aRehearsalLoadBesideDummiesOfALotFoundLiveIsRefused() {
        var day = Day()
        day.ready()
        day.lot("D2", .dummy)
        day.ok("ana", A.load(lot: "D1", rounds: 3, scene: "1"))
        day.alarm("ana", A.inspectLot("D1", inspected: 9, live: 1), [.ammo1])
        day.ok("ana", A.inspect("colt-1", .clear))
        day.refuse("ana", A.load(lot: "D2", rounds: 1, scene: "1", rehearsal: true), [.scene3])
    }

    // SCENE-3: "a discharge in one raises the FA-7 alarm as well"
    @Test func aBlankInARehearsalRaisesFA7AndSCENE3() {
        var day = Day()
        day.withTalent(lot: "B1", rounds: 2, scene: "2")
        day.alarm("ana", A.fire("colt-1", scene: "2", rounds: 1, .blank, shooter: "ben", rehearsal: true), [.fa7, .scene3])
        #expect(day.gun().frozen)
    }

    // SCENE-3 with FA-7 and FA-8: a misfire in a rehearsal
    @Test func aMisfireInARehearsalRaisesFA7FA8AndSCENE3() {
        var day = Day()
        day.withTalent(lot: "B1", rounds: 2, scene: "2")
        day.alarm("ana", A.fire("colt-1", scene: "2", rounds: 1, .misfire, shooter: "ben", rehearsal: true), [.fa7, .fa8, .scene3])
    }

    // Precise "Rehearsals": "a click in a rehearsal while the firearm holds a blank or live round, raises an alarm" — not a discharge, so no FA-7
    @Test func aClickInARehearsalWhileHoldingBlanksRaisesSCENE3Only() {
        var day = Day()
        day.withTalent(lot: "B1", rounds: 2, scene: "2")
        day.alarm("ana", A.fire("colt-1", scene: "2", rounds: 1, .click, shooter: "ben", rehearsal: true), [.scene3])
        #expect(!day.gun().frozen)
        #expect(day.rounds() == ["B1:2"])
    }

    // SCENE-3 followed: a click in a rehearsal with dummies (clean-day, step 11)
    @Test func aClickInARehearsalWithDummiesIsQuiet() {
        var day = Day()
        day.withTalent()
        day.ok("ana", A.fire("colt-1", scene: "1", rounds: 1, .click, shooter: "ben", rehearsal: true))
    }

    // SCENE-3 is about rehearsals: a click in a take holding blanks is quiet
    @Test func aClickInATakeWhileHoldingBlanksIsQuiet() {
        var day = Day()
        day.withTalent(lot: "B1", rounds: 2, scene: "2")
        day.ok("ana", A.fire("colt-1", scene: "2", rounds: 1, .click, shooter: "ben"))
    }

    // Precise "Rehearsals": "a click in a rehearsal while the firearm holds a blank or live round" — dummies of a lot found live count as live
    @Test func aClickInARehearsalHoldingDummiesOfALotFoundLiveRaisesSCENE3() {
        var day = Day()
        day.withTalent()
        day.alarm("ana", A.inspectLot("D1", inspected: 6, live: 1), [.ammo1])
        day.alarm("ana", A.fire("colt-1", scene: "1", rounds: 1, .click, shooter: "ben", rehearsal: true), [.scene3])
    }
}
