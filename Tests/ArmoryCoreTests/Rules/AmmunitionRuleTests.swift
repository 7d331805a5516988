import ArmoryCore
import Testing

/// AMMO-1 to AMMO-4: no live rounds, dummies verified round by round, blanks only by the
/// armorer for a take, and every round accounted for.
struct AmmunitionRuleTests {
    // MARK: - AMMO-1: No live ammunition

    // AMMO-1: "Receiving a lot of kind `live` ... raises an alarm; that lot is quarantined at once"
    @Test func receivingALiveLotRaisesAnAlarmAndQuarantinesIt() {
        var day = Day()
        day.alarm("ana", A.receiveAmmo("L1", .live, count: 6), [.ammo1])
        #expect(day.box("L1").quarantined)
        #expect(day.box("L1").box == 6)
    }

    // AMMO-1: "that lot is quarantined at once (nothing may be loaded from it)"
    @Test func nothingIsLoadedFromALiveLot() {
        var day = Day()
        day.ready()
        day.alarm("ana", A.receiveAmmo("L1", .live, count: 6), [.ammo1])
        day.refuse("ana", A.load(lot: "L1", rounds: 1, scene: "1"), [.ammo1])
    }

    // AMMO-1: "an inspection that finds a live round in any lot raises an alarm; that lot is quarantined at once"
    @Test func anInspectionFindingALiveRoundRaisesAnAlarmAndQuarantinesTheLot() {
        var day = Day()
        day.ready()
        day.alarm("ana", A.inspectLot("D1", inspected: 12, live: 1), [.ammo1])
        #expect(day.box("D1").quarantined)
        #expect(day.box("D1").foundLive)
    }

    // Precise "Dummies verified": a later inspection that finds a live round undoes the verification "(and quarantines, AMMO-1)"
    @Test func aLotFoundLiveIsBothQuarantinedAndNoLongerVerified() {
        var day = Day()
        day.ready()
        day.alarm("ana", A.inspectLot("D1", inspected: 12, live: 1), [.ammo1])
        #expect(!day.box("D1").verified)
        day.refuse("ana", A.load(lot: "D1", rounds: 1, scene: "1"), [.ammo1, .ammo2])
    }

    // Precise "Dummies verified": "Only a single inspection of at least the box count with live_found 0 verifies" — but nothing lifts a quarantine
    @Test func aLaterCleanInspectionDoesNotLiftTheQuarantine() {
        var day = Day()
        day.ready()
        day.alarm("ana", A.inspectLot("D1", inspected: 12, live: 1), [.ammo1])
        day.ok("ana", A.inspectLot("D1", inspected: 12, live: 0))
        day.refuse("ana", A.load(lot: "D1", rounds: 1, scene: "1"), [.ammo1])
    }

    // AMMO-1: "every firearm loaded from it since its receipt is withdrawn until the armorer inspects it again" — even one emptied since
    @Test func aFirearmLoadedFromTheLotIsWithdrawnEvenIfUnloadedSince() {
        var day = Day()
        day.ready()
        day.ok("ana", A.load(lot: "D1", rounds: 6, scene: "1"))
        day.ok("ana", A.unload(lot: "D1", rounds: 6))
        day.alarm("ana", A.inspectLot("D1", inspected: 12, live: 1), [.ammo1])
        #expect(day.gun().withdrawnForLiveLot)
        day.refuse("ana", A.load(lot: "B1", rounds: 2, scene: "2"), [.ammo1])
        day.refuse("ana", A.showClear(), [.ammo1])
    }

    // Precise "Withdrawn": "While so, load, show_clear, declare and a hand_over to talent are refused, citing the rule that withdrew it"
    @Test func aHandoverToTalentOfAFirearmLoadedFromALiveLotIsRefusedCitingAMMO1() {
        var day = Day()
        day.ready()
        day.ok("ana", A.load(lot: "D1", rounds: 6, scene: "1"))
        day.ok("ana", A.showClear())
        day.alarm("ana", A.inspectLot("D1", inspected: 6, live: 1), [.ammo1])
        day.refuse("ana", A.handOver(to: "ben", scene: "1"), [.ammo1])
        #expect(day.gun().custodian == "ana")
    }

    // Precise "Rounds": "A firearm held any blank or live round while it contained a round ... from a lot later found to hold a live round" (FA-1) — and AMMO-1 withdraws it too
    @Test func declaringColdAFirearmThatHeldRoundsOfALotFoundLiveCitesAMMO1AndFA1() {
        var day = Day()
        day.ready()
        day.ok("ana", A.load(lot: "D1", rounds: 6, scene: "1"))
        day.ok("ana", A.unload(lot: "D1", rounds: 6))
        day.alarm("ana", A.inspectLot("D1", inspected: 12, live: 1), [.ammo1])
        day.refuse("ana", A.declare("colt-1", .cold), [.ammo1, .fa1])
    }

    // Precise "Withdrawn": "FA-4 and AMMO-1 end at the armorer's next inspect_firearm (any result)"
    @Test func theArmorersClearInspectionEndsTheAMMO1Withdrawal() {
        var day = Day()
        day.ready()
        day.ok("ana", A.load(lot: "D1", rounds: 6, scene: "1"))
        day.ok("ana", A.unload(lot: "D1", rounds: 6))
        day.alarm("ana", A.inspectLot("D1", inspected: 12, live: 1), [.ammo1])
        day.ok("ana", A.inspect("colt-1", .clear))
        #expect(!day.gun().withdrawnForLiveLot)
        day.ok("ana", A.load(lot: "B1", rounds: 2, scene: "2"))
    }

    // Precise "Withdrawn": AMMO-1 ends at the armorer's next inspection "(any result)"; FA-8 then takes over
    @Test func aFaultyFindingEndsTheAMMO1WithdrawalButStartsFA8() {
        var day = Day()
        day.ready()
        day.ok("ana", A.load(lot: "D1", rounds: 6, scene: "1"))
        day.ok("ana", A.unload(lot: "D1", rounds: 6))
        day.alarm("ana", A.inspectLot("D1", inspected: 12, live: 1), [.ammo1])
        day.alarm("ana", A.inspect("colt-1", .faulty), [.fa8])
        #expect(!day.gun().withdrawnForLiveLot)
        day.refuse("ana", A.load(lot: "B1", rounds: 2, scene: "2"), [.fa8])
    }

    // Precise "Who counts as the armorer": inspections by anyone else "never lift a withdrawal"
    @Test func aFirstADsInspectionDoesNotLiftTheAMMO1Withdrawal() {
        var day = Day()
        day.ready()
        day.ok("ana", A.load(lot: "D1", rounds: 6, scene: "1"))
        day.ok("ana", A.unload(lot: "D1", rounds: 6))
        day.alarm("ana", A.inspectLot("D1", inspected: 12, live: 1), [.ammo1])
        day.ok("dee", A.inspect("colt-1", .clear))
        day.refuse("ana", A.load(lot: "B1", rounds: 2, scene: "2"), [.ammo1])
    }

    // Precise "Rounds": "A load of 0 rounds still counts as loading from that lot (freezing, AMMO-1)"
    @Test func aLoadOfZeroRoundsStillWithdrawsTheFirearmWhenTheLotIsFoundLive() {
        var day = Day()
        day.ready()
        day.ok("ana", A.load(lot: "D1", rounds: 0, scene: "1"))
        day.alarm("ana", A.inspectLot("D1", inspected: 12, live: 1), [.ammo1])
        #expect(day.gun().withdrawnForLiveLot)
    }

    // Precise "Rounds": "'since its receipt' means since the lot's first receipt"
    @Test func aSecondReceiptDoesNotRestartWhoWasLoadedFromTheLot() {
        var day = Day()
        day.ready()
        day.ok("ana", A.load(lot: "D1", rounds: 6, scene: "1"))
        day.ok("ana", A.unload(lot: "D1", rounds: 6))
        day.ok("ana", A.receiveAmmo("D1", .dummy, count: 6))
        day.alarm("ana", A.inspectLot("D1", inspected: 18, live: 1), [.ammo1])
        #expect(day.gun().withdrawnForLiveLot)
    }

    // Precise "Who counts as the armorer": anyone's inspection "may raise alarms (... a live round)"
    @Test func aLiveRoundFoundBySomeoneWhoIsNotTheArmorerStillAlarmsAndQuarantines() {
        var day = Day()
        day.ready()
        day.alarm("cy", A.inspectLot("D1", inspected: 3, live: 1), [.ammo1])
        #expect(day.box("D1").quarantined)
        day.refuse("ana", A.load(lot: "D1", rounds: 1, scene: "1"), [.ammo1, .ammo2])
    }

    // AMMO-1: only "every firearm loaded from it" is withdrawn
    @Test func aFirearmNeverLoadedFromTheLotIsNotWithdrawn() {
        var day = Day()
        day.ready()
        day.firearm("colt-2")
        day.ok("ana", A.load("colt-1", lot: "D1", rounds: 6, scene: "1"))
        day.alarm("ana", A.inspectLot("D1", inspected: 6, live: 1), [.ammo1])
        #expect(day.gun("colt-1").withdrawnForLiveLot)
        #expect(!day.gun("colt-2").withdrawnForLiveLot)
        day.ok("ana", A.load("colt-2", lot: "B1", rounds: 2, scene: "2"))
    }

    // AMMO-1 quarantine: "nothing may be loaded from it" — unloading its rounds out of a firearm is not loading
    @Test func theRoundsOfAQuarantinedLotMayStillBeUnloaded() {
        var day = Day()
        day.ready()
        day.ok("ana", A.load(lot: "D1", rounds: 6, scene: "1"))
        day.alarm("ana", A.inspectLot("D1", inspected: 6, live: 1), [.ammo1])
        day.ok("ana", A.unload(lot: "D1", rounds: 6))
        #expect(day.box("D1").box == 12)
        #expect(day.rounds().isEmpty)
    }

    // MARK: - AMMO-2: Dummies are verified round by round

    // AMMO-2: "Loading from an uninspected ... dummy lot is refused"
    @Test func loadingFromAnUninspectedDummyLotIsRefused() {
        var day = Day()
        day.firearm()
        day.lot("D1", .dummy, verify: false)
        day.meeting("1")
        day.refuse("ana", A.load(lot: "D1", rounds: 6, scene: "1"), [.ammo2])
        #expect(day.box("D1").box == 12)
    }

    // AMMO-2: "Loading from ... a partly inspected dummy lot is refused"
    @Test func loadingFromAPartlyInspectedDummyLotIsRefused() {
        var day = Day()
        day.firearm()
        day.lot("D1", .dummy, verify: false)
        day.meeting("1")
        day.ok("ana", A.inspectLot("D1", inspected: 11))
        day.refuse("ana", A.load(lot: "D1", rounds: 6, scene: "1"), [.ammo2])
    }

    // Precise "Dummies verified": "partial inspections do not add up"
    @Test func partialInspectionsDoNotAddUp() {
        var day = Day()
        day.firearm()
        day.lot("D1", .dummy, verify: false)
        day.meeting("1")
        day.ok("ana", A.inspectLot("D1", inspected: 6))
        day.ok("ana", A.inspectLot("D1", inspected: 6))
        #expect(!day.box("D1").verified)
        day.refuse("ana", A.load(lot: "D1", rounds: 6, scene: "1"), [.ammo2])
    }

    // AMMO-2: "A dummy lot may be loaded only after an armorer's inspection of every round in it ... that found no live round"
    @Test func anArmorersInspectionOfEveryRoundVerifiesTheLot() {
        var day = Day()
        day.firearm()
        day.lot("D1", .dummy, verify: false)
        day.meeting("1")
        day.ok("ana", A.inspectLot("D1", inspected: 12))
        #expect(day.box("D1").verified)
        day.ok("ana", A.load(lot: "D1", rounds: 6, scene: "1"))
    }

    // Precise "Dummies verified": "a single inspection of at least the box count"
    @Test func anInspectionOfMoreThanTheBoxCountAlsoVerifies() {
        var day = Day()
        day.lot("D1", .dummy, verify: false)
        day.ok("ana", A.inspectLot("D1", inspected: 13))
        #expect(day.box("D1").verified)
    }

    // Precise "Who counts as the armorer": inspections by anyone else "never verify a lot"
    @Test func aFirstADsFullInspectionNeverVerifiesALot() {
        var day = Day()
        day.firearm()
        day.lot("D1", .dummy, verify: false)
        day.meeting("1")
        day.ok("dee", A.inspectLot("D1", inspected: 12))
        #expect(!day.box("D1").verified)
        day.refuse("ana", A.load(lot: "D1", rounds: 6, scene: "1"), [.ammo2])
    }

    // Precise "Dummies verified": "A later partial inspection does not undo a verification"
    @Test func aLaterPartialInspectionDoesNotUndoAVerification() {
        var day = Day()
        day.ready()
        day.ok("ana", A.inspectLot("D1", inspected: 3))
        #expect(day.box("D1").verified)
        day.ok("ana", A.load(lot: "D1", rounds: 6, scene: "1"))
    }

    // Precise "Dummies verified": "so does a new receive_ammo into the same lot (which adds to its box ...)"
    @Test func aNewReceiptIntoTheLotUnverifiesIt() {
        var day = Day()
        day.ready()
        day.ok("ana", A.receiveAmmo("D1", .dummy, count: 6))
        #expect(day.box("D1").box == 18)
        #expect(!day.box("D1").verified)
        day.refuse("ana", A.load(lot: "D1", rounds: 6, scene: "1"), [.ammo2])
        day.ok("ana", A.inspectLot("D1", inspected: 18))
        day.ok("ana", A.load(lot: "D1", rounds: 6, scene: "1"))
    }

    // AMMO-2: "`inspected` equals the lot's remaining count": after a new receipt, inspecting only the new rounds is partial
    @Test func afterANewReceiptOnlyAnInspectionOfTheWholeBoxVerifies() {
        var day = Day()
        day.ready()
        day.ok("ana", A.load(lot: "D1", rounds: 6, scene: "1"))
        day.ok("ana", A.receiveAmmo("D1", .dummy, count: 6))
        day.ok("ana", A.inspectLot("D1", inspected: 6))
        day.refuse("ana", A.load(lot: "D1", rounds: 1, scene: "1"), [.ammo2])
        day.ok("ana", A.inspectLot("D1", inspected: 12))
        day.ok("ana", A.load(lot: "D1", rounds: 1, scene: "1"))
    }

    // AMMO-2: only a new receipt or a live finding undoes a verification; rounds unloaded back are not a receipt
    @Test func roundsUnloadedBackIntoTheBoxKeepTheLotVerified() {
        var day = Day()
        day.ready()
        day.ok("ana", A.load(lot: "D1", rounds: 6, scene: "1"))
        day.ok("ana", A.unload(lot: "D1", rounds: 6))
        #expect(day.box("D1").verified)
        day.ok("ana", A.load(lot: "D1", rounds: 6, scene: "1"))
    }

    // AMMO-2 is about "A dummy lot": blanks need no round-by-round inspection
    @Test func aBlankLotNeedsNoRoundByRoundInspection() {
        var day = Day()
        day.firearm()
        day.lot("B1", .blank)
        day.meeting("2", blanks: true)
        day.ok("ana", A.load(lot: "B1", rounds: 2, scene: "2"))
    }

    // MARK: - AMMO-3: Blanks only by the armorer, only for a take

    // AMMO-3: "Blanks are loaded only by the armorer, only for a scene whose safety meeting announced blanks"
    @Test func theArmorerLoadsBlanksForATakeOfASceneThatAnnouncedBlanks() {
        var day = Day()
        day.ready()
        day.ok("ana", A.load(lot: "B1", rounds: 2, scene: "2"))
        #expect(day.rounds() == ["B1:2"])
        #expect(day.box("B1").box == 10)
    }

    // ROLE-2: "Where a more specific rule says the same (FA-1, FA-3, AMMO-3), that rule is cited instead of ROLE-2"
    @Test(arguments: ["dee", "ben", "cy", "pat"])
    func someoneWhoIsNotTheArmorerLoadingBlanksIsRefusedCitingAMMO3NotROLE2(_ who: String) {
        var day = Day()
        day.ready()
        day.refuse(who, A.load(lot: "B1", rounds: 2, scene: "2"), [.ammo3])
    }

    // AMMO-3: "only for a scene whose safety meeting announced blanks"
    @Test func blanksAreNotLoadedForASceneWhoseMeetingAnnouncedNone() {
        var day = Day()
        day.ready()
        day.refuse("ana", A.load(lot: "B1", rounds: 2, scene: "1"), [.ammo3])
        #expect(day.box("B1").box == 12)
    }

    // AMMO-3 and SCENE-1: "No firearm is loaded for ... a scene until ... that scene's safety meeting"
    @Test func blanksForASceneWithNoMeetingCiteAMMO3AndSCENE1() {
        var day = Day()
        day.ready()
        day.refuse("ana", A.load(lot: "B1", rounds: 2, scene: "9"), [.ammo3, .scene1])
    }

    // AMMO-3: "and never for a rehearsal"; SCENE-3: "loading blanks ... for a rehearsal is refused"
    @Test func blanksAreNeverLoadedForARehearsalEvenOfABlanksScene() {
        var day = Day()
        day.ready()
        day.refuse("ana", A.load(lot: "B1", rounds: 2, scene: "2", rehearsal: true), [.ammo3, .scene3])
    }

    // SCENE-1: "the latest accepted meeting of a scene decides whether it has blanks"
    @Test func theLatestAcceptedMeetingDecidesWhetherASceneHasBlanks() {
        var day = Day()
        day.ready()
        day.ok("dee", A.meeting("2", blanks: false))
        day.refuse("ana", A.load(lot: "B1", rounds: 2, scene: "2"), [.ammo3])
        day.ok("dee", A.meeting("2", blanks: true))
        day.ok("ana", A.load(lot: "B1", rounds: 2, scene: "2"))
    }

    // SCENE-1: "the latest *accepted* meeting ... decides": a refused meeting changes nothing
    @Test func aRefusedMeetingDoesNotChangeWhetherASceneHasBlanks() {
        var day = Day()
        day.ready()
        day.refuse("cy", A.meeting("2", attendees: ["ana", "dee"], blanks: false), [.role2])
        day.ok("ana", A.load(lot: "B1", rounds: 2, scene: "2"))
    }

    // SCENE-1: "A meeting holds until the next wrap"
    @Test func announcedBlanksLastOnlyUntilTheNextWrap() {
        var day = Day()
        day.ready()
        day.step("dee", A.wrap)
        day.refuse("ana", A.load(lot: "B1", rounds: 2, scene: "2"), [.ammo3, .scene1])
    }

    // MARK: - AMMO-4: Every round is accounted for

    // AMMO-4: "The box of a lot holds received − loaded + unloaded"
    @Test func theBoxHoldsReceivedMinusLoadedPlusUnloaded() {
        var day = Day()
        day.ready()
        day.ok("ana", A.load(lot: "B1", rounds: 4, scene: "2"))
        #expect(day.box("B1").box == 8)
        day.ok("ana", A.unload(lot: "B1", rounds: 1))
        #expect(day.box("B1").box == 9)
        day.ok("ana", A.fire("colt-1", scene: "2", rounds: 3, .blank))
        #expect(day.box("B1").box == 9)
        #expect(day.box("B1").fired == 3)
        day.ok("ana", A.reconcile("B1", counted: 9))
    }

    // AMMO-4: "Every round received is in its lot's box, in a firearm, or fired"
    @Test func everyRoundReceivedIsInTheBoxInAFirearmOrFired() {
        var day = Day()
        day.ready()
        day.ok("ana", A.load(lot: "B1", rounds: 5, scene: "2"))
        day.ok("ana", A.fire("colt-1", scene: "2", rounds: 2, .blank))
        let lot = day.box("B1")
        #expect(lot.box == 7 && day.gun().rounds(of: "B1") == 3 && lot.fired == 2)
        #expect(lot.box + day.gun().rounds(of: "B1") + lot.fired == lot.received)
    }

    // AMMO-4: "a reconcile whose counted differs raises an alarm"
    @Test func aReconcileThatDoesNotMatchTheBoxRaisesAnAlarm() {
        var day = Day()
        day.ready()
        day.alarm("ana", A.reconcile("D1", counted: 11), [.ammo4])
        day.alarm("ana", A.reconcile("D1", counted: 13), [.ammo4])
        day.ok("ana", A.reconcile("D1", counted: 12))
    }

    // AMMO-4: the box holds received − loaded + unloaded: rounds still in a firearm are not in the box
    @Test func roundsStillInAFirearmAreNotInTheBox() {
        var day = Day()
        day.ready()
        day.ok("ana", A.load(lot: "D1", rounds: 6, scene: "1"))
        day.alarm("ana", A.reconcile("D1", counted: 12), [.ammo4])
        day.ok("ana", A.reconcile("D1", counted: 6))
    }

    // AMMO-4: fired rounds never return to the box
    @Test func countingFiredRoundsAsStillInTheBoxIsAMismatch() {
        var day = Day()
        day.ready()
        day.ok("ana", A.load(lot: "B1", rounds: 2, scene: "2"))
        day.ok("ana", A.fire("colt-1", scene: "2", rounds: 2, .blank))
        day.alarm("ana", A.reconcile("B1", counted: 12), [.ammo4])
        day.ok("ana", A.reconcile("B1", counted: 10))
    }

    /// colt-1 received, inspected and stored locked by ana; lot D1 (12 dummies) received and verified.
    static func storedDay() -> Day {
        var day = Day()
        day.firearm()
        day.ok("ana", A.store())
        day.lot("D1", .dummy)
        return day
    }

    // AMMO-4: "So does a wrap while any lot touched since the last wrap has no reconcile after the last step that moved rounds"
    @Test func aWrapWithAnUnreconciledLotRaisesAnAlarm() {
        var day = Self.storedDay()
        day.alarm("dee", A.wrap, [.ammo4])
    }

    // AMMO-4 followed: every touched lot reconciled after its last movement
    @Test func aWrapAfterEveryTouchedLotIsReconciledIsQuiet() {
        var day = Self.storedDay()
        day.ok("ana", A.reconcile("D1", counted: 12))
        day.ok("dee", A.wrap)
    }

    // AMMO-4: only lots "touched since the last wrap" need a reconcile
    @Test func aLotUntouchedSinceTheLastWrapNeedsNoReconcile() {
        var day = Self.storedDay()
        day.ok("ana", A.reconcile("D1", counted: 12))
        day.ok("dee", A.wrap)
        day.ok("dee", A.wrap, after: 60 * 12)
    }

    // Precise "Rounds": "a touched lot needs a matching reconcile before wrap even if no round moved"
    @Test func aLotOnlyInspectedSinceTheLastWrapStillNeedsAReconcile() {
        var day = Self.storedDay()
        day.ok("ana", A.reconcile("D1", counted: 12))
        day.ok("dee", A.wrap)
        day.ok("ana", A.inspectLot("D1", inspected: 4), after: 60 * 12)
        day.alarm("dee", A.wrap, [.ammo4])
    }

    // Precise "Rounds": a touched lot needs a matching reconcile — given one, the wrap is quiet
    @Test func aLotOnlyInspectedAndThenReconciledWrapsQuietly() {
        var day = Self.storedDay()
        day.ok("ana", A.reconcile("D1", counted: 12))
        day.ok("dee", A.wrap)
        day.ok("ana", A.inspectLot("D1", inspected: 4), after: 60 * 12)
        day.ok("ana", A.reconcile("D1", counted: 12))
        day.ok("dee", A.wrap)
    }

    // Precise "Rounds": a lot is touched "by every step that names it except a refused command"
    @Test func aLotNamedOnlyByARefusedCommandIsNotTouched() {
        var day = Self.storedDay()
        day.ok("ana", A.reconcile("D1", counted: 12))
        day.ok("dee", A.wrap)
        day.refuse("ana", A.load(lot: "D1", rounds: 6, scene: "1"), [.scene1], after: 60 * 12)
        day.ok("dee", A.wrap)
    }

    // AMMO-4: a reconcile must come "after the last step that moved rounds into or out of its box"
    @Test func aReconcileBeforeTheLastMovementDoesNotCount() {
        var day = Self.storedDay()
        day.meeting("1")
        day.ok("ana", A.reconcile("D1", counted: 12))
        day.ok("ana", A.load(lot: "D1", rounds: 6, scene: "1"))
        day.ok("ana", A.store())
        day.alarm("dee", A.wrap, [.ammo4])
    }

    // AMMO-4: only steps that move rounds need a new reconcile; a lot inspection after the reconcile moves none
    @Test func anInspectionAfterTheReconcileNeedsNoSecondReconcile() {
        var day = Self.storedDay()
        day.ok("ana", A.reconcile("D1", counted: 12))
        day.ok("ana", A.inspectLot("D1", inspected: 12))
        day.ok("dee", A.wrap)
    }

    // AMMO-4: "... or its latest reconcile did not match"
    @Test func aWrapAfterAMismatchedLatestReconcileRaisesAnAlarm() {
        var day = Self.storedDay()
        day.alarm("ana", A.reconcile("D1", counted: 10), [.ammo4])
        day.alarm("dee", A.wrap, [.ammo4])
    }

    // AMMO-4: only the *latest* reconcile decides
    @Test func aMatchingRecountAfterAMismatchSatisfiesTheWrap() {
        var day = Self.storedDay()
        day.alarm("ana", A.reconcile("D1", counted: 10), [.ammo4])
        day.ok("ana", A.reconcile("D1", counted: 12))
        day.ok("dee", A.wrap)
    }

    // AMMO-4: "a load ... of more rounds than the box ... holds (refused)"
    @Test func loadingMoreRoundsThanTheBoxHoldsIsRefused() {
        var day = Day()
        day.ready()
        day.refuse("ana", A.load(lot: "D1", rounds: 13, scene: "1"), [.ammo4])
        #expect(day.box("D1").box == 12)
        day.ok("ana", A.load(lot: "D1", rounds: 12, scene: "1"))
        #expect(day.box("D1").box == 0)
    }

    // AMMO-4: "an unload of more rounds than ... the firearm holds (refused)"
    @Test func unloadingMoreRoundsThanTheFirearmHoldsIsRefused() {
        var day = Day()
        day.ready()
        day.ok("ana", A.load(lot: "D1", rounds: 6, scene: "1"))
        day.refuse("ana", A.unload(lot: "D1", rounds: 7), [.ammo4])
        #expect(day.rounds() == ["D1:6"])
    }

    // Precise "Rounds": an unload "may return at most the rounds of that lot still in the firearm"
    @Test func unloadingALotTheFirearmDoesNotHoldIsRefused() {
        var day = Day()
        day.ready()
        day.ok("ana", A.load(lot: "B1", rounds: 2, scene: "2"))
        day.refuse("ana", A.unload(lot: "D1", rounds: 1), [.ammo4])
    }

    // Precise "Rounds": fired rounds are no longer "still in the firearm"
    @Test func firedRoundsCannotBeUnloaded() {
        var day = Day()
        day.ready()
        day.ok("ana", A.load(lot: "B1", rounds: 2, scene: "2"))
        day.ok("ana", A.fire("colt-1", scene: "2", rounds: 1, .blank))
        day.refuse("ana", A.unload(lot: "B1", rounds: 2), [.ammo4])
        day.ok("ana", A.unload(lot: "B1", rounds: 1))
        #expect(day.box("B1").box == 11)
    }

    // AMMO-4: "a fire of more rounds than the firearm holds" raises an alarm (and cannot be planned, FA-7)
    @Test func firingMoreRoundsThanTheFirearmHoldsRaisesAnAlarm() {
        var day = Day()
        day.ready()
        day.ok("ana", A.load(lot: "B1", rounds: 2, scene: "2"))
        day.alarm("ana", A.fire("colt-1", scene: "2", rounds: 3, .blank), [.ammo4, .fa7])
    }

    // Precise "Rounds": "a click uses nothing"
    @Test func aClickOfAnEmptyFirearmAccountsForNothing() {
        var day = Day()
        day.ready()
        day.ok("ana", A.fire("colt-1", scene: "1", rounds: 6, .click))
    }
}
