@testable import ArmoryCore
import Testing

/// Short hand-written days aimed at the corners of PROTOCOL.md the generators reach seldom or
/// never, each decided by both engines and compared step by step (not against written
/// expectations: the reference is the expectation).
struct OracleProbeTests {
    typealias Line = (by: String?, action: Action, minutes: Double)

    static let crew = WildGenerator.people
    static let strict = Policy(showClearWindowMinutes: 10, blankSafeDistanceFeet: 20, requireCredentials: true, alarmsAnsweredByWrap: true)

    static func l(_ by: String?, _ action: Action, _ minutes: Double = 1) -> Line { (by, action, minutes) }

    /// The opening every probe shares: f1 received and inspected, d1 (dummies, verified) and
    /// b1 (blanks) received, meetings for s1 (dummies) and s2 (blanks).
    static let opening: [Line] = [
        l("ana", A.receiveFirearm("f1")), l("ana", A.inspect("f1")),
        l("ana", A.receiveAmmo("d1", .dummy, count: 10)), l("ana", A.inspectLot("d1", inspected: 10)),
        l("ana", A.receiveAmmo("b1", .blank, count: 10)),
        l("dee", A.meeting("s1", blanks: false)), l("dee", A.meeting("s2", blanks: true)),
    ]

    static let probes: [(name: String, policy: Policy, lines: [Line])] = [
        ("a rejoin brings no papers from before", strict, opening + [
            l("pat", .leave(person: "sam")), l("pat", .join(person: "sam", name: "Sam", roles: [.armorer], credentials: [])),
            l("sam", A.receiveFirearm("f2")), l("ana", A.handOver("f1", to: "sam")),
        ]),
        ("a dummy lot found live while loaded", strict, opening + [
            l("ana", A.load("f1", lot: "d1", rounds: 3, scene: "s1")), l("ana", A.inspectLot("d1", inspected: 7, live: 1)),
            l("ana", A.declare("f1", .cold)), l("ana", A.declare("f1", .hot)), l("ana", A.fire("f1", scene: "s1", rounds: 0, .click, rehearsal: true)),
            l("ana", A.inspect("f1")), l("ana", A.declare("f1", .cold)), l("ana", A.unload("f1", lot: "d1", rounds: 3)),
            l("ana", A.declare("f1", .cold)), l("ana", A.inspect("f1")), l("ana", A.declare("f1", .cold)),
            l("ana", A.load("f1", lot: "d1", rounds: 1, scene: "s1")),
        ]),
        ("blanks found live, declared hot and fired", strict, opening + [
            l("ana", A.load("f1", lot: "b1", rounds: 2, scene: "s2")), l("ana", A.inspectLot("b1", inspected: 8, live: 1)),
            l("ana", A.inspect("f1")), l("ana", A.declare("f1", .hot)), l("ana", A.fire("f1", scene: "s2", rounds: 2, .blank, nearest: 25)),
        ]),
        ("nothing received after the reconcile but 0 rounds", .protocolDefault, opening + [
            l("ana", A.reconcile("d1", counted: 10)), l("ana", A.reconcile("b1", counted: 10)),
            l("ana", A.receiveAmmo("d1", .dummy, count: 0)), l("ana", A.store("f1")), l("dee", A.wrap),
            l("ana", A.receiveAmmo("d1", .dummy, count: 2), 60), l("ana", A.reconcile("d1", counted: 12)), l("dee", A.wrap),
        ]),
        ("the show-clear window's edge", .protocolDefault, opening + [
            l("ana", A.load("f1", lot: "d1", rounds: 6, scene: "s1")), l("ana", A.showClear("f1", to: ["ben", "dee"])),
            l("ana", A.handOver("f1", to: "ben", scene: "s1"), 10), l("ben", A.handOver("f1", to: "ana")), l("ana", A.inspect("f1")),
            l("ana", A.showClear("f1", to: ["ben", "dee"])), l("ana", A.handOver("f1", to: "ben", scene: "s1"), 10.5),
        ]),
        ("an unqualified armorer holding a firearm hands it to the armorer", strict, opening + [
            l("ana", A.handOver("f1", to: "sam")),
            l("pat", .credential(person: "sam", credential: Credential(kind: .permit, number: "X", expires: CalendarDate("2026-03-01")!))),
            l("sam", A.handOver("f1", to: "ana")), l("sam", A.store("f1")), l("ana", A.handOver("f1", to: "sam")),
        ]),
        ("a never-accepted firearm inspected, reported and received", strict, opening + [
            l("cy", A.receiveFirearm("f9")), l("ana", A.inspect("f9", .obstructed)), l("cy", A.discharge("f9")),
            l("cy", A.missing("f9")), l("ana", A.fire("f9", scene: "s2", rounds: 0, .blank)), l("ana", A.receiveFirearm("f9")),
            l("ana", A.inspect("f9")), l("ana", A.load("f9", lot: "d1", rounds: 1, scene: "s1")), l("pat", A.unfreeze("f9")),
            l("ana", A.load("f9", lot: "d1", rounds: 1, scene: "s1")), l("ana", A.inspect("f9")), l("ana", A.load("f9", lot: "d1", rounds: 1, scene: "s1")),
        ]),
        ("dummies and blanks mixed in one firearm", strict, opening + [
            l("ana", A.load("f1", lot: "d1", rounds: 1, scene: "s2")), l("ana", A.load("f1", lot: "b1", rounds: 2, scene: "s2")),
            l("ana", A.declare("f1", .hot)), l("ana", A.load("f1", lot: "d1", rounds: 1, scene: "s1", rehearsal: true)),
            l("ana", A.fire("f1", scene: "s2", rounds: 1, .blank, nearest: 40)), l("ana", A.unload("f1", lot: "b1", rounds: 1)),
            l("ana", A.fire("f1", scene: "s2", rounds: 1, .blank, nearest: 40)), l("sol", A.unfreeze("f1")),
            l("ana", A.unload("f1", lot: "b1", rounds: 1)), l("ana", A.declare("f1", .cold)), l("ana", A.inspect("f1")),
            l("ana", A.declare("f1", .cold)), l("ana", A.reconcile("d1", counted: 9)), l("ana", A.reconcile("b1", counted: 9)),
            l("ana", A.store("f1")), l("dee", A.wrap), l("pat", .acknowledge(alarm: 12, note: nil)), l("dee", A.wrap),
        ]),
        ("a lot found live and inspected whole again", strict, opening + [
            l("ana", A.inspectLot("d1", inspected: 10, live: 1)), l("ana", A.load("f1", lot: "d1", rounds: 1, scene: "s1")),
            l("ana", A.inspectLot("d1", inspected: 10)), l("ana", A.load("f1", lot: "d1", rounds: 1, scene: "s1")),
            l("ana", A.receiveAmmo("d2", .dummy, count: 4)), l("ana", A.inspectLot("d2", inspected: 4)), l("ana", A.inspectLot("d2", inspected: 2)),
            l("ana", A.load("f1", lot: "d2", rounds: 1, scene: "s1")), l("ana", A.receiveAmmo("d2", .dummy, count: 1)),
            l("ana", A.load("f1", lot: "d2", rounds: 1, scene: "s1")), l("ana", A.inspectLot("d2", inspected: 3)),
            l("ana", A.load("f1", lot: "d2", rounds: 1, scene: "s1")), l("ana", A.inspectLot("d2", inspected: 3, live: 1)),
            l("ana", A.load("f1", lot: "d2", rounds: 0, scene: "s1", rehearsal: true)), l("ana", A.inspect("f1")),
            l("ana", A.load("f1", lot: "d1", rounds: 1, scene: "s1", rehearsal: true)),
        ]),
        ("handovers of an unknown firearm", strict, opening + [
            l("ana", A.receiveFirearm("f2")), l("ana", A.handOver("f2", to: "sam")), l("sam", A.showClear("f2", to: ["ben", "dee"])),
            l("sam", A.handOver("f2", to: "ben", scene: "s1")), l("sam", A.inspect("f2")), l("sam", A.showClear("f2", to: ["ben", "dee"])),
            l("sam", A.handOver("f2", to: "ben", scene: "s1")), l("ben", A.handOver("f2", to: "kim", scene: "s1")),
            l("ben", A.handOver("f2", to: "sam")), l("sam", A.handOver("f2", to: "ana")), l("ana", A.declare("f2", .cold)),
        ]),
        ("a finding on a never-accepted firearm outlasts its receipt", strict, opening + [
            l("cy", A.receiveFirearm("f8")), l("ana", A.inspect("f8", .faulty)), l("ana", A.receiveFirearm("f8")),
            l("ana", A.load("f8", lot: "d1", rounds: 1, scene: "s1")), l("ana", A.inspect("f8", .obstructed)),
            l("ana", A.showClear("f8", to: ["ben", "dee"])), l("ana", A.declare("f8", .cold)), l("ana", A.inspect("f8")),
            l("ana", A.declare("f8", .cold)), l("cy", A.receiveFirearm("f7")), l("ana", A.inspect("f7")), l("ana", A.declare("f7", .cold)),
            l("ana", A.receiveFirearm("f7")), l("ana", A.declare("f7", .cold)),
        ]),
        ("a discharge reported of a returned firearm", strict, opening + [
            l("ana", A.returnFirearm("f1")), l("cy", A.discharge("f1")), l("ana", A.receiveFirearm("f1")),
            l("sol", A.unfreeze("f1")), l("ana", A.receiveFirearm("f1")),
        ]),
        ("a lot frozen by two firearms", strict, opening + [
            l("ana", A.receiveFirearm("f2")), l("ana", A.inspect("f2")),
            l("ana", A.load("f1", lot: "d1", rounds: 2, scene: "s1")), l("ana", A.load("f2", lot: "d1", rounds: 2, scene: "s1")),
            l("cy", A.discharge("f1")), l("cy", A.discharge("f2")), l("pat", A.unfreeze("f1")),
            l("ana", A.unload("f1", lot: "d1", rounds: 2)), l("sol", A.unfreeze("f2")), l("ana", A.unload("f1", lot: "d1", rounds: 2)),
            l("ana", A.unload("f2", lot: "d1", rounds: 3)), l("ana", A.unload("f2", lot: "d1", rounds: 2)),
        ]),
        ("a frozen firearm goes missing and is found", strict, opening + [
            l("ana", A.load("f1", lot: "d1", rounds: 6, scene: "s1")), l("ana", A.showClear("f1", to: ["ben", "dee"])),
            l("ana", A.handOver("f1", to: "ben", scene: "s1")), l("ben", A.fire("f1", scene: "s1", rounds: 1, .projectile)),
            l("cy", A.missing("f1")), l("ben", A.handOver("f1", to: "ana")), l("ana", A.inspect("f1")), l("ana", A.store("f1")),
            l("ana", A.handOver("f1", to: "sam")), l("ana", A.unload("f1", lot: "d1", rounds: 5)), l("dee", A.wrap),
        ]),
        ("acknowledgements of a concern and of an alarm", strict, opening + [
            l(nil, A.concern()), l("dee", .acknowledge(alarm: 8, note: nil)), l("ana", .acknowledge(alarm: 8, note: nil)),
            l("cy", A.missing("f1")), l("dee", .acknowledge(alarm: 11, note: nil)), l("arp", .acknowledge(alarm: 11, note: nil)),
            l("dee", A.wrap), l("sol", .acknowledge(alarm: 8, note: nil)), l("pat", .acknowledge(alarm: 11, note: nil)),
            l("pat", .acknowledge(alarm: 13, note: nil)), l("dee", A.wrap),
        ]),
        ("rehearsals with live and blank rounds", strict, opening + [
            l("ana", A.receiveAmmo("l1", .live, count: 2)), l("ana", A.load("f1", lot: "l1", rounds: 1, scene: "s1", rehearsal: true)),
            l("ana", A.load("f1", lot: "b1", rounds: 1, scene: "s2")), l("ana", A.load("f1", lot: "d1", rounds: 1, scene: "s1", rehearsal: true)),
            l("ana", A.fire("f1", scene: "s2", rounds: 0, .click, rehearsal: true)), l("ana", A.fire("f1", scene: "s2", rounds: 1, .misfire)),
            l("ana", A.fire("f1", scene: "s2", rounds: 1, .blank, nearest: 19.9)),
        ]),
        ("two-job people at a meeting and a show-clear", strict, opening + [
            l("duo", A.meeting("s3", attendees: ["ana"])), l("fay", A.meeting("s3", attendees: ["ned"])), l("fay", A.meeting("s3", attendees: ["ana"])),
            l("ana", A.load("f1", lot: "d1", rounds: 1, scene: "s3")), l("ana", A.showClear("f1", to: ["ben", "duo"])),
            l("ana", A.handOver("f1", to: "ben", scene: "s3")), l("ana", A.showClear("f1", to: ["ace", "fay"])),
            l("ana", A.handOver("f1", to: "ace")), l("ana", A.showClear("f1", to: ["tia", "fay"])), l("ana", A.handOver("f1", to: "tia", scene: "s3")),
        ]),
    ]

    @Test(arguments: probes.indices)
    func engineAgreesWithTheReferenceOnAProbeDay(_ k: Int) {
        let probe = Self.probes[k]
        var fast = ProductionState(people: Self.crew, policy: probe.policy)
        var reference = ReferenceEngine(people: Self.crew, policy: probe.policy)
        var clock: Int64 = 1_772_460_000
        for (n, line) in probe.lines.enumerated() {
            clock += Int64(line.minutes * 60)
            let step = Step(at: Timestamp(seconds: clock, offsetMinutes: -420), by: line.by, action: line.action)
            let engine: ReferenceAnswer
            do {
                let (d, next) = try Engine.decide(fast, step)
                fast = next
                engine = .decided(d.outcome, d.rules)
            } catch {
                engine = .invalid(error.message)
            }
            let oracle = reference.decide(step)
            if OracleTests.traceProbes { print("  \(probe.name) \(n + 1): \(OracleTally.describe(step)) -> engine \(engine), oracle \(oracle)") }
            #expect(engine == oracle, "\(probe.name), step \(n + 1): \(OracleTally.describe(step))\n  engine: \(engine)\n  oracle: \(oracle)")
        }
    }
}
