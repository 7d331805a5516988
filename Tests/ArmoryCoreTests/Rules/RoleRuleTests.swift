import ArmoryCore
import Testing

/// ROLE-1 (a dedicated armorer), ROLE-2 (roles are checked on every command) and
/// CONCERN-1 (anyone may raise a safety concern, anonymously).
struct RoleRuleTests {
    // MARK: - ROLE-1: A dedicated armorer

    // ROLE-1: "a person whose roles hold armorer and anything else may not act as armorer, and their armorer-only commands are refused"
    @Test(arguments: ["duo", "ace"])
    func aDualHattedArmorerMayNotLoad(_ who: String) {
        var day = Day()
        day.ready()
        day.refuse(who, A.load(lot: "D1", rounds: 6, scene: "1"), [.role1])
    }

    // Precise: their armorer-only commands "cite ROLE-1 where the role alone would have cited ... AMMO-3"
    @Test func aDualHattedArmorerLoadingBlanksCitesROLE1InsteadOfAMMO3() {
        var day = Day()
        day.ready()
        day.refuse("duo", A.load(lot: "B1", rounds: 2, scene: "2"), [.role1])
    }

    // Precise: "a rule broken for another reason (... no blanks announced) is still cited"
    @Test func aDualHattedArmorerLoadingBlanksForASceneWithoutThemStillCitesAMMO3() {
        var day = Day()
        day.ready()
        day.refuse("duo", A.load(lot: "B1", rounds: 2, scene: "1"), [.ammo3, .role1])
    }

    // Precise: ROLE-1 "where the role alone would have cited ... FA-1"
    @Test func aDualHattedArmorerDeclaringCitesROLE1InsteadOfFA1() {
        var day = Day()
        day.ready()
        day.ok("ana", A.load(lot: "D1", rounds: 6, scene: "1"))
        day.refuse("duo", A.declare("colt-1", .cold), [.role1])
    }

    // Precise: "a rule broken for another reason ... is still cited": declaring hot a firearm with no blanks
    @Test func aDualHattedArmorerDeclaringHotWithoutBlanksStillCitesFA1() {
        var day = Day()
        day.ready()
        day.ok("ana", A.load(lot: "D1", rounds: 6, scene: "1"))
        day.refuse("duo", A.declare("colt-1", .hot), [.fa1, .role1])
    }

    // Precise: ROLE-1 replaces FA-3 ("only the armorer hands a firearm to talent") but "not the custodian" is still cited
    @Test func aDualHattedArmorerHandingToTalentCitesROLE1AndFA3ForNotHoldingIt() {
        var day = Day()
        day.ready()
        day.ok("ana", A.load(lot: "D1", rounds: 6, scene: "1"))
        day.ok("ana", A.showClear())
        day.refuse("duo", A.handOver(to: "ben", scene: "1"), [.fa3, .role1])
    }

    // ROLE-1: "their armorer-only commands are refused" (ROLE-1 where ROLE-2 would be cited; FA-5 is for an armorer only)
    @Test func aDualHattedArmorerMayNotShowClearUnloadStoreOrReturn() {
        var day = Day()
        day.ready()
        day.ok("ana", A.load(lot: "D1", rounds: 6, scene: "1"))
        day.refuse("duo", A.showClear(), [.role1])
        day.refuse("duo", A.unload(lot: "D1", rounds: 6), [.role1])
        day.refuse("ace", A.store(), [.role1])
        day.refuse("ace", A.returnFirearm(), [.role1])
    }

    // ROLE-1 with Precise "Custody": the receipt is refused, so the firearm "was never accepted"
    @Test func aDualHattedArmorerMayNotReceiveAFirearm() {
        var day = Day()
        day.refuse("duo", A.receiveFirearm("colt-9"), [.role1])
        day.refuse("ana", A.store("colt-9"), [.fa5])
        day.ok("ana", A.receiveFirearm("colt-9"))
    }

    // Precise "Custody": "citing FA-5 whoever gives them" — alongside ROLE-1
    @Test func aDualHattedArmorerActingOnAMissingFirearmAlsoGetsFA5() {
        var day = Day()
        day.ready()
        day.alarm("cy", A.missing(), [.fa5])
        day.refuse("duo", A.store(), [.fa5, .role1])
    }

    // Precise "Who counts as the armorer": a dual-hatted armorer's inspections "never verify a lot"
    @Test func aDualHattedArmorersLotInspectionNeverVerifies() {
        var day = Day()
        day.firearm()
        day.lot("D1", .dummy, verify: false)
        day.meeting("1")
        day.ok("duo", A.inspectLot("D1", inspected: 12))
        #expect(!day.box("D1").verified)
        day.refuse("ana", A.load(lot: "D1", rounds: 6, scene: "1"), [.ammo2])
    }

    // Precise "Who counts as the armorer": their inspections "never end unknown"
    @Test func aDualHattedArmorersFirearmInspectionNeverEndsUnknown() {
        var day = Day()
        day.ok("ana", A.receiveFirearm())
        day.ok("duo", A.inspect("colt-1", .clear))
        #expect(day.gun().unknown)
        day.refuse("ana", A.showClear(), [.fa4])
    }

    // Precise "Who counts as the armorer": their inspections "may raise alarms (an obstructed finding ...)"
    @Test func aDualHattedArmorersObstructedFindingStillAlarms() {
        var day = Day()
        day.ready()
        day.alarm("ace", A.inspect("colt-1", .obstructed), [.fa8])
        #expect(day.gun().withdrawnForFault)
    }

    // Precise: "a dual-hatted person holding one is refused citing ROLE-2, even if one of their roles is first_ad"
    @Test func aDualHattedFirstADHoldingASafetyMeetingIsRefusedCitingROLE2() {
        var day = Day()
        day.refuse("duo", A.meeting("1", attendees: ["ana", "dee", "ben"]), [.role2])
        #expect(day.state.meetings["1"] == nil)
    }

    // Precise: "Holding a safety_meeting is not armorer-only": ROLE-2, not ROLE-1, for any dual-hatted holder
    @Test func aDualHattedTalentHoldingASafetyMeetingIsRefusedCitingROLE2() {
        var day = Day()
        day.refuse("ace", A.meeting("1", attendees: ["ana", "dee"]), [.role2])
    }

    // ROLE-1 followed: a dedicated armorer, beside a dual-hatted one, acts as armorer
    @Test func aDedicatedArmorerActsAsArmorer() {
        var day = Day()
        day.ready()
        day.ok("sam", A.receiveFirearm("colt-2"))
        day.ok("sam", A.inspect("colt-2", .clear))
        day.ok("sam", A.load("colt-2", lot: "D1", rounds: 6, scene: "1"))
        day.ok("sam", A.declare("colt-2", .cold))
        day.ok("sam", A.store("colt-2"))
    }

    // MARK: - ROLE-2: Roles are checked on every command

    // ROLE-2: "A command by someone whose role does not allow it ... is refused"; Roles: only the armorer "loads"
    @Test(arguments: ["ben", "cy", "pm", "pat", "sol", "dee"])
    func onlyTheArmorerLoadsDummies(_ who: String) {
        var day = Day()
        day.ready()
        day.refuse(who, A.load(lot: "D1", rounds: 6, scene: "1"), [.role2])
    }

    // Roles: the armorer is "the only one who loads, unloads, inspects, stores and declares"
    @Test func onlyTheArmorerUnloads() {
        var day = Day()
        day.ready()
        day.ok("ana", A.load(lot: "D1", rounds: 6, scene: "1"))
        day.refuse("dee", A.unload(lot: "D1", rounds: 6), [.role2])
    }

    // Roles: first_ad "witnesses show-clears ... never handles firearms"
    @Test func theFirstADMayNotShowAFirearmClear() {
        var day = Day()
        day.ready()
        day.refuse("dee", A.showClear(to: ["ben", "dee"]), [.role2])
    }

    // Roles: the armorer is the only one who "stores"
    @Test(arguments: ["pat", "pm", "ben"])
    func onlyTheArmorerStoresAFirearm(_ who: String) {
        var day = Day()
        day.ready()
        day.refuse(who, A.store(), [.role2])
    }

    // Roles: prop_master "never live-fire-capable firearms"; the armorer does "everything with firearms"
    @Test func thePropMasterMayNotReceiveAFirearm() {
        var day = Day()
        day.refuse("pm", A.receiveFirearm(), [.role2])
    }

    // Roles: returning a firearm to the rental house is the armorer's
    @Test func theFirstADMayNotReturnAFirearm() {
        var day = Day()
        day.ready()
        day.refuse("dee", A.returnFirearm(), [.role2])
    }

    // Roles: "A safety_meeting is held by the armorer or the first AD"
    @Test(arguments: ["ben", "cy", "pat", "pm", "sol"])
    func onlyTheArmorerOrFirstADHoldsASafetyMeeting(_ who: String) {
        var day = Day()
        day.refuse(who, A.meeting("1", attendees: ["ana", "dee"]), [.role2])
    }

    // Roles: "unfreeze by producer or safety"
    @Test(arguments: ["ana", "dee", "ben", "cy", "pm", "duo"])
    func onlyAProducerOrSafetyUnfreezes(_ who: String) {
        var day = Day()
        day.ready()
        day.alarm("cy", A.discharge(), [.fa7])
        day.refuse(who, A.unfreeze(), [.role2])
        #expect(day.gun().frozen)
    }

    // ROLE-2: "Where a more specific rule says the same (FA-1, FA-3, AMMO-3), that rule is cited instead of ROLE-2"
    @Test func aMoreSpecificRuleIsCitedInsteadOfROLE2() {
        var day = Day()
        day.ready()
        day.ok("ana", A.load(lot: "D1", rounds: 6, scene: "1"))
        day.refuse("dee", A.declare("colt-1", .cold), [.fa1])
        day.refuse("dee", A.load(lot: "B1", rounds: 2, scene: "2"), [.ammo3])
        day.ok("ana", A.showClear())
        day.refuse("dee", A.handOver(to: "ben", scene: "1"), [.fa3])
    }

    // PROTOCOL: "An observation is never refused"; SCENARIOS.md: "Observations are recorded whoever reports them" —
    // but ben's reconcile "never counts as the lot's reconcile at wrap" (Precise "Who counts as the armorer"), so
    // the wrap still alarms for D1 (AMMO-4)
    @Test func observationsAreRecordedWhoeverReportsThem() {
        var day = Day()
        day.ok("cy", A.receiveAmmo("D1", .dummy, count: 12))
        day.ok("pm", A.inspectLot("D1", inspected: 3))
        day.ok("ben", A.reconcile("D1", counted: 12))
        day.alarm("pat", A.wrap, [.ammo4])
    }

    // MARK: - CONCERN-1: Anyone may raise a safety concern, anonymously

    // CONCERN-1: "A report_concern is always recorded ... raises an alarm to producer and safety (outcome alarm, citing CONCERN-1)"
    @Test(arguments: ["ana", "ben", "dee", "cy", "pm", "pat", "sol", "duo", "ace"])
    func anyoneMayRaiseASafetyConcern(_ who: String) {
        var day = Day()
        day.alarm(who, A.concern(), [.concern1])
    }

    // CONCERN-1: "needs no name"
    @Test func aSafetyConcernNeedsNoName() {
        var day = Day()
        day.alarm(nil, A.concern("the armorer is also running props today"), [.concern1])
    }

    // CONCERN-1: a concern about a scene is recorded and alarmed like any other
    @Test func aSafetyConcernAboutASceneRaisesTheAlarm() {
        var day = Day()
        day.ready()
        day.alarm(nil, A.concern("people stand too close in scene 2", scene: "2"), [.concern1])
    }

    // CONCERN-1: a concern is recorded and alarmed, and changes nothing the protocol decides by
    @Test func aSafetyConcernChangesNoProtocolState() {
        var day = Day()
        day.withTalent()
        let before = day.state
        day.alarm("kim", A.concern(), [.concern1])
        #expect(day.state.sameProtocolState(as: before))
    }

    // CONCERN-1: "is always recorded" — even about a frozen firearm, after wrap, by someone with no other say
    @Test func aSafetyConcernIsAlwaysAlarmedWhateverTheDayLooksLike() {
        var day = Day()
        day.ready()
        day.alarm("cy", A.discharge(), [.fa7])
        day.step("dee", A.wrap)
        day.alarm("pm", A.concern(), [.concern1])
        day.alarm(nil, A.concern(), [.concern1])
    }

    // ROLE-2 "checked on every command": "unfreeze of a firearm that is not frozen is ok" — for those allowed to unfreeze
    @Test func theArmorerUnfreezingAFirearmThatIsNotFrozenIsStillRefused() {
        var day = Day()
        day.ready()
        day.refuse("ana", A.unfreeze(), [.role2])
    }

    // ROLE-1: other reasons are "still cited": a dual-hatted armorer loading an unknown firearm gets FA-4 too
    @Test func aDualHattedArmorerLoadingAnUnknownFirearmAlsoGetsFA4() {
        var day = Day()
        day.ok("ana", A.receiveFirearm())
        day.lot("D1")
        day.meeting("1")
        day.refuse("duo", A.load(lot: "D1", rounds: 6, scene: "1"), [.fa4, .role1])
    }
}
