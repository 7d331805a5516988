import ArmoryCore
import Testing

/// FA-5 (custody is never broken: one custodian, missing, returned, never accepted) and
/// FA-6 (every firearm back with the armorer and stored locked at wrap).
struct CustodyRuleTests {
    // MARK: - FA-5: Custody is never broken

    // FA-5: "A fire whose shooter is not the custodian ... raises an alarm"
    @Test func aFireBySomeoneWhoIsNotTheCustodianRaisesAnAlarm() {
        var day = Day()
        day.ready()
        day.ok("ana", A.load(lot: "D1", rounds: 6, scene: "1"))
        day.alarm("ana", A.fire("colt-1", scene: "1", rounds: 1, .click, shooter: "ben"), [.fa5])
    }

    // FA-5 followed: the custodian fires (the shooter defaults to the custodian)
    @Test func aFireByTheCustodianIsQuiet() {
        var day = Day()
        day.withTalent()
        day.ok("ana", A.fire("colt-1", scene: "1", rounds: 1, .click, shooter: "ben"))
        day.ok("ana", A.fire("colt-1", scene: "1", rounds: 1, .click))
    }

    // FA-5: "a report_missing raises an alarm"
    @Test func aReportMissingRaisesAnAlarmAndBreaksCustody() {
        var day = Day()
        day.ready()
        day.alarm("cy", A.missing(), [.fa5])
        #expect(day.gun().presence == .missing)
        #expect(day.gun().custodian == nil)
    }

    // Precise "Custody": a missing firearm "has no custodian: commands on it are refused, citing FA-5 whoever gives them"
    @Test func theArmorersCommandsOnAMissingFirearmAreRefusedCitingFA5() {
        var day = Day()
        day.ready()
        day.ok("ana", A.load(lot: "D1", rounds: 6, scene: "1"))
        day.alarm("cy", A.missing(), [.fa5])
        day.refuse("ana", A.load(lot: "D1", rounds: 1, scene: "1"), [.fa5])
        day.refuse("ana", A.unload(lot: "D1", rounds: 6), [.fa5])
        day.refuse("ana", A.showClear(), [.fa5])
        day.refuse("ana", A.declare("colt-1", .cold), [.fa5])
        day.refuse("ana", A.store(), [.fa5])
        day.refuse("ana", A.returnFirearm(), [.fa5])
    }

    // Precise "Custody": "citing FA-5 whoever gives them" — alongside the rule the person's role breaks
    @Test func someoneWhoIsNotTheArmorerActingOnAMissingFirearmAlsoGetsFA5() {
        var day = Day()
        day.ready()
        day.alarm("cy", A.missing(), [.fa5])
        day.refuse("dee", A.declare("colt-1", .cold), [.fa1, .fa5])
        day.refuse("cy", A.store(), [.fa5, .role2])
    }

    // FA-3 "The person handing over must be its current custodian"; a missing firearm has none (FA-5)
    @Test func aMissingFirearmCannotBeHandedOver() {
        var day = Day()
        day.ready()
        day.alarm("cy", A.missing(), [.fa5])
        day.refuse("ana", A.handOver(to: "sam"), [.fa3, .fa5])
    }

    // FA-5 with FA-3: talent whose firearm was reported missing no longer holds it
    @Test func talentCannotHandBackAFirearmReportedMissing() {
        var day = Day()
        day.withTalent()
        day.alarm("dee", A.missing(), [.fa5])
        day.refuse("ben", A.handOver(to: "ana"), [.fa3, .fa5])
    }

    // Precise "Custody": "until the armorer's inspect_firearm shows a missing one found (back in the armorer's custody)"
    @Test func theArmorersInspectionFindsAMissingFirearm() {
        var day = Day()
        day.withTalent()
        day.alarm("dee", A.missing(), [.fa5])
        day.ok("sam", A.inspect("colt-1", .clear))
        #expect(day.gun().custodian == "sam")
        day.ok("sam", A.unload(lot: "D1", rounds: 6))
    }

    // Precise "Who counts as the armorer": others' inspections are recorded but change nothing — a missing firearm stays missing
    @Test func aNonArmorersInspectionDoesNotBringAMissingFirearmBack() {
        var day = Day()
        day.ready()
        day.alarm("cy", A.missing(), [.fa5])
        day.ok("dee", A.inspect("colt-1", .clear))
        #expect(day.gun().presence == .missing)
        day.refuse("ana", A.store(), [.fa5])
    }

    // Precise "Custody": "The armorer can load, unload, show_clear, declare, store and return_firearm only a firearm in the armorer's own custody; otherwise ... FA-5"
    @Test func theArmorerActsOnlyOnAFirearmInTheirOwnCustody() {
        var day = Day()
        day.withTalent()
        day.refuse("ana", A.load(lot: "D1", rounds: 1, scene: "1"), [.fa5])
        day.refuse("ana", A.unload(lot: "D1", rounds: 6), [.fa5])
        day.refuse("ana", A.showClear(), [.fa5])
        day.refuse("ana", A.declare("colt-1", .cold), [.fa5])
        day.refuse("ana", A.store(), [.fa5])
        day.refuse("ana", A.returnFirearm(), [.fa5])
    }

    // Precise "Custody": the armorer's "own custody" — another armorer's custody is not enough
    @Test func anotherArmorerMayNotActOnTheArmorersFirearm() {
        var day = Day()
        day.ready()
        day.refuse("sam", A.load(lot: "D1", rounds: 6, scene: "1"), [.fa5])
        day.refuse("sam", A.store(), [.fa5])
        day.refuse("sam", A.declare("colt-1", .cold), [.fa5])
    }

    // Precise "Custody": "FA-5 is cited this way only for a person who may act as armorer; anyone else gets ROLE-2"
    @Test func someoneWhoIsNotTheArmorerIsRefusedForTheirRoleNotForCustody() {
        var day = Day()
        day.ready()
        day.ok("ana", A.load(lot: "D1", rounds: 6, scene: "1"))
        day.refuse("dee", A.store(), [.role2])
        day.refuse("cy", A.unload(lot: "D1", rounds: 6), [.role2])
        day.refuse("pm", A.showClear(), [.role2])
    }

    // Precise "Custody": "Receiving a firearm that is still in the production is refused, citing FA-5"
    @Test func aFirearmHeldInTheProductionCannotBeReceivedAgain() {
        var day = Day()
        day.ready()
        day.refuse("ana", A.receiveFirearm(), [.fa5])
        #expect(!day.gun().unknown)
    }

    // Precise "Custody" / FA-6: a missing firearm is still in the production
    @Test func aMissingFirearmCannotBeReceivedAgain() {
        var day = Day()
        day.ready()
        day.alarm("cy", A.missing(), [.fa5])
        day.refuse("ana", A.receiveFirearm(), [.fa5])
    }

    // Precise "Custody": "A firearm that was returned to the rental house ... has no custodian: commands on it are refused, citing FA-5 whoever gives them"
    @Test func aReturnedFirearmHasNoCustodian() {
        var day = Day()
        day.ready()
        day.ok("ana", A.returnFirearm())
        #expect(day.gun().presence == .returned)
        day.refuse("ana", A.load(lot: "D1", rounds: 1, scene: "1"), [.fa5])
        day.refuse("sam", A.showClear(), [.fa5])
        day.refuse("ana", A.store(), [.fa5])
        day.refuse("dee", A.declare("colt-1", .cold), [.fa1, .fa5])
        day.refuse("ana", A.handOver(to: "sam"), [.fa3, .fa5])
    }

    // Precise "Custody": "... until ... a receive_firearm brings a returned one back (state unknown)"
    @Test func receivingAReturnedFirearmBringsItBackUnknown() {
        var day = Day()
        day.ready()
        day.ok("ana", A.returnFirearm())
        day.ok("sam", A.receiveFirearm())
        #expect(day.gun().custodian == "sam")
        #expect(day.gun().unknown)
        day.refuse("sam", A.load(lot: "D1", rounds: 1, scene: "1"), [.fa4])
    }

    // Precise "Custody": "A report_missing of a returned firearm raises the FA-5 alarm and changes nothing else"
    @Test func reportingAReturnedFirearmMissingAlarmsAndChangesNothingElse() {
        var day = Day()
        day.ready()
        day.ok("ana", A.returnFirearm())
        let before = day.state
        day.alarm("cy", A.missing(), [.fa5])
        #expect(day.state.sameProtocolState(as: before))
        #expect(day.gun().presence == .returned)
        day.ok("ana", A.receiveFirearm())
    }

    // Precise "Custody": "A firearm whose receive_firearm was refused was never accepted and has no custodian either"
    @Test func aFirearmWhoseReceiptWasRefusedWasNeverAccepted() {
        var day = Day()
        day.refuse("dee", A.receiveFirearm("colt-9"), [.role2])
        day.refuse("ana", A.store("colt-9"), [.fa5])
        day.refuse("ana", A.returnFirearm("colt-9"), [.fa5])
        day.ok("ana", A.receiveFirearm("colt-9"))
        #expect(day.gun("colt-9").custodian == "ana")
    }

    // FA-5: firing a firearm no one holds breaks custody
    @Test func firingAReturnedFirearmRaisesTheCustodyAlarm() {
        var day = Day()
        day.ready()
        day.ok("ana", A.returnFirearm())
        day.alarm("ana", A.fire("colt-1", scene: "1", rounds: 1, .click), [.fa5])
    }

    // FA-5: "A firearm always has exactly one custodian": passing it between armorers moves custody, never splits it
    @Test func aHandoverBetweenArmorersMovesCustody() {
        var day = Day()
        day.ready()
        day.ok("ana", A.handOver(to: "sam"))
        #expect(day.gun().custodian == "sam")
        day.refuse("ana", A.store(), [.fa5])
        day.ok("sam", A.store())
    }

    // MARK: - FA-6: Locked storage at wrap

    // FA-6 followed: "every firearm is back with the armorer and stored locked"
    @Test func aWrapWithEveryFirearmStoredLockedWithTheArmorerIsQuiet() {
        var day = Day()
        day.firearm()
        day.ok("ana", A.store())
        #expect(day.gun().storedLocked)
        day.ok("dee", A.wrap)
    }

    // FA-6: "... stored locked (store with locked: true); otherwise an alarm"
    @Test func aFirearmNeverStoredBreaksFA6AtWrap() {
        var day = Day()
        day.firearm()
        day.alarm("dee", A.wrap, [.fa6])
    }

    // FA-6: "stored locked (store with locked: true)"
    @Test func aFirearmStoredUnlockedBreaksFA6AtWrap() {
        var day = Day()
        day.firearm()
        day.ok("ana", A.store(locked: false))
        day.alarm("dee", A.wrap, [.fa6])
    }

    // Precise "Storage": stored "until a later load, unload, show_clear, hand_over or fire of it"
    @Test func aShowClearAfterStoringUndoesTheStorage() {
        var day = Day()
        day.firearm()
        day.ok("ana", A.store())
        day.ok("ana", A.showClear())
        day.alarm("dee", A.wrap, [.fa6])
    }

    // Precise "Storage": stored "until a later load ..."
    @Test func aLoadAfterStoringUndoesTheStorage() {
        var day = Day()
        day.ready()
        day.ok("ana", A.store())
        day.ok("ana", A.load(lot: "D1", rounds: 6, scene: "1"))
        day.reconcileAll()
        day.alarm("dee", A.wrap, [.fa6])
    }

    // Precise "Storage": stored "until a later ... unload ..."
    @Test func anUnloadAfterStoringUndoesTheStorage() {
        var day = Day()
        day.ready()
        day.ok("ana", A.load(lot: "D1", rounds: 6, scene: "1"))
        day.ok("ana", A.store())
        day.ok("ana", A.unload(lot: "D1", rounds: 6))
        day.reconcileAll()
        day.alarm("dee", A.wrap, [.fa6])
    }

    // Precise "Storage": stored "until a later ... fire of it"
    @Test func aFireAfterStoringUndoesTheStorage() {
        var day = Day()
        day.firearm()
        day.ok("ana", A.store())
        day.ok("ana", A.fire("colt-1", scene: "1", rounds: 1, .click))
        day.alarm("dee", A.wrap, [.fa6])
    }

    // Precise "Storage": stored "until a later ... hand_over" — even to another armorer
    @Test func aHandoverAfterStoringUndoesTheStorage() {
        var day = Day()
        day.firearm()
        day.ok("ana", A.store())
        day.ok("ana", A.handOver(to: "sam"))
        day.alarm("dee", A.wrap, [.fa6])
    }

    // Precise "Storage": only load, unload, show_clear, hand_over or fire undo it — an inspection or a declaration do not
    @Test func anInspectionOrDeclarationAfterStoringKeepsItStored() {
        var day = Day()
        day.firearm()
        day.ok("ana", A.store())
        day.ok("ana", A.inspect("colt-1", .clear))
        day.ok("ana", A.declare("colt-1", .cold))
        day.ok("dee", A.wrap)
    }

    // FA-6: "back with the armorer" — any dedicated armorer
    @Test func aFirearmStoredLockedByAnotherArmorerIsFine() {
        var day = Day()
        day.firearm()
        day.ok("ana", A.handOver(to: "sam"))
        day.ok("sam", A.store())
        day.ok("dee", A.wrap)
    }

    // FA-6: "At wrap, every firearm is back with the armorer"
    @Test func aFirearmStillWithTalentAtWrapBreaksFA6() {
        var day = Day()
        day.withTalent()
        day.reconcileAll()
        day.alarm("dee", A.wrap, [.fa6])
    }

    // Precise "Storage": "a missing firearm breaks FA-6 too"
    @Test func aMissingFirearmAtWrapBreaksFA6() {
        var day = Day()
        day.firearm()
        day.ok("ana", A.store())
        day.alarm("cy", A.missing(), [.fa5])
        day.alarm("dee", A.wrap, [.fa6])
    }

    // Precise "Storage": "every firearm still in the production (not returned)"
    @Test func aReturnedFirearmIsExemptAtWrap() {
        var day = Day()
        day.firearm()
        day.ok("ana", A.returnFirearm())
        day.ok("dee", A.wrap)
    }

    // Precise "Custody": a firearm whose receipt was refused "was never accepted" — not in the production at wrap
    @Test func aFirearmNeverAcceptedIsExemptAtWrap() {
        var day = Day()
        day.refuse("pm", A.receiveFirearm("colt-9"), [.role2])
        day.ok("dee", A.wrap)
    }

    // FA-6: every firearm, each on its own: one stored, one not
    @Test func everyFirearmInTheProductionMustBeStored() {
        var day = Day()
        day.firearm("colt-1")
        day.firearm("colt-2")
        day.ok("ana", A.store("colt-1"))
        day.alarm("dee", A.wrap, [.fa6])
        day.ok("ana", A.store("colt-2"))
        day.ok("dee", A.wrap)
    }

    // Precise "Storage": stored locked until a later use — a wrap is not a use, so storage carries into the next day
    @Test func storageLastsAcrossAWrapUntilTheFirearmIsUsed() {
        var day = Day()
        day.firearm()
        day.ok("ana", A.store())
        day.ok("dee", A.wrap)
        day.ok("dee", A.wrap, after: 60 * 24)
    }

    // "Where a step breaks several rules, it cites them all": rust-1021 step 13
    @Test func aWrapBreakingAccountingAndStorageCitesBoth() {
        var day = Day()
        day.ready()
        day.alarm("dee", A.wrap, [.ammo4, .fa6])
    }

    // Precise "Show-clear": a report_missing is a custody change: a show-clear before it does not cover a handover after the firearm is found
    @Test func aFirearmReportedMissingAndFoundNeedsANewShowClear() {
        var day = Day()
        day.ready()
        day.ok("ana", A.load(lot: "D1", rounds: 6, scene: "1"))
        day.ok("ana", A.showClear())
        day.alarm("cy", A.missing(), [.fa5])
        day.ok("ana", A.inspect("colt-1", .clear))
        day.refuse("ana", A.handOver(to: "ben", scene: "1"), [.fa2])
    }

    // FA-7 with FA-5: receiving again a frozen firearm still in the production cites both
    @Test func receivingAFrozenFirearmAgainCitesFA5AndFA7() {
        var day = Day()
        day.ready()
        day.alarm("cy", A.discharge(), [.fa7])
        day.refuse("ana", A.receiveFirearm(), [.fa5, .fa7])
    }

    // Precise "Rounds": a lot is touched "by every step that names it"; a fire names the firearm, not the lot, and moves nothing in or out of the box
    @Test func firingRoundsOfALotDoesNotTouchTheLot() {
        var day = Day()
        day.ready()
        day.ok("ana", A.load(lot: "B1", rounds: 2, scene: "2"))
        day.ok("ana", A.store())
        day.reconcileAll()
        day.ok("dee", A.wrap)
        day.meeting("2", blanks: true)
        day.ok("ana", A.fire("colt-1", scene: "2", rounds: 2, .blank))
        day.ok("ana", A.store())
        day.ok("dee", A.wrap)
    }

    // FA-6: "stored locked (store with locked: true)": a later unlocked store leaves it unlocked
    @Test func storingUnlockedAfterALockedStoreBreaksFA6() {
        var day = Day()
        day.firearm()
        day.ok("ana", A.store())
        day.ok("ana", A.store(locked: false))
        day.alarm("dee", A.wrap, [.fa6])
    }
}
