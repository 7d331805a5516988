import ArmoryCore
import PropertyBased
import Testing

/// Invariants that hold whatever people do: checked on chaotic step sequences that break
/// every rule sooner or later (`ScenarioGenerator.chaos`). A failure prints the seed and
/// length; the generator replays them exactly.
struct InvariantTests {
    static let people = ScenarioGenerator.people
    /// Random sequences: a seed and a length (the length shrinks towards a short failing day).
    static let days = zip(Gen.int(in: 0...Int.max), Gen.int(in: 1...600))

    static func chaos(_ seed: Int, _ length: Int) -> [Step] {
        ScenarioGenerator(seed: UInt64(seed)).chaos(count: length)
    }

    @Test func aRefusedCommandNeverChangesState() async {
        await propertyCheck(count: 60, input: Self.days) { seed, length in
            var state = ScenarioGenerator.chaosStart
            for step in Self.chaos(seed, length) {
                let before = state
                guard let d = try? state.apply(step) else { Issue.record("generated step invalid"); return }
                if d.outcome == .refused {
                    #expect(state.sameProtocolState(as: before), "refused \(step.action.name) changed state: \(d.message)")
                }
            }
        }
    }

    @Test func observationsAreNeverRefusedAndCommandsNeverAlarm() async {
        await propertyCheck(count: 60, input: Self.days) { seed, length in
            var state = ScenarioGenerator.chaosStart
            for step in Self.chaos(seed, length) {
                guard let d = try? state.apply(step) else { return }
                switch step.action.kind {
                case .observation: #expect(d.outcome != .refused, "observation \(step.action.name) refused")
                case .command: #expect(d.outcome != .alarm, "command \(step.action.name) raised an alarm")
                }
                #expect((d.outcome == .ok) == d.rules.isEmpty, "\(step.action.name): outcome \(d.outcome) with rules \(d.rules)")
                #expect(d.rules == d.rules.sorted() && Set(d.rules).count == d.rules.count)
            }
        }
    }

    /// The open alarms kept beside the alarms (a count, the order raised) agree with the alarms
    /// themselves after every step: the escalation worker and the pages read them.
    @Test func theOpenAlarmsAgreeWithTheAlarms() async {
        await propertyCheck(count: 60, input: Self.days) { seed, length in
            var state = ScenarioGenerator.chaosStart
            for step in Self.chaos(seed, length) {
                guard (try? state.apply(step)) != nil else { return }
                let open = state.alarms.filter { !$0.value.answered }.map(\.key)
                #expect(state.openAlarms == open && state.openAlarmCount == open.count, "after \(step.action.name)")
                #expect(state.alarmOrder == state.alarms.keys.sorted() && state.alarms.count == Set(state.alarms.keys).count)
            }
        }
    }

    @Test func everyRoundIsAccountedFor() async {
        await propertyCheck(count: 60, input: Self.days) { seed, length in
            var state = ScenarioGenerator.chaosStart
            for step in Self.chaos(seed, length) {
                guard (try? state.apply(step)) != nil else { return }
                for (id, lot) in state.lots {
                    let inFirearms = state.firearms.values.reduce(0) { $0 + $1.rounds(of: id) }
                    #expect(lot.box >= 0 && lot.box + inFirearms + lot.fired == lot.received,
                            "lot \(id): box \(lot.box) + in firearms \(inFirearms) + fired \(lot.fired) != received \(lot.received) after \(step.action.name)")
                }
            }
        }
    }

    @Test func aFirearmInTheProductionHasExactlyOneCustodianOrIsMissing() async {
        await propertyCheck(count: 60, input: Self.days) { seed, length in
            var state = ScenarioGenerator.chaosStart
            for step in Self.chaos(seed, length) {
                guard (try? state.apply(step)) != nil else { return }
                for f in state.firearms.values {
                    switch f.presence {
                    case let .held(by):
                        let holder = state.people[by]
                        #expect(holder != nil && (holder!.mayActAsArmorer || holder!.acts(as: .talent)),
                                "\(f.id) held by \(by), who is neither an armorer nor talent")
                    case .missing, .returned, .neverAccepted, .withInvestigators:
                        #expect(f.custodian == nil)
                    }
                    #expect(f.contents.allSatisfy { $0.count > 0 })
                }
            }
        }
    }

    @Test func replayingTheSameStepsGivesTheSameDecisions() async {
        await propertyCheck(count: 40, input: Self.days) { seed, length in
            let steps = Self.chaos(seed, length)
            var a = ScenarioGenerator.chaosStart
            var b = ScenarioGenerator.chaosStart
            var pure = ScenarioGenerator.chaosStart
            for step in steps {
                let da = try? a.apply(step)
                let db = try? b.apply(step)
                let (dp, next) = try! Engine.decide(pure, step)
                pure = next
                #expect(da == db && da == dp)
            }
            #expect(a == b && a == pure)
        }
    }

    @Test func aFrozenFirearmTakesOnlyStoreUnfreezeAndAHandBack() async {
        await propertyCheck(count: 60, input: Self.days) { seed, length in
            var state = ScenarioGenerator.chaosStart
            for step in Self.chaos(seed, length) {
                let wasFrozen = step.action.firearm.flatMap { state.firearm($0)?.frozen } ?? false
                guard let d = try? state.apply(step) else { return }
                guard wasFrozen, step.action.kind == .command, d.outcome == .ok else { continue }
                switch step.action {
                case .store, .unfreeze: break
                case let .handOver(_, to, _):
                    #expect(state.people[to]!.mayActAsArmorer && state.people[step.by!]!.acts(as: .talent),
                            "a frozen firearm moved other than back from talent to the armorer")
                default:
                    Issue.record("\(step.action.name) accepted on a frozen firearm")
                }
            }
        }
    }

    /// ROLE-3 and "Roles as of the step": a command is carried out only for someone on the
    /// crew, in a role they held just before it.
    @Test func aCommandIsCarriedOutOnlyForARoleInForce() async {
        await propertyCheck(count: 60, input: Self.days) { seed, length in
            var state = ScenarioGenerator.chaosStart
            for step in Self.chaos(seed, length) {
                let before = state
                guard let d = try? state.apply(step) else { Issue.record("generated step invalid"); return }
                guard step.action.kind == .command, d.outcome == .ok, let by = step.by, let p = before.people[by] else { continue }
                #expect(p.onCrew, "\(step.action.name) by \(by), who was off the crew")
                let roles = p.rolesInForce
                switch step.action {
                case .join, .setRoles, .leave, .credential:
                    #expect(roles.contains(.producer) && p.acts(as: .producer), "crew change by \(by) \(roles)")
                case .unfreeze:
                    #expect(p.acts(as: .producer) || p.acts(as: .safety), "unfreeze by \(by) \(roles)")
                case .receiveFirearm, .returnFirearm, .load, .unload, .showClear, .declare, .store:
                    #expect(before.countsAsArmorer(p, at: step.at), "\(step.action.name) by \(by) \(roles)")
                case let .handOver(_, to, _):
                    if before.people[to]?.acts(as: .talent) == true {
                        #expect(before.countsAsArmorer(p, at: step.at), "handover to talent by \(by) \(roles)")
                    }
                default:
                    break
                }
            }
        }
    }

    /// A person off the crew holds no role in any decision: replaying the same steps with
    /// their roles wiped after they left changes nothing.
    @Test func someoneOffTheCrewNeverActs() async {
        await propertyCheck(count: 40, input: Self.days) { seed, length in
            var state = ScenarioGenerator.chaosStart
            for step in Self.chaos(seed, length) {
                guard let d = try? state.apply(step) else { return }
                if case let .leave(p) = step.action, d.outcome == .ok {
                    #expect(state.people[p]?.rolesInForce.isEmpty == true && state.crew.contains { $0.id == p } == false)
                    #expect(state.people[p].map { !$0.acts(as: .armorer) && !$0.acts(as: .talent) && !$0.acts(as: .firstAD) } ?? false)
                }
            }
        }
    }

    @Test func stepsSurviveTheirOwnJSON() async {
        await propertyCheck(count: 30, input: Self.days) { seed, length in
            for step in Self.chaos(seed, length) {
                let text = step.json.compactText
                let again = try? Step(json: try JSON.parse(text))
                #expect(again == step, "\(text) did not decode to the same step")
            }
        }
    }

    @Test func generatedCleanDaysBreakNoRule() throws {
        let result = try ScenarioGenerator(seed: 7).scenario(steps: 2_000).run()
        let broken = result.steps.enumerated().filter { $0.element.decision.outcome != .ok }
        #expect(broken.isEmpty, "step \(broken.first.map { $0.offset + 1 } ?? 0): \(broken.first?.element.decision.message ?? "")")
        #expect(result.steps.count >= 2_000)
    }
}

extension InvariantTests {
    /// The invariants above only mean something if the chaos reaches every rule: a long
    /// chaotic run must break each rule the engine enforces at least once, and must
    /// see frozen firearms moved back and unfrozen.
    @Test func chaosReachesEveryRule() throws {
        var state = ScenarioGenerator.chaosStart
        var cited = Set<Rule>()
        var outcomes: [Outcome: Int] = [:]
        var frozenSeen = 0
        var loadsAccepted = 0
        for step in ScenarioGenerator(seed: 42).chaos(count: 20_000) {
            let d = try state.apply(step)
            if case .load = step.action, d.outcome == .ok { loadsAccepted += 1 }
            cited.formUnion(d.rules)
            outcomes[d.outcome, default: 0] += 1
            frozenSeen += state.firearms.values.filter(\.frozen).count
        }
        let engineRules = Set(Rule.allCases).subtracting([.evid1])
        #expect(cited == engineRules, "never cited: \(engineRules.subtracting(cited).map(\.rawValue).sorted())")
        #expect((outcomes[.ok] ?? 0) > 1_000 && (outcomes[.refused] ?? 0) > 1_000 && (outcomes[.alarm] ?? 0) > 1_000, "\(outcomes)")
        #expect(frozenSeen > 0)
        #expect(loadsAccepted > 500, "rounds must move for the counting invariants to mean anything")
    }
}
