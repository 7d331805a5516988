/// A small, fast, seedable random number generator (SplitMix64), so that a generated
/// scenario or a simulation failure replays exactly from its seed.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Writes synthetic productions: long runs of protocol-abiding days (for benchmarks and
/// demos) and chaotic step sequences that stay valid input (for simulation tests).
/// Deterministic: the same seed gives the same steps.
public struct ScenarioGenerator: Sendable {
    public let seed: UInt64

    public init(seed: UInt64) { self.seed = seed }

    /// Credentials of the generated crew: valid through 2027, well past any generated day.
    static func papers(_ kinds: [CredentialKind]) -> [Credential] {
        kinds.map { Credential(kind: $0, number: "\($0.rawValue.uppercased())-2026", expires: CalendarDate("2027-12-31")!) }
    }

    /// The crew every generated production uses.
    public static let people: [Person] = [
        Person(id: "ana", name: "Ana Ortiz", roles: [.armorer], credentials: papers([.permit, .training])),
        Person(id: "sam", name: "Sam Reyes", roles: [.armorer], credentials: papers([.permit, .training])),
        Person(id: "ben", name: "Ben Cole", roles: [.talent], credentials: papers([.training])),
        Person(id: "kim", name: "Kim Vale", roles: [.talent], credentials: papers([.training])),
        Person(id: "dee", name: "Dee Park", roles: [.firstAD]),
        Person(id: "pat", name: "Pat Lee", roles: [.producer]),
        Person(id: "sol", name: "Sol Grant", roles: [.safety]),
        Person(id: "cy", name: "Cy Moss", roles: [.crew]),
        Person(id: "pm", name: "Pim Lund", roles: [.propMaster]),
        Person(id: "duo", name: "Duo Hart", roles: [.armorer, .firstAD]),
    ]

    /// A production of whole clean shooting days, at least `steps` steps long.
    public func scenario(steps: Int) -> Scenario {
        var out: [Step] = []
        var day = 0
        while out.count < steps {
            day += 1
            out += cleanDays(day..<(day + 1))
        }
        return Scenario(title: "Synthetic production (seed \(seed))", timezone: "America/Denver",
                        people: Self.people, steps: out.map(\.json))
    }

    /// The steps of clean shooting days `days` (day 1 opens with the receipt of the two
    /// firearms), so a very long production can be produced a stretch at a time.
    public func cleanDays(_ days: Range<Int>) -> [Step] {
        var w = Writer(start: 1_772_460_000)  // 2026-03-02T07:00:00-07:00
        for day in days {
            if day == 1 {
                w.add("ana", .receiveFirearm(firearm: "colt-1", serial: "SA-1", make: "Colt", model: "Single Action Army", from: "Western Prop Rentals"))
                w.add("ana", .receiveFirearm(firearm: "colt-2", serial: "SA-2", make: "Colt", model: "Single Action Army", from: "Western Prop Rentals"))
            }
            let dummies = "D\(day)", blanks = "B\(day)"
            w.at(dayStart: day)
            w.add("ana", .receiveAmmo(lot: dummies, kind: .dummy, count: 12, source: "Western Prop Rentals", caliber: ".45 Colt"))
            w.add("ana", .receiveAmmo(lot: blanks, kind: .blank, count: 12, source: "Western Prop Rentals", caliber: ".45 Colt"))
            w.add("ana", .inspectLot(lot: dummies, inspected: 12, liveFound: 0))
            for f in ["colt-1", "colt-2"] { w.add("ana", .inspectFirearm(firearm: f, result: .clear)) }
            w.add("dee", .safetyMeeting(scene: "\(day)A", attendees: ["ana", "ben", "kim", "dee"], blanks: false))
            w.add("dee", .safetyMeeting(scene: "\(day)B", attendees: ["ana", "ben", "kim", "dee"], blanks: true))
            var blanksUsed = 0
            for take in 0..<4 {
                let f = take % 2 == 0 ? "colt-1" : "colt-2"
                let talent = take % 2 == 0 ? "ben" : "kim"
                let withBlanks = take >= 2
                let scene = withBlanks ? "\(day)B" : "\(day)A"
                let lot = withBlanks ? blanks : dummies
                let rounds = withBlanks ? 2 : 6
                w.add("ana", .load(firearm: f, lot: lot, rounds: rounds, scene: scene, rehearsal: !withBlanks))
                w.add("ana", .declare(firearm: f, state: withBlanks ? .hot : .cold))
                w.add("ana", .showClear(firearm: f, to: [talent, "dee"]))
                w.add("ana", .handOver(firearm: f, to: talent, scene: scene))
                if withBlanks {
                    w.add("ana", .fire(firearm: f, scene: scene, rounds: rounds, result: .blank, shooter: nil, rehearsal: false, nearestPersonFeet: 30))
                    blanksUsed += rounds
                } else {
                    w.add("ana", .fire(firearm: f, scene: scene, rounds: 1, result: .click, shooter: nil, rehearsal: true, nearestPersonFeet: nil))
                }
                w.add(talent, .handOver(firearm: f, to: "ana", scene: nil))
                if !withBlanks { w.add("ana", .unload(firearm: f, lot: lot, rounds: rounds)) }
                w.add("ana", .inspectFirearm(firearm: f, result: .clear))
                w.add("ana", .declare(firearm: f, state: .cold))
            }
            w.add("ana", .reconcile(lot: dummies, counted: 12))
            w.add("ana", .reconcile(lot: blanks, counted: 12 - blanksUsed))
            for f in ["colt-1", "colt-2"] { w.add("ana", .store(firearm: f, locked: true)) }
            w.add("dee", .wrap)
        }
        return w.steps
    }

    /// The policy of a chaotic production: every switch on, so QUAL-1 and ALARM-1 are reached.
    public static let chaosPolicy = Policy(showClearWindowMinutes: 10, blankSafeDistanceFeet: 20,
                                           requireCredentials: true, alarmsAnsweredByWrap: true)

    /// The state a chaotic production starts in: `people` under `chaosPolicy`.
    public static var chaosStart: ProductionState { ProductionState(people: people, policy: chaosPolicy) }

    /// `count` steps that stay valid input (known people, ids, time order) but mix what a
    /// careful crew would do next (read off the state so far) with random mistakes, so
    /// rounds move, firearms freeze and thaw, the crew changes, and every rule gets broken
    /// sooner or later. Decided from `chaosStart`.
    public func chaos(count: Int, mistakeRate: Double = 0.35) -> [Step] {
        var rng = SeededRandom(seed: seed)
        var w = Writer(start: 1_772_460_000)
        var state = Self.chaosStart
        let firearms = ["f1", "f2", "f3"]
        let lots: [(String, AmmoKind)] = [("d1", .dummy), ("b1", .blank), ("d2", .dummy), ("l1", .live)]
        let scenes = ["s1", "s2"]
        let ids = Self.people.map(\.id)
        func record(_ by: String?, _ action: Action) {
            let step = w.add(by, action)
            _ = try? state.apply(step)
        }
        for f in firearms { record("ana", .receiveFirearm(firearm: f, serial: f.uppercased(), make: "Colt", model: "SAA", from: nil)) }
        for (l, kind) in lots where kind != .live { record("ana", .receiveAmmo(lot: l, kind: kind, count: 10, source: nil, caliber: nil)) }
        while w.steps.count < count {
            func pick<T>(_ xs: [T]) -> T { xs[Int(rng.next() % UInt64(xs.count))] }
            let mistake = Double(rng.next() % 1000) / 1000 < mistakeRate
            let next = mistake ? Self.randomStep(&rng, state: state, firearms: firearms, lots: lots, scenes: scenes, ids: ids)
                               : Self.carefulCrewStep(&rng, state: state) ?? Self.carefulStep(&rng, state: state, firearm: pick(firearms), lots: lots, scenes: scenes)
            guard let (by, action) = next else { continue }
            record(by, action)
        }
        return w.steps
    }

    /// What a careful producer does when the crew list has drifted from the generated crew
    /// (someone off it, other roles, papers lapsed) or an alarm is open: put it right.
    static func carefulCrewStep(_ rng: inout SeededRandom, state: ProductionState) -> (String, Action)? {
        guard let date = state.lastAt.flatMap({ CalendarDate($0.localDate) }) else { return nil }
        for original in people where original.id != "pat" {
            guard let now = state.people[original.id] else { continue }
            if !now.onCrew {
                return ("pat", .join(person: original.id, name: original.name, roles: Role.allCases.filter(original.roles.contains),
                                     credentials: original.credentials))
            }
            let holds = state.firearms.values.contains { $0.custodian == original.id }
            if now.roles != original.roles && !holds {
                return ("pat", .setRoles(person: original.id, roles: Role.allCases.filter(original.roles.contains)))
            }
            for c in original.credentials where !now.holds(c.kind, on: date) {
                return ("pat", .credential(person: original.id, credential: c))
            }
        }
        if let open = state.openAlarms.first, rng.next() % 2 == 0 {
            return (rng.next() % 2 == 0 ? "pat" : "sol", .acknowledge(alarm: open, note: nil))
        }
        return nil
    }

    /// What a careful crew would do next with `id`, or with the day, given the state.
    static func carefulStep(_ rng: inout SeededRandom, state: ProductionState, firearm id: String,
                            lots: [(String, AmmoKind)], scenes: [String]) -> (String, Action)? {
        func pick<T>(_ xs: [T]) -> T { xs[Int(rng.next() % UInt64(xs.count))] }
        let scene = pick(scenes)
        let blanksScene = scene == "s2"
        if state.meetings[scene] == nil {
            return ("dee", .safetyMeeting(scene: scene, attendees: ["ana", "ben", "kim", "dee"], blanks: blanksScene))
        }
        for l in state.lotOrder {
            if let lot = state.lot(l), lot.kind == .dummy, !lot.verified, !lot.quarantined {
                return ("ana", .inspectLot(lot: l, inspected: lot.box, liveFound: rng.next() % 40 == 0 ? 1 : 0))
            }
        }
        guard let f = state.firearm(id) else { return nil }
        if f.frozen {
            if f.custodian.map({ state.people[$0]?.acts(as: .talent) ?? false }) == true {
                return (f.custodian!, .handOver(firearm: id, to: "ana", scene: nil))
            }
            return (rng.next() % 2 == 0 ? "pat" : "sol", .unfreeze(firearm: id, reason: "released by investigators"))
        }
        switch f.presence {
        case .returned, .neverAccepted, .withInvestigators:
            return ("ana", .receiveFirearm(firearm: id, serial: id.uppercased(), make: "Colt", model: "SAA", from: nil))
        case .missing:
            return ("ana", .inspectFirearm(firearm: id, result: .clear))
        case let .held(by) where by != "ana":
            if state.people[by]?.mayActAsArmorer == true {
                return (by, .handOver(firearm: id, to: "ana", scene: nil))
            }
            if f.roundCount > 0, rng.next() % 2 == 0 {
                let hot = f.contents.contains { state.lot($0.lot)?.kind == .blank }
                return ("ana", .fire(firearm: id, scene: blanksScene ? "s2" : "s1", rounds: hot ? min(2, f.roundCount) : 1,
                                     result: hot ? .blank : .click, shooter: nil, rehearsal: false,
                                     nearestPersonFeet: Double(15 + rng.next() % 20)))
            }
            return (by, .handOver(firearm: id, to: "ana", scene: nil))
        default:
            break
        }
        if f.isWithdrawn || rng.next() % 8 == 0 {
            return ("ana", .inspectFirearm(firearm: id, result: rng.next() % 30 == 0 ? .faulty : .clear))
        }
        if let part = f.contents.last, rng.next() % 3 == 0 {
            return ("ana", .unload(firearm: id, lot: part.lot, rounds: part.count))
        }
        if f.contents.isEmpty {
            // A careful armorer loads only from a usable lot, and opens a new one when none is.
            let kind: AmmoKind = blanksScene ? .blank : .dummy
            let usable = state.lotOrder.compactMap { state.lot($0) }.filter {
                $0.kind == kind && !$0.quarantined && !$0.frozen && $0.box > 0 && (kind == .blank || $0.verified)
            }
            guard let lot = usable.first else {
                let fresh = (kind == .blank ? "b" : "d") + String(state.lots.count + 1)
                return ("ana", .receiveAmmo(lot: fresh, kind: kind, count: 10, source: nil, caliber: nil))
            }
            return ("ana", .load(firearm: id, lot: lot.id, rounds: min(lot.box, blanksScene ? 2 : 6), scene: scene, rehearsal: false))
        }
        if f.showClear == nil {
            return ("ana", .showClear(firearm: id, to: [pick(["ben", "kim"]), "dee"]))
        }
        if rng.next() % 6 == 0 {
            for l in state.lotOrder { if let lot = state.lot(l), lot.touchedSinceWrap, !lot.reconciledSinceMove { return ("ana", .reconcile(lot: l, counted: lot.box)) } }
            return ("ana", .store(firearm: id, locked: true))
        }
        if rng.next() % 10 == 0 { return ("dee", .wrap) }
        let talent = f.showClear!.audience.first { state.people[$0]?.acts(as: .talent) ?? false } ?? "ben"
        return ("ana", .handOver(firearm: id, to: talent, scene: scene))
    }

    /// A step chosen at random, with no regard for the protocol.
    static func randomStep(_ rng: inout SeededRandom, state: ProductionState, firearms: [String],
                           lots: [(String, AmmoKind)], scenes: [String], ids: [String]) -> (String, Action)? {
        func pick<T>(_ xs: [T]) -> T { xs[Int(rng.next() % UInt64(xs.count))] }
        func small() -> Int { Int(rng.next() % 8) }
        let who = rng.next() % 3 == 0 ? pick(ids) : "ana"
        let f = pick(firearms)
        let known = state.lotOrder.compactMap { state.lot($0) }.map { ($0.id, $0.kind) }
        let lot = known.isEmpty || rng.next() % 4 == 0 ? pick(lots) : pick(known)
        let scene = pick(scenes)
        let action: Action
        // Crew changes by anyone, of anyone but the producer who puts the crew right again.
        let target = pick(ids.filter { $0 != "pat" } + ["zed", "yan"])
        let crewRoles: [Role] = [pick(Role.allCases.filter { $0 != .producer })] + (rng.next() % 4 == 0 ? [pick(Role.allCases.filter { $0 != .producer })] : [])
        switch rng.next() % 27 {
        case 22:
            return (rng.next() % 2 == 0 ? "pat" : who, .join(person: target, name: "Person \(target)", roles: crewRoles, credentials: []))
        case 23, 24, 25:
            guard state.people[target] != nil else { return nil }
            let by = rng.next() % 2 == 0 ? "pat" : who
            switch rng.next() % 3 {
            case 0: return (by, .setRoles(person: target, roles: crewRoles))
            case 1: return (by, .leave(person: target))
            default:
                let expires = CalendarDate(rng.next() % 2 == 0 ? "2026-03-01" : "2027-12-31")!
                return (by, .credential(person: target, credential: Credential(kind: pick(CredentialKind.allCases), number: "X", expires: expires)))
            }
        case 26:
            guard let alarm = state.alarms.keys.sorted().last else { return nil }
            return (pick(ids), .acknowledge(alarm: alarm, note: nil))
        default:
            break
        }
        switch rng.next() % 22 {
        case 0: action = .receiveFirearm(firearm: f, serial: f, make: "Colt", model: "SAA", from: nil)
        case 1: action = .returnFirearm(firearm: f, to: nil)
        case 2: action = .receiveAmmo(lot: lot.0, kind: lot.1, count: small(), source: nil, caliber: nil)
        case 3: action = .inspectLot(lot: lot.0, inspected: small() + 6, liveFound: rng.next() % 10 == 0 ? 1 : 0)
        case 4: action = .safetyMeeting(scene: scene, attendees: [pick(ids), pick(ids)], blanks: rng.next() % 2 == 0)
        case 5: action = .inspectFirearm(firearm: f, result: rng.next() % 6 == 0 ? .obstructed : .clear)
        case 6, 7, 8: action = .load(firearm: f, lot: lot.0, rounds: small(), scene: scene, rehearsal: rng.next() % 3 == 0)
        case 9: action = .unload(firearm: f, lot: lot.0, rounds: small())
        case 10, 11: action = .showClear(firearm: f, to: [pick(ids), "dee"])
        case 12, 13: action = .handOver(firearm: f, to: pick(ids), scene: scene)
        case 14: action = .declare(firearm: f, state: rng.next() % 2 == 0 ? .cold : .hot)
        case 15: action = .fire(firearm: f, scene: scene, rounds: small(), result: pick(FireResult.allCases),
                                shooter: rng.next() % 3 == 0 ? pick(ids) : nil, rehearsal: rng.next() % 3 == 0,
                                nearestPersonFeet: Double(rng.next() % 40))
        case 16: action = rng.next() % 4 == 0 ? .reportDischarge(firearm: f, injuries: false, note: nil) : .reportMissing(firearm: f)
        case 17: action = .reconcile(lot: lot.0, counted: small())
        case 18: action = .store(firearm: f, locked: rng.next() % 4 != 0)
        case 19: action = .unfreeze(firearm: f, reason: "released")
        case 20: action = .reportConcern(text: "concern", scene: nil)
        default: action = .wrap
        }
        if case .receiveAmmo = action {} else if let l = action.lot, state.lot(l) == nil { return nil }
        if case .handOver(_, let to, _) = action, to == who { return nil }
        return (who, action)
    }

    /// Accumulates steps a minute apart.
    struct Writer {
        var clock: Int64
        let start: Int64
        var steps: [Step] = []
        init(start: Int64) {
            self.start = start
            self.clock = start
        }
        mutating func at(dayStart day: Int) {
            clock = max(clock, start + Int64(day - 1) * 86_400)
        }
        @discardableResult
        mutating func add(_ by: String?, _ action: Action) -> Step {
            let step = Step(at: Timestamp(seconds: clock, offsetMinutes: -420), by: by, action: action)
            steps.append(step)
            clock += 60
            return step
        }
    }
}
