import ArmoryCore
import Testing

/// The engine decides by protocol revision (`ProtocolRevision`): evidence recorded before
/// PROTOCOL.md's settled readings (revision 1, `armory-entry/v1`) is re-decided by the rules it
/// was recorded under, so it still verifies; anything new by today's (revision 2). For each
/// reading that changed a decision an entry may hold, the same day gives the old outcome under
/// revision 1 and the settled one under revision 2, and the state evolves as each revision says.
struct RevisionTests {
    // MARK: - AMMO-4: whose reconcile counts at wrap

    // Revision 1: anyone's matching reconcile counted as the lot's reconcile at wrap. Revision 2 (Precise "Who counts
    // as the armorer"): a reconcile by anyone else "never counts as the lot's reconcile at wrap"
    @Test(arguments: [(1, Outcome.ok, [Rule]()), (2, .alarm, [.ammo4])])
    func talentsMatchingReconcileAtWrap(_ revision: Int, _ wrap: Outcome, _ rules: [Rule]) {
        var day = AmmunitionRuleTests.storedDay()
        day.revision = revision
        day.ok("ben", A.reconcile("D1", counted: 12))
        #expect(day.box("D1").reconciledSinceMove == (revision == 1))
        day.expect("dee", A.wrap, wrap, rules)
    }

    // Revision 1: talent's matching count after the armorer's mismatch was the lot's latest reconcile; revision 2: the
    // armorer's mismatch stands
    @Test(arguments: [(1, Outcome.ok, [Rule]()), (2, .alarm, [.ammo4])])
    func talentsMatchingCountAfterTheArmorersMismatch(_ revision: Int, _ wrap: Outcome, _ rules: [Rule]) {
        var day = AmmunitionRuleTests.storedDay()
        day.revision = revision
        day.alarm("ana", A.reconcile("D1", counted: 10), [.ammo4])
        day.ok("ben", A.reconcile("D1", counted: 12))
        day.expect("dee", A.wrap, wrap, rules)
    }

    // And the other way: under revision 1 a crew member's mismatch after the armorer's match was the lot's latest
    // reconcile, so the wrap alarmed; under revision 2 the armorer's match stands
    @Test(arguments: [(1, Outcome.alarm, [Rule.ammo4]), (2, .ok, [])])
    func crewsMismatchAfterTheArmorersMatch(_ revision: Int, _ wrap: Outcome, _ rules: [Rule]) {
        var day = AmmunitionRuleTests.storedDay()
        day.revision = revision
        day.ok("ana", A.reconcile("D1", counted: 12))
        day.alarm("cy", A.reconcile("D1", counted: 11), [.ammo4])
        day.expect("dee", A.wrap, wrap, rules)
    }

    // MARK: - FA-4: a firearm never accepted

    // Revision 1: talent handing on a firearm whose receipt was refused cited FA-4 like any talent's handover to
    // someone but the armorer; revision 2 (Precise "Custody"): "A never-accepted firearm is not unknown ... not FA-4"
    @Test(arguments: [(1, [Rule.fa3, .fa4, .fa5], [Rule.fa2, .fa3, .fa4, .fa5]), (2, [.fa3, .fa5], [.fa2, .fa3, .fa5])])
    func talentHandingOnANeverAcceptedFirearm(_ revision: Int, _ toFirstAD: [Rule], _ toTalent: [Rule]) {
        var day = Day()
        day.revision = revision
        day.refuse("cy", A.receiveFirearm("colt-9"), [.role2])
        day.meeting("1")
        day.refuse("ben", A.handOver("colt-9", to: "dee"), toFirstAD)
        day.refuse("ben", A.handOver("colt-9", to: "kim", scene: "1"), toTalent)
        // To the armorer FA-4 was never cited, under either revision
        day.refuse("ben", A.handOver("colt-9", to: "ana"), [.fa3, .fa5])
    }

    // MARK: - FA-2: several show-clears before one handover

    // Revision 1: only the latest show-clear counted, so one to other people undid an earlier qualifying one; revision
    // 2 (Precise "Show-clear"): "a later show-clear to other people does not undo an earlier one"
    @Test(arguments: [(1, Outcome.refused, [Rule.fa2]), (2, .ok, [])])
    func aLaterShowClearToOtherPeople(_ revision: Int, _ handover: Outcome, _ rules: [Rule]) {
        var day = HandoverRuleTests.loaded()
        day.revision = revision
        day.ok("ana", A.showClear(to: ["ben", "dee"]))
        day.ok("ana", A.showClear(to: ["kim"]))
        // Revision 1: a show_clear replaces the firearm's show-clears with itself
        #expect(day.gun().showClears.map(\.audience) == (revision == 1 ? [["kim"]] : [["ben", "dee"], ["kim"]]))
        day.expect("ana", A.handOver(to: "ben", scene: "1"), handover, rules)
        #expect(day.gun().custodian == (revision == 1 ? "ana" : "ben"))
    }

    // Two qualifying show-clears to different talent: under revision 1 only the later one's talent was covered
    @Test(arguments: [(1, Outcome.refused, [Rule.fa2]), (2, .ok, [])])
    func twoShowClearsToDifferentTalent(_ revision: Int, _ handover: Outcome, _ rules: [Rule]) {
        var day = HandoverRuleTests.loaded()
        day.revision = revision
        day.ok("ana", A.showClear(to: ["kim", "dee"]))
        day.ok("ana", A.showClear(to: ["ben", "dee"]))
        day.expect("ana", A.handOver(to: "kim", scene: "1"), handover, rules)
    }

    // MARK: - A log that spans the upgrade

    // Each step changes the state as its own revision says: show-clears recorded under revision 1 kept only the latest,
    // so a handover decided under revision 2 after them finds only that one
    @Test func showClearsRecordedUnderRevision1KeepOnlyTheLatestAfterTheUpgrade() {
        var day = HandoverRuleTests.loaded()
        day.revision = 1
        day.ok("ana", A.showClear(to: ["ben", "dee"]))
        day.ok("ana", A.showClear(to: ["kim"]))
        day.revision = 2
        day.refuse("ana", A.handOver(to: "ben", scene: "1"), [.fa2])
        day.ok("ana", A.showClear(to: ["ben", "dee"]))
        day.ok("ana", A.showClear(to: ["kim"]))
        day.ok("ana", A.handOver(to: "ben", scene: "1"))
    }

    // Talent's reconcile recorded under revision 1 settled the lot then; a wrap after the upgrade honours it
    @Test func aReconcileRecordedUnderRevision1StillSettlesTheLotAfterTheUpgrade() {
        var day = AmmunitionRuleTests.storedDay()
        day.revision = 1
        day.ok("ben", A.reconcile("D1", counted: 12))
        day.revision = 2
        day.ok("dee", A.wrap)
    }

    // Decisions that did not change are the same under both revisions: the dual-hatted armorer's hand_over needs no
    // scene (it only made an invalid step valid, so it holds in both)
    @Test(arguments: ProtocolRevision.all)
    func aHandOverToADualHattedTalentNeedsNoSceneUnderEitherRevision(_ revision: Int) {
        var day = HandoverRuleTests.loaded()
        day.revision = revision
        day.ok("ana", A.showClear(to: ["ace", "dee"]))
        day.refuse("ana", A.handOver(to: "ace"), [.fa3])
    }

    // A revision the engine does not know is invalid input, never a decision
    @Test(arguments: [0, ProtocolRevision.current + 1])
    func anUnknownRevisionIsInvalidInput(_ revision: Int) {
        var state = ProductionState(people: Day.crew)
        let step = Step(at: Timestamp(seconds: 1_772_460_000, offsetMinutes: -420), by: "dee", action: .wrap)
        #expect(throws: StepFormatError.self) { try state.apply(step, revision: revision) }
        #expect(state.stepCount == 0)
    }
}
