import ArmoryCore
import Testing

/// FA-7 (an unplanned discharge stops everything) and EVID-2 (the firearm and the lots
/// loaded into it are frozen as evidence until a producer or safety unfreezes them).
struct FreezeRuleTests {
    /// `ready()`, colt-1 loaded with 2 blanks for scene 2 in ana's hands, then frozen by a
    /// discharge cy reported.
    static func frozen() -> Day {
        var day = Day()
        day.ready()
        day.ok("ana", A.load(lot: "B1", rounds: 2, scene: "2"))
        day.alarm("cy", A.discharge(), [.fa7])
        return day
    }

    // MARK: - FA-7: planned and unplanned discharges

    // FA-7: "Only a blank or a misfire fired in a take ... of a scene whose safety meeting announced blanks is planned"
    @Test func aBlankFiredInATakeOfABlanksSceneIsPlanned() {
        var day = Day()
        day.withTalent(lot: "B1", rounds: 2, scene: "2")
        day.ok("ana", A.fire("colt-1", scene: "2", rounds: 2, .blank, shooter: "ben"))
        #expect(!day.gun().frozen)
        #expect(day.box("B1").fired == 2)
        #expect(day.rounds().isEmpty)
    }

    // FA-7: "a dummy that went off ... raises a critical alarm. The firearm is withdrawn and frozen as evidence (EVID-2)"
    @Test func aDummyThatGoesOffIsACriticalUnplannedDischarge() {
        var day = Day()
        day.withTalent()
        let d = day.step("ana", A.fire("colt-1", scene: "1", rounds: 1, .projectile, shooter: "ben"))
        #expect(d.outcome == .alarm && d.rules == [.fa7])
        #expect(d.isCritical)
        #expect(day.gun().frozen)
        #expect(day.box("D1").frozen)
    }

    // FA-7: "a projectile" is never planned, even from a blank lot in a blanks scene
    @Test func aProjectileFromABlankIsUnplanned() {
        var day = Day()
        day.withTalent(lot: "B1", rounds: 2, scene: "2")
        day.alarm("ana", A.fire("colt-1", scene: "2", rounds: 1, .projectile, shooter: "ben"), [.fa7])
        #expect(day.gun().frozen)
    }

    // FA-7: planned only in "a scene whose safety meeting announced blanks"
    @Test func aBlankInASceneWhoseMeetingAnnouncedNoBlanksIsUnplanned() {
        var day = Day()
        day.withTalent(lot: "B1", rounds: 2, scene: "2")
        day.alarm("ana", A.fire("colt-1", scene: "1", rounds: 1, .blank, shooter: "ben"), [.fa7])
    }

    // FA-7: planned only in a scene whose meeting announced blanks — a scene with no meeting never did
    @Test func aBlankInASceneWithNoMeetingIsUnplanned() {
        var day = Day()
        day.withTalent(lot: "B1", rounds: 2, scene: "2")
        day.alarm("ana", A.fire("colt-1", scene: "9", rounds: 1, .blank, shooter: "ben"), [.fa7])
    }

    // Precise "Rounds": planned only if "every round used came from a lot received as blank"
    @Test func aBlankFiredFromADummyLotIsUnplanned() {
        var day = Day()
        day.withTalent(lot: "D1", rounds: 6, scene: "2")
        day.alarm("ana", A.fire("colt-1", scene: "2", rounds: 1, .blank, shooter: "ben"), [.fa7])
    }

    // FA-7: "a reported discharge" always raises the critical alarm, whoever reports it
    @Test func aReportedDischargeIsAlwaysUnplanned() {
        var day = Day()
        day.ready()
        let d = day.step("cy", A.discharge(injuries: true))
        #expect(d.outcome == .alarm && d.rules == [.fa7] && d.isCritical)
        #expect(day.gun().frozen)
    }

    // Precise "Rounds": "A discharge uses the rounds loaded first"
    @Test func aDischargeUsesTheRoundsLoadedFirst() {
        var day = Day()
        day.ready()
        day.ok("ana", A.load(lot: "D1", rounds: 1, scene: "2"))
        day.ok("ana", A.load(lot: "B1", rounds: 2, scene: "2"))
        day.alarm("ana", A.fire("colt-1", scene: "2", rounds: 1, .blank), [.fa7])
        #expect(day.rounds() == ["B1:2"])
    }

    // Precise "Rounds": blanks loaded before dummies are fired first, as planned
    @Test func blanksLoadedBeforeDummiesAreFiredAsPlanned() {
        var day = Day()
        day.ready()
        day.ok("ana", A.load(lot: "B1", rounds: 2, scene: "2"))
        day.ok("ana", A.load(lot: "D1", rounds: 1, scene: "2"))
        day.ok("ana", A.fire("colt-1", scene: "2", rounds: 2, .blank))
        #expect(day.rounds() == ["D1:1"])
        day.alarm("ana", A.fire("colt-1", scene: "2", rounds: 1, .blank), [.fa7])
    }

    // Precise "Rounds": "an unload takes that lot's rounds loaded last"
    @Test func anUnloadTakesTheLotsRoundsLoadedLast() {
        var day = Day()
        day.ready()
        day.ok("ana", A.load(lot: "D1", rounds: 1, scene: "2"))
        day.ok("ana", A.load(lot: "B1", rounds: 2, scene: "2"))
        day.ok("ana", A.load(lot: "D1", rounds: 1, scene: "2"))
        day.ok("ana", A.unload(lot: "D1", rounds: 1))
        #expect(day.rounds() == ["D1:1", "B1:2"])
        day.alarm("ana", A.fire("colt-1", scene: "2", rounds: 1, .blank), [.fa7])
    }

    // Precise "Rounds": planned only "if the firearm held at least that many rounds"
    @Test func aDischargeOfMoreRoundsThanHeldIsUnplanned() {
        var day = Day()
        day.withTalent(lot: "B1", rounds: 2, scene: "2")
        day.alarm("ana", A.fire("colt-1", scene: "2", rounds: 3, .blank, shooter: "ben"), [.ammo4, .fa7])
        #expect(day.box("B1").fired == 2)
    }

    // Precise "Rounds": "a lot received as blank (even one later found to hold a live round)"
    @Test func aBlankFromALotLaterFoundLiveIsStillPlanned() {
        var day = Day()
        day.withTalent(lot: "B1", rounds: 2, scene: "2")
        day.alarm("ana", A.inspectLot("B1", inspected: 10, live: 1), [.ammo1])
        day.ok("ana", A.fire("colt-1", scene: "2", rounds: 2, .blank, shooter: "ben"))
        #expect(!day.gun().frozen)
    }

    // MARK: - FA-7 / EVID-2: frozen

    // Precise "Frozen": "The firearm and every lot loaded into it since its last clear inspection are frozen"
    @Test func aDischargeFreezesTheFirearmAndItsLots() {
        let day = Self.frozen()
        #expect(day.gun().frozen)
        #expect(day.box("B1").frozen)
        #expect(!day.box("D1").frozen)
    }

    // FA-7: "every later command on it but store, unfreeze and a hand-back to the armorer is refused, citing FA-7"
    @Test func aFrozenFirearmTakesNoShowClearOrDeclaration() {
        var day = Self.frozen()
        day.refuse("ana", A.showClear(), [.fa7])
        day.refuse("ana", A.declare("colt-1", .hot), [.fa7])
    }

    // Precise "Frozen": "a load or unload touching a frozen lot is refused, citing EVID-2" — on a frozen firearm, with FA-7
    @Test func loadingOrUnloadingAFrozenLotOnTheFrozenFirearmCitesEVID2AndFA7() {
        var day = Self.frozen()
        day.refuse("ana", A.load(lot: "B1", rounds: 1, scene: "2"), [.evid2, .fa7])
        day.refuse("ana", A.unload(lot: "B1", rounds: 2), [.evid2, .fa7])
        #expect(day.rounds() == ["B1:2"])
    }

    // FA-7: a load of a lot that is not frozen into a frozen firearm is still refused
    @Test func loadingAnUnfrozenLotIntoAFrozenFirearmCitesFA7() {
        var day = Self.frozen()
        day.refuse("ana", A.load(lot: "D1", rounds: 1, scene: "2"), [.fa7])
    }

    // Precise "Handovers": "between armorers a frozen firearm does not move (FA-7)"
    @Test func aFrozenFirearmDoesNotMoveBetweenArmorers() {
        var day = Self.frozen()
        day.refuse("ana", A.handOver(to: "sam"), [.fa7])
        #expect(day.gun().custodian == "ana")
    }

    // FA-7: every command but store, unfreeze and a hand-back is refused: not returned to the rental house
    @Test func aFrozenFirearmIsNotReturned() {
        var day = Self.frozen()
        day.refuse("ana", A.returnFirearm(), [.fa7])
    }

    // FA-7: a frozen firearm is not handed to talent, even with a show-clear in time before it
    @Test func aFrozenFirearmIsNotHandedToTalentEvenAfterAShowClear() {
        var day = Day()
        day.ready()
        day.ok("ana", A.load(lot: "D1", rounds: 6, scene: "1"))
        day.ok("ana", A.showClear())
        day.alarm("cy", A.discharge(), [.fa7])
        day.refuse("ana", A.handOver(to: "ben", scene: "1"), [.fa7])
    }

    // FA-7: "but store": a frozen firearm may be stored (and so locked away at wrap)
    @Test func aFrozenFirearmMayBeStored() {
        var day = Self.frozen()
        day.ok("ana", A.store())
        #expect(day.gun().storedLocked)
    }

    // FA-7: "but ... a hand-back to the armorer": talent returns a frozen firearm
    @Test func talentMayHandAFrozenFirearmBackToTheArmorer() {
        var day = Day()
        day.withTalent()
        day.alarm("ana", A.fire("colt-1", scene: "1", rounds: 1, .projectile, shooter: "ben"), [.fa7])
        day.ok("ben", A.handOver(to: "ana"))
        #expect(day.gun().custodian == "ana")
        #expect(day.gun().frozen)
    }

    // Precise "Handovers": "Only talent handing a frozen firearm to the armorer is a hand-back"
    @Test func talentMayNotPassAFrozenFirearmToOtherTalent() {
        var day = Day()
        day.withTalent()
        day.alarm("cy", A.discharge(), [.fa7])
        day.refuse("ben", A.handOver(to: "kim", scene: "1"), [.fa2, .fa3, .fa4, .fa7])
    }

    // PROTOCOL: an observation "is never refused": inspecting a frozen firearm is recorded and does not thaw it
    @Test func aFrozenFirearmMayStillBeInspected() {
        var day = Self.frozen()
        day.ok("ana", A.inspect("colt-1", .clear))
        #expect(day.gun().frozen)
        #expect(day.box("B1").frozen)
    }

    // FA-7: "until a producer or safety person unfreezes it"; Precise: unfreeze "releases it and the lots frozen with it"
    @Test func aProducerUnfreezesTheFirearmAndItsLots() {
        var day = Self.frozen()
        day.ok("pat", A.unfreeze())
        #expect(!day.gun().frozen)
        #expect(!day.box("B1").frozen)
        day.ok("ana", A.unload(lot: "B1", rounds: 2))
    }

    // FA-7: "until a producer or safety person unfreezes it"
    @Test func safetyMayUnfreezeAFirearm() {
        var day = Self.frozen()
        day.ok("sol", A.unfreeze())
        #expect(!day.gun().frozen)
    }

    // Precise "Frozen": "unfreeze of a firearm that is not frozen is ok"
    @Test func unfreezingAFirearmThatIsNotFrozenIsOk() {
        var day = Day()
        day.ready()
        day.ok("pat", A.unfreeze())
    }

    // Precise "Custody": "unfreeze works whatever the custody"
    @Test func unfreezeWorksOnAMissingFirearm() {
        var day = Self.frozen()
        day.alarm("cy", A.missing(), [.fa5])
        day.ok("sol", A.unfreeze())
        #expect(!day.gun().frozen)
        #expect(!day.box("B1").frozen)
    }

    // Precise "Frozen": unfreeze "lifts nothing else" — the FA-8 withdrawal and FA-4 unknown stay
    @Test func unfreezeLiftsNothingElse() {
        var day = Day()
        day.withTalent()
        day.alarm("ana", A.fire("colt-1", scene: "1", rounds: 1, .misfire, shooter: "ben"), [.fa7, .fa8])
        day.ok("ben", A.handOver(to: "ana"))
        day.ok("pat", A.unfreeze())
        day.refuse("ana", A.load(lot: "D1", rounds: 1, scene: "1"), [.fa4, .fa8])
        day.ok("ana", A.inspect("colt-1", .clear))
        day.ok("ana", A.load(lot: "D1", rounds: 1, scene: "1"))
    }

    // Precise "Frozen": unfreeze releases the lots "that no other frozen firearm holds frozen"
    @Test func aLotFrozenByAnotherFrozenFirearmStaysFrozen() {
        var day = Day()
        day.ready()
        day.firearm("colt-2")
        day.ok("ana", A.load("colt-1", lot: "D1", rounds: 3, scene: "1"))
        day.ok("ana", A.load("colt-2", lot: "D1", rounds: 3, scene: "1"))
        day.alarm("cy", A.discharge("colt-1"), [.fa7])
        day.alarm("cy", A.discharge("colt-2"), [.fa7])
        day.ok("pat", A.unfreeze("colt-1"))
        #expect(!day.gun("colt-1").frozen)
        #expect(day.box("D1").frozen)
        day.refuse("ana", A.load("colt-1", lot: "D1", rounds: 1, scene: "1"), [.evid2])
        day.ok("pat", A.unfreeze("colt-2"))
        #expect(!day.box("D1").frozen)
        day.ok("ana", A.load("colt-1", lot: "D1", rounds: 1, scene: "1"))
    }

    // Precise "Frozen": "a load ... touching a frozen lot is refused, citing EVID-2" — into any firearm
    @Test func aFrozenLotCannotBeLoadedIntoAnotherFirearm() {
        var day = Day()
        day.ready()
        day.firearm("colt-2")
        day.ok("ana", A.load("colt-1", lot: "B1", rounds: 2, scene: "2"))
        day.alarm("cy", A.discharge("colt-1"), [.fa7])
        day.refuse("ana", A.load("colt-2", lot: "B1", rounds: 2, scene: "2"), [.evid2])
        day.ok("ana", A.load("colt-2", lot: "D1", rounds: 2, scene: "2"))
    }

    // Precise "Frozen": "a ... unload touching a frozen lot is refused, citing EVID-2" — from any firearm
    @Test func aFrozenLotCannotBeUnloadedFromAnotherFirearm() {
        var day = Day()
        day.ready()
        day.firearm("colt-2")
        day.ok("ana", A.load("colt-2", lot: "D1", rounds: 3, scene: "1"))
        day.ok("ana", A.load("colt-1", lot: "D1", rounds: 3, scene: "1"))
        day.alarm("cy", A.discharge("colt-1"), [.fa7])
        day.refuse("ana", A.unload("colt-2", lot: "D1", rounds: 3), [.evid2])
    }

    // Precise "Frozen": "The list of a firearm's lots starts afresh at the armorer's inspect_firearm with result clear"
    @Test func theLotListStartsAfreshAtTheArmorersClearInspection() {
        var day = Day()
        day.ready()
        day.ok("ana", A.load(lot: "D1", rounds: 6, scene: "1"))
        day.ok("ana", A.unload(lot: "D1", rounds: 6))
        day.ok("ana", A.inspect("colt-1", .clear))
        day.ok("ana", A.load(lot: "B1", rounds: 2, scene: "2"))
        day.alarm("cy", A.discharge(), [.fa7])
        #expect(day.box("B1").frozen)
        #expect(!day.box("D1").frozen)
    }

    // Precise "Frozen": the list restarts only at "the armorer's" clear inspection
    @Test func aFirstADsClearInspectionDoesNotRestartTheLotList() {
        var day = Day()
        day.ready()
        day.ok("ana", A.load(lot: "D1", rounds: 6, scene: "1"))
        day.ok("ana", A.unload(lot: "D1", rounds: 6))
        day.ok("dee", A.inspect("colt-1", .clear))
        day.ok("ana", A.load(lot: "B1", rounds: 2, scene: "2"))
        day.alarm("cy", A.discharge(), [.fa7])
        #expect(day.box("D1").frozen)
    }

    // Precise "Frozen": the list restarts only at an inspection "with result clear"
    @Test func anObstructedFindingDoesNotRestartTheLotList() {
        var day = Day()
        day.ready()
        day.ok("ana", A.load(lot: "D1", rounds: 6, scene: "1"))
        day.ok("ana", A.unload(lot: "D1", rounds: 6))
        day.alarm("ana", A.inspect("colt-1", .obstructed), [.fa8])
        day.alarm("cy", A.discharge(), [.fa7])
        #expect(day.box("D1").frozen)
    }

    // Precise "Rounds": "A load of 0 rounds still counts as loading from that lot (freezing ...)"
    @Test func aLoadOfZeroRoundsStillFreezesTheLot() {
        var day = Day()
        day.ready()
        day.ok("ana", A.load(lot: "D1", rounds: 0, scene: "1"))
        day.alarm("cy", A.discharge(), [.fa7])
        #expect(day.box("D1").frozen)
    }

    // Precise "Frozen": lots frozen with a firearm stay frozen through a clear inspection until it is unfrozen (crow-0331, steps 15–17)
    @Test func frozenLotsStayFrozenThroughAClearInspectionUntilUnfreeze() {
        var day = Self.frozen()
        day.ok("ana", A.inspect("colt-1", .clear))
        day.refuse("ana", A.unload(lot: "B1", rounds: 2), [.evid2, .fa7])
        day.ok("pat", A.unfreeze())
        day.ok("ana", A.unload(lot: "B1", rounds: 2))
    }

    // FA-7: a second discharge of a frozen firearm is again a critical alarm (an observation is never refused)
    @Test func aDischargeOfAFrozenFirearmIsStillRecordedAsAnAlarm() {
        var day = Self.frozen()
        let d = day.step("ana", A.fire("colt-1", scene: "2", rounds: 1, .projectile))
        #expect(d.outcome == .alarm && d.rules == [.fa7] && d.isCritical)
    }

    // SCENE-1: "the latest accepted meeting of a scene decides whether it has blanks" — also for whether a blank is planned
    @Test func aBlankAfterTheSceneWasRedeclaredWithoutBlanksIsUnplanned() {
        var day = Day()
        day.withTalent(lot: "B1", rounds: 2, scene: "2")
        day.ok("dee", A.meeting("2", blanks: false))
        day.alarm("ana", A.fire("colt-1", scene: "2", rounds: 1, .blank, shooter: "ben"), [.fa7])
    }

    // FA-7: "Only a blank or a misfire fired in a take ... is planned" — a blank fired after the wrap ended the meeting is not
    @Test func aBlankAfterWrapBeforeANewMeetingIsUnplanned() {
        var day = Day()
        day.ready()
        day.ok("ana", A.load(lot: "B1", rounds: 2, scene: "2"))
        day.step("dee", A.wrap)
        day.alarm("ana", A.fire("colt-1", scene: "2", rounds: 1, .blank), [.fa7])
    }

    // Precise "Frozen": "every lot loaded into it since its last clear inspection" — read literally, a lot loaded before a clear inspection
    // is not frozen even if its rounds are still inside at the discharge (the clean day inspects with dummies loaded only after unloading)
    @Test func aLotLoadedBeforeTheLastClearInspectionIsNotFrozenEvenIfStillInside() {
        var day = Day()
        day.ready()
        day.ok("ana", A.load(lot: "D1", rounds: 6, scene: "1"))
        day.ok("ana", A.inspect("colt-1", .clear))
        day.alarm("cy", A.discharge(), [.fa7])
        #expect(day.gun().frozen)
        #expect(!day.box("D1").frozen)
    }
}
