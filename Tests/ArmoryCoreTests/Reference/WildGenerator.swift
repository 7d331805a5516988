@testable import ArmoryCore

/// Days stranger than `ScenarioGenerator.chaos` makes, for the oracle test only: people who
/// hold two jobs, papers that lapse from one day to the next, show-clears at the window's
/// edge, roles changed between a show-clear and its handover, dummy lots found live while
/// loaded, and now and then a step that is invalid input (an unknown person, firearm or lot,
/// a lot received with another kind, a step earlier than the one before it, an acknowledgement
/// of a step that raised no alarm, a handover to talent without a scene). The careful crew of
/// `ScenarioGenerator` keeps days moving (rounds loaded, firearms with talent) between mistakes.
/// Deterministic: the same seed gives the same steps. `chaos` itself is left as it is.
struct WildGenerator {
    let seed: UInt64

    static let people: [Person] = ScenarioGenerator.people + [
        Person(id: "ace", name: "Ace Bell", roles: [.armorer, .talent], credentials: ScenarioGenerator.papers([.permit, .training])),
        Person(id: "fay", name: "Fay Dunn", roles: [.firstAD, .crew]),
        Person(id: "arp", name: "Ari Pell", roles: [.armorer, .producer]),
        Person(id: "tia", name: "Tia Moss", roles: [.talent]),
        Person(id: "ned", name: "Ned Hale", roles: [.armorer],
               credentials: [Credential(kind: .permit, number: "P-1", expires: CalendarDate("2026-03-02")!),
                             Credential(kind: .training, number: "T-1", expires: CalendarDate("2026-03-03")!)]),
    ]

    /// The policy a seed's day runs under: credentials and open alarms on or off, a shorter
    /// show-clear window, a longer safe distance.
    static func policy(seed: UInt64) -> Policy {
        var rng = SeededRandom(seed: seed ^ 0xA11_CE)
        return Policy(showClearWindowMinutes: rng.next() % 3 == 0 ? 5 : 10,
                      blankSafeDistanceFeet: rng.next() % 3 == 0 ? 30 : 20,
                      requireCredentials: rng.next() % 2 == 0, alarmsAnsweredByWrap: rng.next() % 2 == 0)
    }

    func steps(count: Int) -> [Step] {
        var rng = SeededRandom(seed: seed)
        var state = ProductionState(people: Self.people, policy: Self.policy(seed: seed))
        var clock: Int64 = 1_772_460_000  // 2026-03-02T07:00:00-07:00
        var out: [Step] = []
        let firearms = ["f1", "f2", "f3"]
        let lots: [(String, AmmoKind)] = [("d1", .dummy), ("b1", .blank), ("d2", .dummy), ("l1", .live)]
        let ids = Self.people.map(\.id) + ["zed", "yan"]
        func pick<T>(_ xs: [T]) -> T { xs[Int(rng.next() % UInt64(xs.count))] }
        func record(_ by: String?, _ action: Action) {
            let step = Step(at: Timestamp(seconds: clock, offsetMinutes: -420), by: by, action: action)
            out.append(step)
            _ = try? state.apply(step)
        }
        for f in firearms { record("ana", .receiveFirearm(firearm: f, serial: f.uppercased(), make: "Colt", model: "SAA", from: nil)) }
        for (l, kind) in lots where kind != .live { record("ana", .receiveAmmo(lot: l, kind: kind, count: 10, source: nil, caliber: nil)) }
        while out.count < count {
            let known = state.people.keys.sorted()
            let next: (String?, Action)?
            let roll = rng.next() % 100
            if roll < 25 {
                if let crew = ScenarioGenerator.carefulCrewStep(&rng, state: state) {
                    next = crew
                } else {
                    next = ScenarioGenerator.carefulStep(&rng, state: state, firearm: pick(firearms), lots: lots, scenes: ["s1", "s2"])
                }
            } else if roll < 70 {
                // The careful crew at work with the firearms, whatever the state of the crew list.
                next = ScenarioGenerator.carefulStep(&rng, state: state, firearm: pick(firearms), lots: lots, scenes: ["s1", "s2"])
            } else {
                next = Self.wildStep(&rng, state: state, firearms: firearms, ids: ids, known: known)
            }
            guard let (by, action) = next else { continue }
            // Time: mostly a minute; sometimes none, the window's edge, past it, or the next day.
            switch rng.next() % 40 {
            case 0, 1: break
            case 2, 3: clock += 5 * 60
            case 4, 5: clock += 10 * 60
            case 6: clock += 11 * 60
            case 7: clock += 86_400
            case 8: clock -= 60  // earlier than the step before: invalid input
            default: clock += 60
            }
            record(by, action)
        }
        return out
    }

    static func wildStep(_ rng: inout SeededRandom, state: ProductionState, firearms: [String], ids: [String],
                         known: [String]) -> (String?, Action)? {
        func pick<T>(_ xs: [T]) -> T { xs[Int(rng.next() % UInt64(xs.count))] }
        func chance(_ percent: UInt64) -> Bool { rng.next() % 100 < percent }
        // Who: now and then someone never named (invalid input).
        let who = chance(2) ? "ghost" : (chance(40) ? pick(known) : pick(["ana", "sam", "ana", "duo", "ned", "arp", "ace"]))
        let f = chance(2) ? "f9" : pick(firearms)
        let lotIDs = state.lotOrder
        let lot = chance(3) || lotIDs.isEmpty ? pick(["x9", "d3", "b2", "l1"]) : pick(lotIDs)
        let box = state.lot(lot)?.box ?? 0
        let scene = pick(["s1", "s2", "s3"])
        let audience = (0..<(1 + Int(rng.next() % 3))).map { _ in pick(ids + ["dee", "ben", "kim"]) }
        let dates = ["2026-03-01", "2026-03-02", "2026-03-03", "2026-03-04", "2027-12-31"]
        // Crew changes of anyone but pat, the producer the careful crew relies on to put the crew right.
        let targets = ids.filter { $0 != "pat" }
        let roleSets: [[Role]] = [[.armorer], [.talent], [.firstAD], [.crew], [.armorer, .producer], [.talent, .crew],
                                  [.producer], [.safety], [.armorer, .talent], [.propMaster]]
        switch rng.next() % 29 {
        case 0: return (who, .receiveFirearm(firearm: pick(firearms + ["f4"]), serial: "S", make: "Colt", model: "SAA", from: nil))
        case 1: return (who, .returnFirearm(firearm: f, to: nil))
        case 2:
            // A lot received again, sometimes with another kind (invalid input).
            let kind: AmmoKind = chance(5) ? pick(AmmoKind.allCases) : (state.lot(lot)?.kind ?? pick(AmmoKind.allCases))
            return (who, .receiveAmmo(lot: lot == "x9" ? "d3" : lot, kind: lot == "d3" ? .dummy : kind, count: Int(rng.next() % 6), source: nil, caliber: nil))
        case 3: return (who, .inspectLot(lot: lot, inspected: max(0, box + Int(rng.next() % 3) - 1), liveFound: chance(15) ? 1 : 0))
        case 4: return (who, .safetyMeeting(scene: scene, attendees: audience, blanks: chance(50)))
        case 5: return (who, .inspectFirearm(firearm: f, result: chance(70) ? .clear : pick(InspectionResult.allCases)))
        case 6, 7: return (who, .load(firearm: f, lot: lot, rounds: Int(rng.next() % 7), scene: scene, rehearsal: chance(30)))
        case 8: return (who, .unload(firearm: f, lot: lot, rounds: Int(rng.next() % 7)))
        case 9, 10: return (who, .showClear(firearm: f, to: audience))
        case 11, 12, 13:
            // To anyone: talent, two-job people, the custodian; a scene left out now and then.
            let custodian = state.firearm(f)?.custodian
            let by = chance(50) ? (custodian ?? who) : who
            return (by, .handOver(firearm: f, to: pick(ids + ["ben", "kim", "ana", "sam"]), scene: chance(15) ? nil : scene))
        case 14: return (who, .declare(firearm: f, state: pick(DeclaredState.allCases)))
        case 15:
            return (pick(known), .fire(firearm: f, scene: scene, rounds: Int(rng.next() % 5), result: pick(FireResult.allCases),
                                       shooter: chance(30) ? pick(known) : nil, rehearsal: chance(30),
                                       nearestPersonFeet: chance(30) ? nil : Double(rng.next() % 40)))
        case 16: return (pick(known), chance(50) ? .reportDischarge(firearm: f, injuries: false, note: nil) : .reportMissing(firearm: f))
        case 17: return (nil, .reportConcern(text: "concern", scene: chance(50) ? scene : nil))
        case 18: return (pick(known), .reconcile(lot: lot, counted: max(0, box + Int(rng.next() % 3) - 1)))
        case 19: return (who, .store(firearm: f, locked: chance(80)))
        case 20: return (pick(known + ["pat", "sol", "arp"]), .unfreeze(firearm: f, reason: "released"))
        case 21, 22: return (pick(known), .wrap)
        case 23: return (pick(["pat", "pat", "arp", who]), .join(person: pick(targets), name: "Someone", roles: pick(roleSets),
                                                            credentials: chance(50) ? [] : [Credential(kind: pick(CredentialKind.allCases), number: "J", expires: CalendarDate(pick(dates))!)]))
        case 24: return (pick(["pat", "pat", who]), .setRoles(person: pick(targets), roles: pick(roleSets)))
        case 25: return (pick(["pat", "pat", who]), .leave(person: pick(targets)))
        case 26: return (pick(["pat", "pat", who]), .credential(person: pick(targets), credential: Credential(kind: pick(CredentialKind.allCases), number: "C", expires: CalendarDate(pick(dates))!)))
        default:
            // An alarm acknowledged by anyone; now and then a step that raised none (invalid input).
            let alarms = state.alarmOrder
            let n = alarms.isEmpty || chance(5) ? Int(rng.next() % UInt64(state.stepCount + 2)) : pick(alarms)
            return (pick(known), .acknowledge(alarm: n, note: nil))
        }
    }
}
