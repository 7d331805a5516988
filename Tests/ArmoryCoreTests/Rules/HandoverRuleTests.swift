import ArmoryCore
import Testing

/// FA-2 (a show-clear to that talent and the first AD, in time, before every handover to
/// talent) and FA-3 (handovers go through the armorer).
struct HandoverRuleTests {
    /// `ready()` and colt-1 loaded with 6 dummies for scene 1: ana holds it, not yet shown clear.
    static func loaded(policy: Policy = .protocolDefault) -> Day {
        var day = Day(policy: policy)
        day.ready()
        day.ok("ana", A.load(lot: "D1", rounds: 6, scene: "1"))
        return day
    }

    // MARK: - FA-2: Show-clear before every handover to talent

    // FA-2 followed: "the armorer shows it clear ... to that talent and to the first AD together, in one show_clear"
    @Test func aShowClearToTheTalentAndFirstADTogetherCoversTheHandover() {
        var day = Self.loaded()
        day.ok("ana", A.showClear(to: ["ben", "dee"]))
        day.ok("ana", A.handOver(to: "ben", scene: "1"))
        #expect(day.gun().custodian == "ben")
    }

    // FA-2: "Before a firearm goes to talent, the armorer shows it clear"
    @Test func aHandoverToTalentWithoutAShowClearIsRefused() {
        var day = Self.loaded()
        day.refuse("ana", A.handOver(to: "ben", scene: "1"), [.fa2])
        #expect(day.gun().custodian == "ana")
    }

    // FA-2: shown "to that talent and to the first AD together"
    @Test func aShowClearWithoutTheFirstADDoesNotCount() {
        var day = Self.loaded()
        day.ok("ana", A.showClear(to: ["ben"]))
        day.refuse("ana", A.handOver(to: "ben", scene: "1"), [.fa2])
    }

    // FA-2: shown "to that talent"
    @Test func aShowClearWithoutTheTalentDoesNotCount() {
        var day = Self.loaded()
        day.ok("ana", A.showClear(to: ["dee"]))
        day.refuse("ana", A.handOver(to: "ben", scene: "1"), [.fa2])
    }

    // FA-2: "to that talent": a show-clear to ben does not cover a handover to kim
    @Test func aShowClearToOneTalentDoesNotCoverAHandoverToAnother() {
        var day = Self.loaded()
        day.ok("ana", A.showClear(to: ["ben", "dee"]))
        day.refuse("ana", A.handOver(to: "kim", scene: "1"), [.fa2])
        day.ok("ana", A.handOver(to: "ben", scene: "1"))
    }

    // FA-2: "together, in one show_clear" — two show-clears to each separately do not add up
    @Test func separateShowClearsToTalentAndFirstADDoNotAddUp() {
        var day = Self.loaded()
        day.ok("ana", A.showClear(to: ["ben"]))
        day.ok("ana", A.showClear(to: ["dee"]))
        day.refuse("ana", A.handOver(to: "ben", scene: "1"), [.fa2])
    }

    // FA-2: a show-clear witnessed by more people still covers the handover
    @Test func aShowClearToAWiderAudienceStillCounts() {
        var day = Self.loaded()
        day.ok("ana", A.showClear(to: ["ben", "kim", "dee", "cy"]))
        day.ok("ana", A.handOver(to: "ben", scene: "1"))
    }

    // FA-2: "the first AD" — a first AD who is also crew is a first AD
    @Test func aFirstADWhoIsAlsoCrewWitnessesTheShowClear() {
        var day = Self.loaded()
        day.ok("ana", A.showClear(to: ["ben", "fay"]))
        day.ok("ana", A.handOver(to: "ben", scene: "1"))
    }

    // Precise "Show-clear": "The window is inclusive (exactly show_clear_window_min minutes is in time)"
    @Test func aShowClearExactlyTenMinutesBeforeIsInTime() {
        var day = Self.loaded()
        day.ok("ana", A.showClear())
        day.ok("ana", A.handOver(to: "ben", scene: "1"), after: 10)
    }

    // FA-2: "within show_clear_window_min minutes (default 10)"
    @Test func aShowClearElevenMinutesBeforeIsTooLate() {
        var day = Self.loaded()
        day.ok("ana", A.showClear())
        day.refuse("ana", A.handOver(to: "ben", scene: "1"), [.fa2], after: 11)
    }

    // FA-2: the window is minutes, not whole minutes: thirty seconds over is too late
    @Test func aShowClearTenAndAHalfMinutesBeforeIsTooLate() {
        var day = Self.loaded()
        day.ok("ana", A.showClear())
        day.refuse("ana", A.handOver(to: "ben", scene: "1"), [.fa2], after: 10.5)
    }

    // PROTOCOL: "policy values tighten the rule": a 5-minute window refuses at 6 and allows at exactly 5
    @Test func aPolicyMayTightenTheShowClearWindow() {
        var day = Self.loaded(policy: Policy(showClearWindowMinutes: 5, blankSafeDistanceFeet: 20))
        day.ok("ana", A.showClear())
        day.refuse("ana", A.handOver(to: "ben", scene: "1"), [.fa2], after: 6)
        day.ok("ana", A.showClear())
        day.ok("ana", A.handOver(to: "ben", scene: "1"), after: 5)
    }

    // FA-2: "with no load or unload in between"
    @Test func aLoadBetweenShowClearAndHandoverVoidsIt() {
        var day = Self.loaded()
        day.ok("ana", A.showClear())
        day.ok("ana", A.load(lot: "D1", rounds: 1, scene: "1"))
        day.refuse("ana", A.handOver(to: "ben", scene: "1"), [.fa2])
    }

    // FA-2: "with no load or unload in between"
    @Test func anUnloadBetweenShowClearAndHandoverVoidsIt() {
        var day = Self.loaded()
        day.ok("ana", A.showClear())
        day.ok("ana", A.unload(lot: "D1", rounds: 1))
        day.refuse("ana", A.handOver(to: "ben", scene: "1"), [.fa2])
    }

    // Precise "Show-clear": covers the next handover "only if no custody change ... came between"
    @Test func aCustodyChangeBetweenShowClearAndHandoverVoidsIt() {
        var day = Self.loaded()
        day.ok("ana", A.showClear())
        day.ok("ana", A.handOver(to: "sam"))
        day.refuse("sam", A.handOver(to: "ben", scene: "1"), [.fa2])
        day.ok("sam", A.showClear())
        day.ok("sam", A.handOver(to: "ben", scene: "1"))
    }

    // Precise "Show-clear": "A show-clear covers one handover"
    @Test func aShowClearCoversOnlyTheNextHandover() {
        var day = Self.loaded()
        day.ok("ana", A.showClear())
        day.ok("ana", A.handOver(to: "ben", scene: "1"))
        day.ok("ben", A.handOver(to: "ana"))
        day.ok("ana", A.inspect("colt-1", .clear))
        day.refuse("ana", A.handOver(to: "ben", scene: "1"), [.fa2])
    }

    // PROTOCOL: a refused command "changes no state": a refused handover does not use up the show-clear
    @Test func aRefusedHandoverDoesNotUseUpTheShowClear() {
        var day = Self.loaded()
        day.ok("ana", A.showClear())
        day.refuse("ana", A.handOver(to: "ben", scene: "9"), [.scene1])
        day.ok("ana", A.handOver(to: "ben", scene: "1"))
    }

    // Precise "Show-clear": only a custody change, load or unload voids it — storing in between does not
    @Test func storingBetweenShowClearAndHandoverDoesNotVoidIt() {
        var day = Self.loaded()
        day.ok("ana", A.showClear())
        day.ok("ana", A.store())
        day.ok("ana", A.handOver(to: "ben", scene: "1"))
    }

    // FA-2: "or shows its dummies/blanks": a hot firearm is shown and handed over the same way
    @Test func aHotFirearmIsShownAndHandedOverLikeAnyOther() {
        var day = Day()
        day.ready()
        day.ok("ana", A.load(lot: "B1", rounds: 2, scene: "2"))
        day.ok("ana", A.declare("colt-1", .hot))
        day.ok("ana", A.showClear())
        day.ok("ana", A.handOver(to: "ben", scene: "2"))
    }

    // MARK: - FA-3: Handovers go through the armorer

    // FA-3: "Handing it to anyone who is neither talent nor the armorer is refused"
    @Test(arguments: ["dee", "pm", "pat", "sol", "cy", "fay"])
    func theArmorerMayNotHandAFirearmToSomeoneWhoIsNeitherTalentNorArmorer(_ to: String) {
        var day = Day()
        day.ready()
        day.refuse("ana", A.handOver(to: to), [.fa3])
        #expect(day.gun().custodian == "ana")
    }

    // FA-3: "The person handing over must be its current custodian"
    @Test func anArmorerWhoIsNotTheCustodianMayNotHandItToTalent() {
        var day = Self.loaded()
        day.ok("ana", A.showClear())
        day.refuse("sam", A.handOver(to: "ben", scene: "1"), [.fa3])
        day.ok("ana", A.handOver(to: "ben", scene: "1"))
    }

    // FA-3: "only the armorer hands a firearm to talent" (and the giver is not the custodian either)
    @Test func theFirstADMayNotHandAFirearmToTalent() {
        var day = Self.loaded()
        day.ok("ana", A.showClear())
        day.refuse("dee", A.handOver(to: "ben", scene: "1"), [.fa3])
    }

    // Precise "Handovers": "A hand_over to the firearm's own custodian is refused, citing FA-3"
    @Test func handingAFirearmToItsOwnCustodianIsRefused() {
        var day = Day()
        day.ready()
        day.refuse("ana", A.handOver(to: "ana"), [.fa3])
    }

    // FA-3: talent who does not hold the firearm cannot hand it over, not even to the armorer
    @Test func talentWhoDoesNotHoldTheFirearmCannotHandItBack() {
        var day = Day()
        day.ready()
        day.refuse("ben", A.handOver(to: "ana"), [.fa3])
    }

    // Precise "Who counts as the armorer": "Two armorers may hand a firearm to each other; its state is unchanged"
    @Test func twoArmorersMayHandAFirearmToEachOtherAndItsStateIsUnchanged() {
        var day = Self.loaded()
        day.ok("ana", A.declare("colt-1", .cold))
        day.ok("ana", A.handOver(to: "sam"))
        #expect(day.gun().custodian == "sam")
        #expect(!day.gun().unknown)
        #expect(day.gun().declared == .cold)
        #expect(day.rounds() == ["D1:6"])
        day.ok("sam", A.showClear())
        day.ok("sam", A.handOver(to: "ben", scene: "1"))
    }

    // "Where a step breaks several rules, it cites them all" (rust-1021, step 8): sorted
    @Test func aHandoverBreakingSeveralRulesCitesThemAllSorted() {
        var day = Day()
        day.ok("ana", A.receiveFirearm())
        day.refuse("dee", A.handOver(to: "ben", scene: "9"), [.fa2, .fa3, .fa4, .scene1])
        #expect(day.gun().custodian == "ana")
    }

    // FA-3 with FA-2: an armorer who is not the custodian handing talent's firearm to other talent
    @Test func theArmorerMayNotTakeAFirearmFromTalentToGiveToOtherTalent() {
        var day = Day()
        day.withTalent()
        day.refuse("ana", A.handOver(to: "kim", scene: "1"), [.fa2, .fa3])
        #expect(day.gun().custodian == "ben")
    }

    // ROLE-2: FA-3 is cited instead of ROLE-2 — crew who does not hold a firearm cannot hand it over, even to the armorer
    @Test func crewWhoDoesNotHoldTheFirearmCannotHandItOverCitingFA3NotROLE2() {
        var day = Day()
        day.ready()
        day.ok("ana", A.handOver(to: "sam"))
        day.refuse("cy", A.handOver(to: "ana"), [.fa3])
    }
}
