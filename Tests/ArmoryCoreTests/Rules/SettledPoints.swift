import ArmoryCore
import Testing

/// The settled points of PROTOCOL.md's "Precise semantics" the engine first read otherwise:
/// whose `reconcile` settles a lot at wrap (AMMO-4), a dual-hatted armorer acting in none of
/// their roles (ROLE-1), a never-accepted firearm (FA-4, FA-5), storage ending with custody
/// (FA-6), and several show-clears before one handover (FA-2).
struct SettledPointTests {
    // MARK: - AMMO-4: only the armorer's reconcile settles a lot

    // Precise "Who counts as the armorer": "a reconcile by anyone else is recorded and raises the AMMO-4 alarm if its count
    // differs, but it never counts as the lot's reconcile at wrap" — a dual-hatted armorer included ("treated as not an armorer")
    @Test(arguments: ["ben", "cy", "dee", "pat", "sol", "pm", "duo", "ace"])
    func aMatchingReconcileByAnyoneButTheArmorerDoesNotSettleTheLotAtWrap(_ who: String) {
        var day = AmmunitionRuleTests.storedDay()
        day.ok(who, A.reconcile("D1", counted: 12))
        day.alarm("dee", A.wrap, [.ammo4])
    }

    // Precise "Who counts as the armorer": it "raises the AMMO-4 alarm if its count differs"
    @Test(arguments: ["ben", "duo"])
    func aMismatchedReconcileByAnyoneButTheArmorerStillRaisesAnAlarm(_ who: String) {
        var day = AmmunitionRuleTests.storedDay()
        day.alarm(who, A.reconcile("D1", counted: 11), [.ammo4])
    }

    // AMMO-4 "its latest reconcile did not match": a talent's matching count is not the lot's reconcile, so the
    // armorer's mismatch stands
    @Test func talentsMatchingCountDoesNotRepairTheArmorersMismatch() {
        var day = AmmunitionRuleTests.storedDay()
        day.alarm("ana", A.reconcile("D1", counted: 10), [.ammo4])
        day.ok("ben", A.reconcile("D1", counted: 12))
        day.alarm("dee", A.wrap, [.ammo4])
    }

    // "it never counts as the lot's reconcile at wrap": a crew member's mismatch alarms at once, but the lot's latest
    // reconcile is still the armorer's matching one
    @Test func crewsMismatchedCountDoesNotUndoTheArmorersMatch() {
        var day = AmmunitionRuleTests.storedDay()
        day.ok("ana", A.reconcile("D1", counted: 12))
        day.alarm("cy", A.reconcile("D1", counted: 11), [.ammo4])
        day.ok("dee", A.wrap)
    }

    // Precise "Rounds": a lot is touched "by every step that names it except a refused command" — talent's reconcile
    // touches it, and the touched lot then needs the armorer's reconcile
    @Test func aLotTouchedOnlyByTalentsReconcileNeedsTheArmorersReconcile() {
        var day = AmmunitionRuleTests.storedDay()
        day.ok("ana", A.reconcile("D1", counted: 12))
        day.ok("dee", A.wrap)
        day.ok("ben", A.reconcile("D1", counted: 12), after: 60 * 12)
        day.alarm("dee", A.wrap, [.ammo4])
        day.ok("ana", A.reconcile("D1", counted: 12))
        day.ok("dee", A.wrap)
    }

    // AMMO-4 followed: the armorer's reconcile after someone else's settles the lot
    @Test func theArmorersReconcileAfterTalentsSettlesTheLot() {
        var day = AmmunitionRuleTests.storedDay()
        day.ok("ben", A.reconcile("D1", counted: 12))
        day.ok("sam", A.reconcile("D1", counted: 12))
        day.ok("dee", A.wrap)
    }

    // MARK: - ROLE-1: a dual-hatted armorer acts in none of their roles

    // Precise "Who counts as the armorer": "not as talent (a hand_over to them is not a handover to talent)" — so it
    // needs no scene (SCENARIOS.md asks one only of "a hand_over to talent") and is refused as a handover to someone
    // who is neither talent nor the armorer (FA-3), without FA-2 or SCENE-1
    @Test func aHandOverToADualHattedTalentIsNotAHandoverToTalent() {
        var day = HandoverRuleTests.loaded()
        day.ok("ana", A.showClear(to: ["ace", "dee"]))
        day.refuse("ana", A.handOver(to: "ace"), [.fa3])
        day.refuse("ana", A.handOver(to: "ace", scene: "9"), [.fa3])
        #expect(day.gun().custodian == "ana")
    }

    // Precise: "not as first AD (their presence at ... a show-clear does not count)"
    @Test func aDualHattedFirstADAtAShowClearDoesNotCount() {
        var day = HandoverRuleTests.loaded()
        day.ok("ana", A.showClear(to: ["ben", "duo"]))
        day.refuse("ana", A.handOver(to: "ben", scene: "1"), [.fa2])
    }

    // Precise: "not as producer or safety (their unfreeze is refused, citing ROLE-2)"
    @Test(arguments: [Role.producer, .safety])
    func aDualHattedProducerOrSafetyMayNotUnfreeze(_ other: Role) {
        var day = Day(people: Day.crew + [Person(id: "arp", name: "Ari Pell", roles: [.armorer, other])])
        day.ready()
        day.alarm("cy", A.discharge(), [.fa7])
        day.refuse("arp", A.unfreeze(), [.role2])
        #expect(day.gun().frozen)
    }

    // MARK: - FA-4: a never-accepted firearm is not unknown

    // Precise "Custody": "A never-accepted firearm is not unknown (FA-4 starts when a firearm is received or handed
    // back): commands on it cite FA-5 and what they break for other reasons, not FA-4" — talent handing it on included
    @Test func talentHandingANeverAcceptedFirearmOnCitesNoFA4() {
        var day = Day()
        day.refuse("cy", A.receiveFirearm("colt-9"), [.role2])
        day.meeting("1")
        day.refuse("ben", A.handOver("colt-9", to: "kim", scene: "1"), [.fa2, .fa3, .fa5])
        day.refuse("ben", A.handOver("colt-9", to: "dee"), [.fa3, .fa5])
        day.refuse("ben", A.handOver("colt-9", to: "ana"), [.fa3, .fa5])
    }

    // Precise "Custody": the armorer's commands on a never-accepted firearm cite FA-5, not FA-4
    @Test func theArmorersCommandsOnANeverAcceptedFirearmCiteOnlyFA5() {
        var day = Day()
        day.refuse("cy", A.receiveFirearm("colt-9"), [.role2])
        day.meeting("1")
        day.refuse("ana", A.showClear("colt-9"), [.fa5])
        day.refuse("ana", A.declare("colt-9", .cold), [.fa5])
        day.refuse("ana", A.handOver("colt-9", to: "ben", scene: "1"), [.fa2, .fa3, .fa5])
        day.ok("ana", A.receiveFirearm("colt-9"))
        #expect(day.gun("colt-9").unknown)
    }

    // FA-4 still holds for a missing firearm, which was received: "FA-4 on every handover by talent to anyone but the armorer"
    @Test func talentHandingOnAMissingFirearmStillCitesFA4() {
        var day = Day()
        day.withTalent()
        day.alarm("dee", A.missing(), [.fa5])
        day.refuse("ben", A.handOver(to: "dee"), [.fa3, .fa4, .fa5])
    }

    // MARK: - FA-6: storage ends when custody does

    // Precise "Storage (FA-6)": stored "until it leaves custody (return_firearm, report_missing): a firearm received
    // again or found again must be stored again before wrap"
    @Test func aFirearmFoundAgainMustBeStoredAgain() {
        var day = Day()
        day.firearm()
        day.ok("ana", A.store())
        day.alarm("cy", A.missing(), [.fa5])
        #expect(!day.gun().storedLocked)
        day.ok("ana", A.inspect())
        day.alarm("dee", A.wrap, [.fa6])
        day.ok("ana", A.store())
        day.ok("dee", A.wrap)
    }

    @Test func aFirearmReceivedAgainMustBeStoredAgain() {
        var day = Day()
        day.firearm()
        day.ok("ana", A.store())
        day.ok("ana", A.returnFirearm())
        #expect(!day.gun().storedLocked)
        day.ok("ana", A.receiveFirearm())
        day.ok("ana", A.inspect())
        day.alarm("dee", A.wrap, [.fa6])
    }

    // Precise "Storage (FA-6)": a hand_over ends storage, between armorers too; the new custodian stores it again
    @Test func aFirearmHandedToAnotherArmorerMustBeStoredAgain() {
        var day = Day()
        day.firearm()
        day.ok("ana", A.store())
        day.ok("ana", A.handOver(to: "sam"))
        day.alarm("dee", A.wrap, [.fa6])
        day.ok("sam", A.store())
        day.ok("dee", A.wrap)
    }

    // MARK: - FA-2: any qualifying show-clear before the handover covers it

    // Precise "Show-clear": "the handover is covered if any one of them qualifies ...; a later show-clear to other
    // people does not undo an earlier one"
    @Test func aLaterShowClearToOtherPeopleDoesNotUndoAnEarlierOne() {
        var day = HandoverRuleTests.loaded()
        day.ok("ana", A.showClear(to: ["ben", "dee"]))
        day.ok("ana", A.showClear(to: ["kim"]))
        day.ok("ana", A.handOver(to: "ben", scene: "1"))
    }

    // The earlier qualifying show-clear covers the handover whichever talent the later one was for
    @Test func eitherOfTwoShowClearsToDifferentTalentCoversItsOwnTalent() {
        var day = HandoverRuleTests.loaded()
        day.ok("ana", A.showClear(to: ["kim", "dee"]))
        day.ok("ana", A.showClear(to: ["ben", "dee"]))
        day.ok("ana", A.handOver(to: "kim", scene: "1"))
    }

    // "within the window": an earlier show-clear out of the window does not qualify, and a later one without the first
    // AD does not either
    @Test func noneOfSeveralShowClearsQualifyingIsRefused() {
        var day = HandoverRuleTests.loaded()
        day.ok("ana", A.showClear(to: ["ben", "dee"]))
        day.ok("ana", A.showClear(to: ["ben"]), after: 10)
        day.refuse("ana", A.handOver(to: "ben", scene: "1"), [.fa2])
    }

    // "The window is inclusive": an earlier show-clear exactly at the window's edge still covers
    @Test func anEarlierShowClearExactlyAtTheWindowStillCovers() {
        var day = HandoverRuleTests.loaded()
        day.ok("ana", A.showClear(to: ["ben", "dee"]))
        day.ok("ana", A.showClear(to: ["kim"]), after: 5)
        day.ok("ana", A.handOver(to: "ben", scene: "1"), after: 5)
    }

    // "nothing between it and the handover that ends its cover": an unload after the earlier show-clear ends it, so
    // only the later one is looked at
    @Test func anUnloadBetweenEndsTheCoverOfEveryEarlierShowClear() {
        var day = HandoverRuleTests.loaded()
        day.ok("ana", A.showClear(to: ["ben", "dee"]))
        day.ok("ana", A.unload(lot: "D1", rounds: 1))
        day.ok("ana", A.showClear(to: ["kim"]))
        day.refuse("ana", A.handOver(to: "ben", scene: "1"), [.fa2])
    }

    // "A show-clear covers one handover": once a handover happens, none of the earlier show-clears covers the next
    @Test func aHandoverUsesUpEveryShowClearBeforeIt() {
        var day = HandoverRuleTests.loaded()
        day.ok("ana", A.showClear(to: ["ben", "dee"]))
        day.ok("ana", A.showClear(to: ["kim", "dee"]))
        day.ok("ana", A.handOver(to: "ben", scene: "1"))
        day.ok("ben", A.handOver(to: "ana"))
        day.ok("ana", A.inspect())
        day.refuse("ana", A.handOver(to: "kim", scene: "1"), [.fa2])
    }
}
