import ArmoryCore
import Testing

/// FA-1 (hot and cold), FA-4 (unknown until inspected, returns to the armorer) and FA-8
/// (misfires and faults withdraw a firearm until it is inspected clear).
struct FirearmRuleTests {
    // MARK: - FA-1: Only the armorer declares a firearm hot or cold

    // FA-1: a firearm is `cold` when "it holds no blank and no live round" — dummies are neither
    @Test func theArmorerDeclaresColdAFirearmHoldingOnlyDummies() {
        var day = Day()
        day.ready()
        day.ok("ana", A.load(lot: "D1", rounds: 6, scene: "1"))
        day.ok("ana", A.declare("colt-1", .cold))
        #expect(day.gun().declared == .cold)
    }

    // FA-1: "`hot` only when it holds blanks"
    @Test func theArmorerDeclaresHotAFirearmHoldingBlanks() {
        var day = Day()
        day.ready()
        day.ok("ana", A.load(lot: "B1", rounds: 2, scene: "2"))
        day.ok("ana", A.declare("colt-1", .hot))
        #expect(day.gun().declared == .hot)
    }

    // FA-1: hot "when it holds blanks" — dummies beside them do not matter
    @Test func aFirearmHoldingBlanksAndDummiesMayBeDeclaredHot() {
        var day = Day()
        day.ready()
        day.ok("ana", A.load(lot: "D1", rounds: 2, scene: "2"))
        day.ok("ana", A.load(lot: "B1", rounds: 2, scene: "2"))
        day.ok("ana", A.declare("colt-1", .hot))
    }

    // FA-1: "A `declare` by anyone else is refused"
    @Test(arguments: ["dee", "pat", "sol", "cy", "pm"])
    func aDeclarationByAnyoneButTheArmorerIsRefusedCitingFA1(_ who: String) {
        var day = Day()
        day.ready()
        day.refuse(who, A.declare("colt-1", .cold), [.fa1])
        #expect(day.gun().declared == nil)
    }

    // FA-1: "A declare by anyone else is refused" — even by the talent holding it (FA-5 is cited only for an armorer)
    @Test func talentHoldingTheFirearmMayNotDeclareIt() {
        var day = Day()
        day.withTalent()
        day.refuse("ben", A.declare("colt-1", .cold), [.fa1])
    }

    // FA-1: "cold only when it holds no blank and no live round"
    @Test func aFirearmHoldingBlanksIsNeverCold() {
        var day = Day()
        day.ready()
        day.ok("ana", A.load(lot: "B1", rounds: 2, scene: "2"))
        day.refuse("ana", A.declare("colt-1", .cold), [.fa1])
    }

    // FA-1: cold only when "the armorer has inspected it since it last held any"
    @Test func aFirearmThatHeldBlanksIsColdOnlyAfterTheArmorerInspectsIt() {
        var day = Day()
        day.ready()
        day.ok("ana", A.load(lot: "B1", rounds: 2, scene: "2"))
        day.ok("ana", A.unload(lot: "B1", rounds: 2))
        day.refuse("ana", A.declare("colt-1", .cold), [.fa1])
        day.ok("ana", A.inspect("colt-1", .clear))
        day.ok("ana", A.declare("colt-1", .cold))
    }

    // FA-1: a firearm emptied by firing its blanks "held any" and needs the armorer's inspection to be cold
    @Test func aFirearmThatFiredItsBlanksIsColdOnlyAfterTheArmorerInspectsIt() {
        var day = Day()
        day.ready()
        day.ok("ana", A.load(lot: "B1", rounds: 2, scene: "2"))
        day.ok("ana", A.fire("colt-1", scene: "2", rounds: 2, .blank))
        day.refuse("ana", A.declare("colt-1", .cold), [.fa1])
        day.ok("ana", A.inspect("colt-1", .clear))
        day.ok("ana", A.declare("colt-1", .cold))
    }

    // FA-1: the inspection must come "since it last held any" — one while the blanks were still inside is too early
    @Test func anInspectionWhileBlanksWereStillInsideDoesNotCount() {
        var day = Day()
        day.ready()
        day.ok("ana", A.load(lot: "B1", rounds: 2, scene: "2"))
        day.ok("ana", A.inspect("colt-1", .clear))
        day.ok("ana", A.unload(lot: "B1", rounds: 2))
        day.refuse("ana", A.declare("colt-1", .cold), [.fa1])
    }

    // FA-1: "the armorer has inspected it"; Precise: others' inspections "are recorded" but count for nothing
    @Test func aFirstADsInspectionDoesNotMakeAFirearmCold() {
        var day = Day()
        day.ready()
        day.ok("ana", A.load(lot: "B1", rounds: 2, scene: "2"))
        day.ok("ana", A.unload(lot: "B1", rounds: 2))
        day.ok("dee", A.inspect("colt-1", .clear))
        day.refuse("ana", A.declare("colt-1", .cold), [.fa1])
    }

    // FA-1: "no inspection is needed for that if it never held any"
    @Test func aFirearmThatNeverHeldAnyIsColdWithoutAFurtherInspection() {
        var day = Day()
        day.ready()
        day.ok("ana", A.load(lot: "D1", rounds: 6, scene: "1"))
        day.ok("ana", A.unload(lot: "D1", rounds: 6))
        day.ok("ana", A.declare("colt-1", .cold))
    }

    // FA-1: "hot only when it holds blanks"
    @Test func aFirearmHoldingOnlyDummiesIsNeverHot() {
        var day = Day()
        day.ready()
        day.ok("ana", A.load(lot: "D1", rounds: 6, scene: "1"))
        day.refuse("ana", A.declare("colt-1", .hot), [.fa1])
    }

    // FA-1: "hot only when it holds blanks"
    @Test func anEmptyFirearmIsNeverHot() {
        var day = Day()
        day.ready()
        day.refuse("ana", A.declare("colt-1", .hot), [.fa1])
    }

    // Precise "Rounds": it "held any blank or live round while it contained a round ... from a lot later found to hold a live round"
    @Test func dummiesOfALotLaterFoundLiveCountAsLiveRoundsForCold() {
        var day = Day()
        day.ready()
        day.ok("ana", A.load(lot: "D1", rounds: 6, scene: "1"))
        day.alarm("ana", A.inspectLot("D1", inspected: 6, live: 1), [.ammo1])
        day.ok("ana", A.inspect("colt-1", .clear))
        day.refuse("ana", A.declare("colt-1", .cold), [.fa1])
        day.ok("ana", A.unload(lot: "D1", rounds: 6))
        day.refuse("ana", A.declare("colt-1", .cold), [.fa1])
        day.ok("ana", A.inspect("colt-1", .clear))
        day.ok("ana", A.declare("colt-1", .cold))
    }

    // MARK: - FA-4: Returns go to the armorer, and unknown means unsafe

    // FA-4: "A firearm just received ... is unknown until the armorer inspects it ...: until then load, show_clear, declare and a hand_over to talent are refused, citing FA-4"
    @Test func aFirearmJustReceivedIsUnknownUntilTheArmorerInspectsIt() {
        var day = Day()
        day.ok("ana", A.receiveFirearm())
        day.lot("D1")
        day.meeting("1")
        #expect(day.gun().unknown)
        day.refuse("ana", A.load(lot: "D1", rounds: 6, scene: "1"), [.fa4])
        day.refuse("ana", A.showClear(), [.fa4])
        day.refuse("ana", A.declare("colt-1", .cold), [.fa4])
        day.refuse("ana", A.handOver(to: "ben", scene: "1"), [.fa2, .fa4])
        day.ok("ana", A.inspect("colt-1", .clear))
        #expect(!day.gun().unknown)
        day.ok("ana", A.load(lot: "D1", rounds: 6, scene: "1"))
    }

    // FA-4 followed: "Talent hands a firearm back only to the armorer"
    @Test func talentHandsTheFirearmBackToTheArmorer() {
        var day = Day()
        day.withTalent()
        day.ok("ben", A.handOver(to: "ana"))
        #expect(day.gun().custodian == "ana")
        #expect(day.gun().unknown)
    }

    // FA-4: "A firearm just ... handed back is unknown until the armorer inspects it"
    @Test func aHandedBackFirearmIsUnknownUntilInspected() {
        var day = Day()
        day.withTalent()
        day.ok("ben", A.handOver(to: "ana"))
        day.refuse("ana", A.load(lot: "D1", rounds: 1, scene: "1"), [.fa4])
        day.refuse("ana", A.showClear(), [.fa4])
        day.refuse("ana", A.declare("colt-1", .cold), [.fa4])
        day.ok("ana", A.inspect("colt-1", .clear))
        day.ok("ana", A.declare("colt-1", .cold))
    }

    // FA-4 lists only load, show_clear, declare and a hand_over to talent; unloading and storing an unknown firearm are fine (clean day, step 13)
    @Test func anUnknownFirearmMayStillBeUnloadedAndStored() {
        var day = Day()
        day.withTalent()
        day.ok("ben", A.handOver(to: "ana"))
        day.ok("ana", A.unload(lot: "D1", rounds: 6))
        day.ok("ana", A.store())
        #expect(day.gun().unknown)
    }

    // FA-4: "Talent hands a firearm back only to the armorer; anything else is refused"
    @Test func talentMayNotHandTheFirearmToTheFirstAD() {
        var day = Day()
        day.withTalent()
        day.refuse("ben", A.handOver(to: "dee"), [.fa3, .fa4])
        #expect(day.gun().custodian == "ben")
    }

    // Precise "Handovers": "FA-4 on every handover by talent to anyone but the armorer" (and FA-2, FA-3 on every handover to talent)
    @Test func talentMayNotPassTheFirearmToOtherTalent() {
        var day = Day()
        day.withTalent()
        day.refuse("ben", A.handOver(to: "kim", scene: "1"), [.fa2, .fa3, .fa4])
    }

    // FA-4: "only to the armorer" — any dedicated armorer, not only the one who handed it out
    @Test func talentMayHandBackToAnotherArmorer() {
        var day = Day()
        day.withTalent()
        day.ok("ben", A.handOver(to: "sam"))
        #expect(day.gun().custodian == "sam")
        #expect(day.gun().unknown)
    }

    // FA-4: unknown "until the armorer inspects it (inspect_firearm, any result)"
    @Test func theArmorersInspectionEndsUnknownWhateverItFinds() {
        var day = Day()
        day.ok("ana", A.receiveFirearm())
        day.lot("D1")
        day.meeting("1")
        day.alarm("ana", A.inspect("colt-1", .obstructed), [.fa8])
        #expect(!day.gun().unknown)
        day.refuse("ana", A.load(lot: "D1", rounds: 6, scene: "1"), [.fa8])
    }

    // Precise "Who counts as the armorer": others' inspections "never end unknown"
    @Test(arguments: ["dee", "pat", "ben"])
    func aNonArmorersInspectionNeverEndsUnknown(_ who: String) {
        var day = Day()
        day.ok("ana", A.receiveFirearm())
        day.lot("D1")
        day.meeting("1")
        day.ok(who, A.inspect("colt-1", .clear))
        #expect(day.gun().unknown)
        day.refuse("ana", A.load(lot: "D1", rounds: 6, scene: "1"), [.fa4])
    }

    // Precise "Who counts as the armorer": "Two armorers may hand a firearm to each other; its state is unchanged"
    @Test func armorersMayPassAnUnknownFirearmBetweenThemAndItStaysUnknown() {
        var day = Day()
        day.ok("ana", A.receiveFirearm())
        day.ok("ana", A.handOver(to: "sam"))
        #expect(day.gun().custodian == "sam")
        #expect(day.gun().unknown)
        day.ok("sam", A.inspect("colt-1", .clear))
        #expect(!day.gun().unknown)
    }

    // MARK: - FA-8: Misfires go back to the armorer

    // FA-8: "A misfire ... raises an alarm and withdraws the firearm"; a dummy's misfire is also unplanned (crow-0331, step 10)
    @Test func aMisfireOfADummyIsBothUnplannedAndAFault() {
        var day = Day()
        day.withTalent()
        day.alarm("ana", A.fire("colt-1", scene: "1", rounds: 1, .misfire, shooter: "ben"), [.fa7, .fa8])
        #expect(day.gun().withdrawnForFault)
        #expect(day.gun().frozen)
    }

    // FA-8 and FA-7: a blank misfire in a take of a blanks scene is planned, but still a fault
    @Test func aPlannedMisfireOfABlankWithdrawsTheFirearmWithoutFreezingIt() {
        var day = Day()
        day.withTalent(lot: "B1", rounds: 2, scene: "2")
        day.alarm("ana", A.fire("colt-1", scene: "2", rounds: 1, .misfire, shooter: "ben"), [.fa8])
        #expect(day.gun().withdrawnForFault)
        #expect(!day.gun().frozen)
    }

    // FA-8: "an inspection that finds the firearm obstructed ... raises an alarm and withdraws the firearm: load, show_clear, declare ... refused, citing FA-8"
    @Test func anObstructedFindingRaisesAnAlarmAndWithdrawsTheFirearm() {
        var day = Day()
        day.ready()
        day.alarm("ana", A.inspect("colt-1", .obstructed), [.fa8])
        #expect(day.gun().withdrawnForFault)
        day.refuse("ana", A.load(lot: "D1", rounds: 6, scene: "1"), [.fa8])
        day.refuse("ana", A.showClear(), [.fa8])
        day.refuse("ana", A.declare("colt-1", .cold), [.fa8])
    }

    // FA-8: a `faulty` finding withdraws the firearm: "a hand_over to talent [is] refused, citing FA-8"
    @Test func aFaultyFindingStopsAHandoverToTalentEvenAfterAShowClear() {
        var day = Day()
        day.ready()
        day.ok("ana", A.load(lot: "D1", rounds: 6, scene: "1"))
        day.ok("ana", A.showClear())
        day.alarm("ana", A.inspect("colt-1", .faulty), [.fa8])
        day.refuse("ana", A.handOver(to: "ben", scene: "1"), [.fa8])
    }

    // FA-8: refused "until an inspect_firearm finds it clear"
    @Test func onlyAClearInspectionByTheArmorerEndsTheWithdrawal() {
        var day = Day()
        day.ready()
        day.alarm("ana", A.inspect("colt-1", .obstructed), [.fa8])
        day.alarm("ana", A.inspect("colt-1", .faulty), [.fa8])
        day.refuse("ana", A.load(lot: "D1", rounds: 6, scene: "1"), [.fa8])
        day.ok("ana", A.inspect("colt-1", .clear))
        #expect(!day.gun().withdrawnForFault)
        day.ok("ana", A.load(lot: "D1", rounds: 6, scene: "1"))
    }

    // Precise "Who counts as the armorer": others' inspections "never lift a withdrawal"
    @Test func aNonArmorersClearInspectionDoesNotEndTheFA8Withdrawal() {
        var day = Day()
        day.ready()
        day.alarm("ana", A.inspect("colt-1", .obstructed), [.fa8])
        day.ok("dee", A.inspect("colt-1", .clear))
        day.refuse("ana", A.load(lot: "D1", rounds: 6, scene: "1"), [.fa8])
    }

    // Precise "Who counts as the armorer": inspections by anyone else "may raise alarms (an obstructed finding ...)"
    @Test func aNonArmorersObstructedFindingStillAlarmsAndWithdraws() {
        var day = Day()
        day.ready()
        day.alarm("dee", A.inspect("colt-1", .obstructed), [.fa8])
        #expect(day.gun().withdrawnForFault)
        day.refuse("ana", A.load(lot: "D1", rounds: 6, scene: "1"), [.fa8])
    }

    // FA-8 withdraws from load, show_clear, declare and handing to talent only: unloading, storing and passing to another armorer stay open
    @Test func aWithdrawnFirearmMayStillBeUnloadedStoredAndPassedToAnotherArmorer() {
        var day = Day()
        day.ready()
        day.ok("ana", A.load(lot: "D1", rounds: 6, scene: "1"))
        day.alarm("ana", A.inspect("colt-1", .obstructed), [.fa8])
        day.ok("ana", A.unload(lot: "D1", rounds: 6))
        day.ok("ana", A.store())
        day.ok("ana", A.handOver(to: "sam"))
        #expect(day.gun().withdrawnForFault)
    }

    // Precise "Withdrawn": while withdrawn by two rules, a command cites both
    @Test func aFirearmWithdrawnByTwoRulesCitesBoth() {
        var day = Day()
        day.withTalent(lot: "B1", rounds: 2, scene: "2")
        day.alarm("ana", A.fire("colt-1", scene: "2", rounds: 1, .misfire, shooter: "ben"), [.fa8])
        day.ok("ben", A.handOver(to: "ana"))
        day.refuse("ana", A.declare("colt-1", .hot), [.fa4, .fa8])
    }

    // FA-4: "Talent hands a firearm back only to the armorer"; a dual-hatted armorer "is treated as not an armorer"
    @Test func talentMayNotHandBackToADualHattedArmorer() {
        var day = Day()
        day.withTalent()
        day.refuse("ben", A.handOver(to: "duo"), [.fa3, .fa4])
    }

    // FA-3: "Handing it to anyone who is neither talent nor the armorer is refused" — a dual-hatted armorer may not act as armorer
    @Test func theArmorerMayNotHandAFirearmToADualHattedArmorer() {
        var day = Day()
        day.ready()
        day.refuse("ana", A.handOver(to: "duo"), [.fa3])
    }

    // "Where a step breaks several rules, it cites them all": a load breaking four rules
    @Test func aLoadBreakingSeveralRulesCitesThemAllSorted() {
        var day = Day()
        day.ok("ana", A.receiveFirearm())
        day.lot("D1", .dummy, verify: false)
        day.refuse("ana", A.load(lot: "D1", rounds: 13, scene: "1"), [.ammo2, .ammo4, .fa4, .scene1])
    }

    // FA-8 with AMMO-4 and FA-7: a misfire of more rounds than held cites all three; a misfire uses its round
    @Test func aMisfireOfMoreRoundsThanHeldCitesAMMO4FA7AndFA8() {
        var day = Day()
        day.withTalent(lot: "B1", rounds: 1, scene: "2")
        day.alarm("ana", A.fire("colt-1", scene: "2", rounds: 2, .misfire, shooter: "ben"), [.ammo4, .fa7, .fa8])
        #expect(day.box("B1").fired == 1)
    }
}
