import ArmoryCore
import Testing

/// Crew steps, credentials and answers: one sentence of PROTOCOL.md per test, quoted.
extension A {
    static func join(_ p: String, name: String? = nil, _ roles: [Role], credentials: [Credential] = []) -> Action {
        .join(person: p, name: name ?? "Person \(p)", roles: roles, credentials: credentials)
    }
    static func setRoles(_ p: String, _ roles: [Role]) -> Action { .setRoles(person: p, roles: roles) }
    static func leave(_ p: String) -> Action { .leave(person: p) }
    static func credential(_ p: String, _ kind: CredentialKind, expires: String, number: String = "N-1") -> Action {
        .credential(person: p, credential: Credential(kind: kind, number: number, expires: CalendarDate(expires)!))
    }
    static func acknowledge(_ alarm: Int, note: String? = nil) -> Action { .acknowledge(alarm: alarm, note: note) }
}

extension Day {
    /// Expects the step to be invalid input (never decided), and the state untouched.
    mutating func invalid(_ by: String?, _ action: Action, field: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) {
        let before = state
        clock += 60
        let step = Step(at: Timestamp(seconds: clock, offsetMinutes: -420), by: by, action: action)
        do {
            let d = try state.apply(step, revision: revision)
            Issue.record("\(action.name) by \(by ?? "-") was decided (\(d.outcome.rawValue) \(d.rules.map(\.rawValue))), not refused as invalid",
                         sourceLocation: sourceLocation)
        } catch {
            if let field { #expect(error.field == field, "\(error.message)", sourceLocation: sourceLocation) }
        }
        #expect(state == before, "an invalid step changed the state", sourceLocation: sourceLocation)
    }

    /// The number of the step just decided (what `acknowledge` names).
    var lastStep: Int { state.stepCount }

    /// A credential valid through `expires`.
    static func paper(_ kind: CredentialKind, _ expires: String = "2027-12-31") -> Credential {
        Credential(kind: kind, number: "\(kind.rawValue)-1", expires: CalendarDate(expires)!)
    }

    /// The standard crew with ana, sam and ben qualified through 2027, under `require_credentials`.
    static func qualified(ana: [Credential] = [paper(.permit), paper(.training)], ben: [Credential] = [paper(.training)]) -> Day {
        let people = Day.crew.map { p -> Person in
            switch p.id {
            case "ana": return Person(id: p.id, name: p.name, roles: p.roles, credentials: ana)
            case "sam": return Person(id: p.id, name: p.name, roles: p.roles, credentials: [paper(.permit), paper(.training)])
            case "ben": return Person(id: p.id, name: p.name, roles: p.roles, credentials: ben)
            case "kim": return Person(id: p.id, name: p.name, roles: p.roles, credentials: [paper(.training)])
            default: return p
            }
        }
        return Day(people: people, policy: Policy(showClearWindowMinutes: 10, blankSafeDistanceFeet: 20, requireCredentials: true))
    }
}

/// ROLE-3: the crew list is kept by producers, on the record.
struct CrewRuleTests {
    // ROLE-3: "Only a producer adds a person (join), changes a person's roles (set_roles), records a credential (credential) or takes a person off the crew (leave)"
    @Test(arguments: ["ana", "dee", "sol", "ben", "cy", "pm"])
    func onlyAProducerChangesTheCrew(_ who: String) {
        var day = Day()
        day.refuse(who, A.join("zed", [.talent]), [.role3])
        day.refuse(who, A.setRoles("kim", [.crew]), [.role3])
        day.refuse(who, A.credential("kim", .training, expires: "2027-01-01"), [.role3])
        day.refuse(who, A.leave("kim"), [.role3])
        #expect(day.state.people["kim"]?.roles == [.talent] && day.state.people["kim"]?.onCrew == true)
    }

    // ROLE-3: "each change is an entry like any other"
    @Test func aProducersCrewChangesAreRecorded() {
        var day = Day()
        day.ok("pat", A.join("zed", name: "Zed Quinn", [.talent], credentials: [Day.paper(.training)]))
        #expect(day.state.people["zed"]?.onCrew == true && day.state.people["zed"]?.roles == [.talent])
        #expect(day.state.people["zed"]?.credential(.training)?.number == "training-1")
        day.ok("pat", A.setRoles("zed", [.crew]))
        #expect(day.state.people["zed"]?.roles == [.crew])
        day.ok("pat", A.credential("zed", .permit, expires: "2027-05-01"))
        #expect(day.state.people["zed"]?.credential(.permit)?.expires.text == "2027-05-01")
        day.ok("pat", A.leave("zed"))
        #expect(day.state.people["zed"]?.onCrew == false)
        #expect(day.state.crew.map(\.id).contains("zed") == false)
    }

    // ROLE-3: "A set_roles or leave of a person who is the custodian of a firearm is refused, citing FA-5"
    @Test func theCustodianOfAFirearmKeepsTheirRolesUntilItIsBack() {
        var day = Day()
        day.withTalent()
        day.refuse("pat", A.setRoles("ben", [.crew]), [.fa5])
        day.refuse("pat", A.leave("ben"), [.fa5])
        day.ok("ben", A.handOver(to: "ana"))
        day.ok("pat", A.leave("ben"))
    }

    // Precise "Crew steps": "a non-producer's leave of someone holding a firearm cites ROLE-3 and FA-5"
    @Test func aNonProducersLeaveOfAHolderCitesBoth() {
        var day = Day()
        day.withTalent()
        day.refuse("dee", A.leave("ben"), [.fa5, .role3])
    }

    // Precise "Crew steps": "join of a person on the crew is refused, citing ROLE-3"
    @Test func joiningSomeoneAlreadyOnTheCrewIsRefused() {
        var day = Day()
        day.refuse("pat", A.join("ben", [.talent]), [.role3])
    }

    // Precise "Crew steps": "a join of a known person who is not on the crew (refused earlier, or left) puts them on the crew with that join's name, roles and credentials"
    @Test func aJoinAfterALeaveOrARefusalPutsThemOnTheCrew() {
        var day = Day()
        day.ok("pat", A.credential("kim", .training, expires: "2027-01-01"))
        day.ok("pat", A.leave("kim"))
        day.ok("pat", A.join("kim", name: "Kim Vale-Ito", [.crew], credentials: [Day.paper(.permit)]))
        #expect(day.state.people["kim"]?.name == "Kim Vale-Ito" && day.state.people["kim"]?.roles == [.crew])
        // The join's credentials, not the ones recorded before the leave.
        #expect(day.state.people["kim"]?.credentials.map(\.kind) == [.permit])
        day.refuse("dee", A.join("zed", [.talent]), [.role3])
        #expect(day.state.people["zed"]?.onCrew == false)
        day.ok("pat", A.join("zed", name: "Zed Quinn", [.talent]))
        #expect(day.state.people["zed"]?.onCrew == true && day.state.people["zed"]?.roles == [.talent])
    }

    // Precise "Crew steps": "set_roles, credential and leave of a known person who is not on the crew are refused, citing ROLE-3"
    @Test func changesToSomeoneOffTheCrewAreRefused() {
        var day = Day()
        day.ok("pat", A.leave("kim"))
        day.refuse("pat", A.setRoles("kim", [.talent]), [.role3])
        day.refuse("pat", A.credential("kim", .training, expires: "2027-01-01"), [.role3])
        day.refuse("pat", A.leave("kim"), [.role3])
    }

    // Precise "Known and on the crew": "A person id is known from the header or from any earlier join that names it, whatever that join's outcome; a step naming a person who is not known is invalid."
    @Test func aPersonNoJoinNamedIsUnknown() {
        var day = Day()
        day.invalid("pat", A.setRoles("zed", [.talent]), field: "person")
        day.invalid("pat", A.leave("zed"), field: "person")
        day.invalid("pat", A.credential("zed", .permit, expires: "2027-01-01"), field: "person")
        day.invalid("zed", A.concern(), field: "by")
        day.refuse("cy", A.join("zed", [.talent]), [.role3])
        // Known now, though the join was refused: naming zed is a decision, not invalid.
        day.alarm("zed", A.concern(), [.concern1])
        day.refuse("pat", A.leave("zed"), [.role3])
    }

    // Precise "Crew steps": "set_roles replaces the roles whole"
    @Test func setRolesReplacesTheRolesWhole() {
        var day = Day()
        day.ok("pat", A.setRoles("fay", [.crew]))
        #expect(day.state.people["fay"]?.roles == [.crew])
        // No longer first AD: a meeting she holds is refused.
        day.firearm()
        day.refuse("fay", A.meeting("1", attendees: ["ana"]), [.role2, .scene1])
    }

    // Precise "Crew steps": "A producer who is also something else still keeps the crew list; a dual-hatted armorer who is also a producer does not"
    @Test func aProducerWithAnotherJobKeepsTheListButADualHattedArmorerDoesNot() {
        var people = Day.crew
        people.append(Person(id: "pc", name: "Pia Cruz", roles: [.producer, .crew]))
        people.append(Person(id: "ap", name: "Abe Park", roles: [.armorer, .producer]))
        var day = Day(people: people)
        day.ok("pc", A.join("zed", [.talent]))
        day.refuse("ap", A.join("yan", [.talent]), [.role3])
    }

    // Precise "Known and on the crew": "A person off the crew holds no roles: their commands are refused as anyone's without the role would be (ROLE-2 or the more specific rule)"
    @Test func someoneOffTheCrewHoldsNoRoles() {
        var day = Day()
        day.ready()
        day.ok("pat", A.leave("sam"))
        day.refuse("sam", A.receiveFirearm("colt-9"), [.role2])
        day.ok("pat", A.leave("sol"))
        day.refuse("sol", A.unfreeze(), [.role2])
        day.ok("pat", A.leave("dee"))
        day.refuse("dee", A.meeting("3", attendees: ["ana"]), [.role2, .scene1])
    }

    // Precise "Known and on the crew": "their observations are recorded like anyone's"
    @Test func someoneOffTheCrewStillReports() {
        var day = Day()
        day.ok("pat", A.leave("cy"))
        day.alarm("cy", A.concern(), [.concern1])
        day.firearm()
        day.alarm("cy", A.missing(), [.fa5])
    }

    // Precise "Known and on the crew": "they count for nothing in a meeting or show-clear"
    @Test func someoneOffTheCrewCountsForNothingInAMeetingOrShowClear() {
        var day = Day()
        day.firearm()
        day.lot("D1")
        day.ok("pat", A.leave("dee"))
        day.refuse("ana", A.meeting("1", attendees: ["dee", "ben"]), [.scene1])
        day.ok("ana", A.meeting("1", attendees: ["fay", "ben"]))
        day.ok("ana", A.load())
        day.ok("ana", A.showClear(to: ["ben", "dee"]))
        day.refuse("ana", A.handOver(to: "ben", scene: "1"), [.fa2])
        day.ok("ana", A.showClear(to: ["ben", "fay"]))
        day.ok("ana", A.handOver(to: "ben", scene: "1"))
    }

    // Precise "Roles as of the step": "Every role check uses the roles in force just before the step."
    @Test func rolesAreThoseInForceAtTheStep() {
        var day = Day()
        day.ready()
        day.ok("ana", A.load())
        day.ok("pat", A.setRoles("cy", [.talent]))
        day.ok("ana", A.showClear(to: ["cy", "dee"]))
        day.ok("ana", A.handOver(to: "cy", scene: "1"))
        day.ok("cy", A.handOver(to: "ana"))
        day.ok("ana", A.inspect())
        day.ok("pat", A.setRoles("cy", [.crew]))
        day.ok("ana", A.showClear(to: ["cy", "dee"]))
        day.refuse("ana", A.handOver(to: "cy", scene: "1"), [.fa3])
        // An armorer named by set_roles is the armorer from the next step.
        day.ok("pat", A.setRoles("cy", [.armorer]))
        day.ok("cy", A.receiveFirearm("colt-2"))
    }

    // Precise "Roles as of the step": "A hand_over to a person who is talent at that step needs scene, or the step is invalid."
    @Test func aHandoverToTalentAtThatStepNeedsAScene() {
        var day = Day()
        day.ready()
        day.ok("pat", A.setRoles("cy", [.talent]))
        day.invalid("ana", A.handOver(to: "cy"), field: "scene")
        day.ok("pat", A.setRoles("ben", [.crew]))
        day.refuse("ana", A.handOver(to: "ben"), [.fa3])
    }
}

/// QUAL-1: qualified hands only, where the policy sets `require_credentials`.
struct QualificationRuleTests {
    // QUAL-1: "a person counts as the armorer only while holding an unexpired permit and an unexpired training credential"
    @Test func anArmorerWithoutPapersDoesNotCountAsTheArmorer() {
        var day = Day.qualified(ana: [Day.paper(.training)])
        day.refuse("ana", A.receiveFirearm(), [.qual1])
        day.ok("sam", A.receiveFirearm())
        day.ok("pat", A.credential("ana", .permit, expires: "2027-01-31"))
        day.ok("ana", A.receiveFirearm("colt-2"))
    }

    // Precise "Credentials": "Without require_credentials credentials are recorded and change no decision."
    @Test func withoutThePolicyCredentialsChangeNothing() {
        var day = Day()
        day.ok("ana", A.receiveFirearm())
        day.ok("ana", A.inspect())
        day.ok("pat", A.credential("ben", .training, expires: "2020-01-01"))
        #expect(day.state.people["ben"]?.credential(.training) != nil)
    }

    // Precise "Credentials": "A credential is unexpired on a step whose date, as written in the step's at, is on or before expires."
    @Test func aCredentialHoldsThroughItsExpiryDateAsWrittenInTheStep() {
        // The day starts 2026-03-02 07:00 at -07:00; at 23:30 local it is already 3 March in UTC.
        var day = Day.qualified(ana: [Day.paper(.permit, "2026-03-02"), Day.paper(.training)])
        day.ok("ana", A.receiveFirearm(), after: 16 * 60 + 29)
        day.refuse("ana", A.receiveFirearm("colt-2"), [.qual1], after: 31)
    }

    // Precise "Credentials": "a later one of the same kind replaces the earlier"
    @Test func aLaterCredentialOfTheSameKindReplacesTheEarlier() {
        var day = Day.qualified()
        day.ok("pat", A.credential("ana", .permit, expires: "2025-12-31"))
        day.refuse("ana", A.receiveFirearm(), [.qual1])
        day.ok("pat", A.credential("ana", .permit, expires: "2026-12-31"))
        day.ok("ana", A.receiveFirearm())
    }

    // Precise "Credentials": "A person's credentials come from the header (...), from their join, and from credential steps"
    @Test func credentialsComeFromTheJoin() {
        var day = Day.qualified()
        day.ok("pat", A.join("ari", [.armorer], credentials: [Day.paper(.permit), Day.paper(.training)]))
        day.ok("ari", A.receiveFirearm())
        day.ok("pat", A.join("bo", [.armorer], credentials: [Day.paper(.permit)]))
        day.refuse("bo", A.receiveFirearm("colt-2"), [.qual1])
    }

    // Precise "Credentials": "(a person both dual-hatted and unqualified cites ROLE-1 and QUAL-1)"
    @Test func dualHattedAndUnqualifiedCitesBoth() {
        var day = Day.qualified()
        day.refuse("duo", A.receiveFirearm(), [.qual1, .role1])
    }

    // Precise "Credentials": "their armorer-only commands cite QUAL-1 where the role alone would have cited ROLE-2, FA-1, FA-3 or AMMO-3"
    @Test func anUnqualifiedArmorersCommandsCiteQUAL1() {
        var day = Day.qualified()
        day.ready()
        day.ok("ana", A.load(lot: "B1", rounds: 2, scene: "2"))
        day.ok("pat", A.credential("ana", .training, expires: "2020-01-01"))
        day.refuse("ana", A.declare("colt-1", .hot), [.qual1])
        day.refuse("ana", A.load(lot: "B1", rounds: 1, scene: "2"), [.qual1])
        day.refuse("ana", A.showClear(), [.qual1])
        day.refuse("ana", A.handOver(to: "ben", scene: "2"), [.fa2, .qual1])
    }

    // Precise "Credentials": "their inspections verify nothing"
    @Test func anUnqualifiedArmorersInspectionsVerifyNothing() {
        var day = Day.qualified(ana: [])
        day.ok("sam", A.receiveFirearm())
        day.ok("sam", A.receiveAmmo("D1", .dummy, count: 12))
        day.ok("ana", A.inspectLot("D1", inspected: 12))
        #expect(day.box("D1").verified == false)
        day.ok("ana", A.inspect())
        #expect(day.gun().unknown)
    }

    // Precise "Credentials": "a meeting needs someone else who counts as the armorer (SCENE-1)"
    @Test func aMeetingNeedsAQualifiedArmorer() {
        var day = Day.qualified(ana: [])
        day.refuse("dee", A.meeting("1", attendees: ["ana", "ben"]), [.scene1])
        day.ok("dee", A.meeting("1", attendees: ["sam", "ben"]))
    }

    // Precise "Credentials": "a firearm handed to them is not handed to the armorer (FA-3)"
    @Test func aFirearmHandedToAnUnqualifiedArmorerIsNotWithTheArmorer() {
        var day = Day.qualified()
        day.withTalent()
        day.ok("pat", A.credential("ana", .permit, expires: "2020-01-01"))
        day.refuse("ben", A.handOver(to: "ana"), [.fa3, .fa4])
        day.ok("ben", A.handOver(to: "sam"))
    }

    // Precise "Credentials": "a firearm they hold at wrap is not with the armorer (FA-6)"
    @Test func aFirearmAnUnqualifiedArmorerHoldsAtWrapIsNotWithTheArmorer() {
        var day = Day.qualified()
        day.firearm()
        day.ok("ana", A.store())
        day.ok("pat", A.credential("ana", .permit, expires: "2020-01-01"))
        day.alarm("sam", A.wrap, [.fa6])
    }

    // QUAL-1: "a firearm is handed to talent only while that talent holds an unexpired training credential"
    @Test func talentWithoutTrainingGetsNoFirearm() {
        var day = Day.qualified(ben: [])
        day.ready()
        day.ok("ana", A.load())
        day.ok("ana", A.showClear())
        day.refuse("ana", A.handOver(to: "ben", scene: "1"), [.qual1])
        day.ok("ana", A.showClear(to: ["kim", "dee"]))
        day.ok("ana", A.handOver(to: "kim", scene: "1"))
    }

    // Precise "Credentials": "A hand_over to talent without an unexpired training credential is refused, citing QUAL-1, with whatever else it breaks."
    @Test func talentWithoutTrainingCitesQUAL1WithTheRest() {
        var day = Day.qualified(ben: [Day.paper(.training, "2026-03-01")])
        day.ready()
        day.ok("ana", A.load())
        day.refuse("ana", A.handOver(to: "ben", scene: "1"), [.fa2, .qual1])
    }
}

/// ALARM-1: every alarm is answered.
struct AlarmRuleTests {
    /// A day with one FA-5 alarm (colt-1 reported missing); returns its step number.
    static func dayWithAlarm(_ policy: Policy = .protocolDefault) -> (Day, Int) {
        var day = Day(policy: policy)
        day.firearm()
        day.alarm("cy", A.missing(), [.fa5])
        return (day, day.lastStep)
    }

    static let answeredByWrap = Policy(showClearWindowMinutes: 10, blankSafeDistanceFeet: 20, alarmsAnsweredByWrap: true)

    // ALARM-1: "An alarm stays open until a producer or safety acknowledges it."
    @Test(arguments: ["pat", "sol"])
    func aProducerOrSafetyAnswersAnAlarm(_ who: String) {
        var (day, n) = Self.dayWithAlarm()
        #expect(day.state.openAlarms == [n])
        day.ok(who, A.acknowledge(n, note: "seen; armorer searching"))
        #expect(day.state.openAlarms.isEmpty)
    }

    // Precise "Acknowledgements": "a person who counts as the armorer, and a first AD, may acknowledge any alarm but a CONCERN-1 one (recorded; it does not answer it)"
    @Test(arguments: ["ana", "dee"])
    func theArmorerOrFirstADAcknowledgesWithoutAnswering(_ who: String) {
        var (day, n) = Self.dayWithAlarm()
        day.ok(who, A.acknowledge(n))
        #expect(day.state.openAlarms == [n])
        day.alarm(nil, A.concern(), [.concern1])
        day.refuse(who, A.acknowledge(day.lastStep), [.role2])
    }

    // Precise "Acknowledgements": "anyone else is refused, citing ROLE-2"
    @Test(arguments: ["ben", "cy", "pm", "duo"])
    func anyoneElseIsRefused(_ who: String) {
        var (day, n) = Self.dayWithAlarm()
        day.refuse(who, A.acknowledge(n), [.role2])
    }

    // Precise "Acknowledgements": an unqualified armorer does not count as the armorer.
    @Test func anUnqualifiedArmorerMayNotAcknowledge() {
        var day = Day.qualified(ana: [])
        day.ok("sam", A.receiveFirearm())
        day.alarm("cy", A.missing(), [.fa5])
        day.refuse("ana", A.acknowledge(day.lastStep), [.role2])
        day.ok("sam", A.acknowledge(day.lastStep - 1))
    }

    // Precise "Acknowledgements": "Acknowledging an answered alarm again is ok. An acknowledgement changes nothing else."
    @Test func acknowledgingAgainIsOkAndChangesNothingElse() {
        var (day, n) = Self.dayWithAlarm()
        let before = day.state
        day.ok("pat", A.acknowledge(n))
        #expect(day.state.firearms == before.firearms && day.state.lots == before.lots && day.state.people == before.people)
        day.ok("sol", A.acknowledge(n))
        day.ok("ana", A.acknowledge(n))
        #expect(day.state.openAlarms.isEmpty)
    }

    // Precise "Acknowledgements": "Naming a step that is not earlier, or whose outcome was not alarm, makes the step invalid."
    @Test func namingAStepThatRaisedNoAlarmIsInvalid() {
        var (day, n) = Self.dayWithAlarm()
        day.invalid("pat", A.acknowledge(n - 1), field: "alarm")
        day.invalid("pat", A.acknowledge(n + 1), field: "alarm")
        day.invalid("pat", A.acknowledge(0), field: "alarm")
        day.refuse("ben", A.acknowledge(n), [.role2])
        day.invalid("pat", A.acknowledge(day.lastStep), field: "alarm")
    }

    // Precise "Acknowledgements": a CONCERN-1 alarm is answered by a producer or safety.
    @Test func aConcernIsAnsweredByAProducer() {
        var day = Day()
        day.alarm(nil, A.concern(), [.concern1])
        day.ok("pat", A.acknowledge(day.lastStep))
        #expect(day.state.openAlarms.isEmpty)
    }

    // Precise "Wrap with open alarms": "With alarms_answered_by_wrap, a wrap raises ALARM-1 (with whatever else it raises) if any alarm raised before it, on any day, is not yet answered."
    @Test func aWrapWithAnOpenAlarmRaisesALARM1() {
        var (day, n) = Self.dayWithAlarm(Self.answeredByWrap)
        day.alarm("ana", A.wrap, [.alarm1, .fa6])
        // The wrap's own alarm "is then open like any other".
        let wrapAlarm = day.lastStep
        #expect(day.state.openAlarms == [n, wrapAlarm])
        day.ok("pat", A.acknowledge(n))
        day.alarm("ana", A.wrap, [.alarm1, .fa6], after: 60 * 24)
        day.ok("pat", A.acknowledge(wrapAlarm))
        day.ok("pat", A.acknowledge(day.lastStep - 1))
        day.ok("ana", A.inspect())
        day.ok("ana", A.store())
        day.ok("ana", A.wrap)
    }

    // Precise "Wrap with open alarms": "on any day"
    @Test func anAlarmFromAnEarlierDayStillCounts() {
        var day = Day(policy: Self.answeredByWrap)
        day.alarm(nil, A.concern(), [.concern1])
        let concern = day.lastStep
        day.alarm("ana", A.wrap, [.alarm1])
        let wrap = day.lastStep
        day.alarm("ana", A.wrap, [.alarm1], after: 60 * 24)
        day.ok("sol", A.acknowledge(concern))
        day.ok("sol", A.acknowledge(wrap))
        day.ok("sol", A.acknowledge(wrap + 1))
        day.ok("ana", A.wrap)
    }

    // Precise "Policy": "require_credentials and alarms_answered_by_wrap are booleans, false by default"
    @Test func withoutThePolicyAWrapIgnoresOpenAlarms() {
        var (day, _) = Self.dayWithAlarm()
        day.alarm("ana", A.wrap, [.fa6])
    }
}
