@testable import ArmoryCore

/// What the reference engine answers for one step: the step is invalid input (the fast
/// engine throws `StepFormatError` and records nothing), or a decision's outcome and rules.
enum ReferenceAnswer: Equatable, Sendable, CustomStringConvertible {
    case invalid(String)
    case decided(Outcome, [Rule])

    static func == (a: ReferenceAnswer, b: ReferenceAnswer) -> Bool {
        switch (a, b) {
        case (.invalid, .invalid): return true
        case let (.decided(o1, r1), .decided(o2, r2)): return o1 == o2 && r1 == r2
        default: return false
        }
    }

    var description: String {
        switch self {
        case let .invalid(why): return "invalid (\(why))"
        case let .decided(o, r): return "\(o.rawValue) [\(r.map(\.rawValue).joined(separator: ", "))]"
        }
    }
}

/// A plain, slow, obviously-correct reading of PROTOCOL.md, kept in the tests as the oracle
/// the fast engine (`Engine.decide`) is compared with. It is written from the protocol's
/// text, not from the engine's code: every fact is kept in simple arrays and dictionaries of
/// strings, and every check names the rule it implements. It reads the public step types
/// (`Step`, `Action`) and nothing of the engine's state.
///
/// Where PROTOCOL.md's words leave a case open, the reading taken is named at the check:
/// - FA-5 on `fire`: a firearm with no custodian (missing, returned, never accepted) that is
///   fired breaks custody, whoever is named as shooter ("A firearm always has exactly one custodian").
/// - FA-3 on `hand_over` to the armorer: only the giver's custody is asked. Handing a firearm
///   to the armorer is not armorer-only (talent does it), so a dual-hatted or unqualified giver
///   cites no ROLE-1 or QUAL-1 for it; only handing to talent is.
/// - FA-2: whether a show-clear's audience held talent and a first AD is asked with the roles
///   in force just before the handover (Precise "Roles as of the step"), not as of the show-clear.
struct ReferenceEngine {
    // MARK: - What it remembers

    struct Member {
        var name: String
        var roles: Set<Role>
        /// At most one credential of each kind: a later one replaces the earlier.
        var credentials: [CredentialKind: Credential]
        var onCrew: Bool
    }

    enum Whereabouts: Equatable {
        case heldBy(String)
        case missing
        case returned
        /// Its only `receive_firearm` was refused: known, never accepted.
        case neverAccepted
    }

    struct ShowClear {
        let at: Timestamp
        let audience: [String]
    }

    struct Gun {
        var whereabouts: Whereabouts
        /// FA-4: received or handed back, not yet inspected by the armorer.
        var unknown = false
        /// FA-8: a misfire or an obstructed/faulty finding, not yet inspected clear.
        var withdrawnFault = false
        /// AMMO-1: loaded from a lot found to hold a live round, not yet inspected again.
        var withdrawnLive = false
        /// FA-7 / EVID-2.
        var frozen = false
        /// EVID-2: lots loaded into it since its last clear inspection by the armorer.
        var lotsSinceClear: Set<String> = []
        /// The rounds inside, oldest load first: (lot, count).
        var rounds: [(lot: String, count: Int)] = []
        /// FA-6: stored locked, and nothing since has ended it.
        var storedLocked = false
        /// FA-2: the show-clears since the last handover, custody change, load or unload.
        var showClears: [ShowClear] = []
        /// FA-1: the step number of the armorer's latest inspection (0: never).
        var lastArmorerInspection = 0
        /// FA-1: for each lot, the last step number at which the firearm had a round of it inside.
        var lastHeld: [String: Int] = [:]

        var custodian: String? { if case let .heldBy(p) = whereabouts { return p } else { return nil } }
        var roundCount: Int { rounds.reduce(0) { $0 + $1.count } }
        func count(of lot: String) -> Int { rounds.filter { $0.lot == lot }.reduce(0) { $0 + $1.count } }
    }

    struct Box {
        let kind: AmmoKind
        var count = 0
        var verified = false
        var foundLive = false
        /// EVID-2: the frozen firearms that hold it frozen.
        var frozenBy: Set<String> = []
        /// AMMO-1: every firearm loaded from it since its first receipt.
        var loadedInto: Set<String> = []
        /// AMMO-4: since the last wrap.
        var touched = false
        /// AMMO-4: step number of the last step that moved rounds into or out of the box.
        var lastMove = 0
        /// AMMO-4: the armorer's latest reconcile since the last wrap: its step number and whether it matched.
        var armorerReconcile: (step: Int, matched: Bool)?

        /// AMMO-1: nothing may be loaded from it.
        var quarantined: Bool { kind == .live || foundLive }
        /// A round of it is a blank or live round (FA-1, SCENE-3).
        var hot: Bool { kind != .dummy || foundLive }
    }

    struct RaisedAlarm {
        let concern: Bool
        var answered = false
    }

    let policy: Policy
    var people: [String: Member] = [:]
    var guns: [String: Gun] = [:]
    var boxes: [String: Box] = [:]
    /// SCENE-1: the scenes whose meeting was held since the last wrap, with whether it announced blanks.
    var meetings: [String: Bool] = [:]
    /// ALARM-1: every alarm raised, by step number.
    var alarms: [Int: RaisedAlarm] = [:]
    /// The outcome of every step decided (not invalid), in order: step N's is at N - 1.
    var outcomes: [Outcome] = []
    /// The time of the latest step decided.
    var lastAt: Timestamp?

    init(people header: [Person], policy: Policy) {
        self.policy = policy
        for p in header {
            var creds: [CredentialKind: Credential] = [:]
            for c in p.credentials { creds[c.kind] = c }
            people[p.id] = Member(name: p.name, roles: p.roles, credentials: creds, onCrew: true)
        }
    }

    // MARK: - Who someone is, as of the step

    /// The date a step is written on, for credentials.
    var date = ""

    func member(_ id: String?) -> Member? { id.flatMap { people[$0] } }

    /// ROLE-1: an armorer who also holds another role.
    func dualHatted(_ id: String?) -> Bool {
        guard let m = member(id), m.onCrew else { return false }
        return m.roles.contains(.armorer) && m.roles.count > 1
    }

    /// QUAL-1: under `require_credentials`, someone whose roles hold `armorer` without an
    /// unexpired permit and training on the step's date.
    func unqualified(_ id: String?) -> Bool {
        guard policy.requireCredentials, let m = member(id), m.onCrew, m.roles.contains(.armorer) else { return false }
        return !(valid(m, .permit) && valid(m, .training))
    }

    /// QUAL-1: a credential is unexpired on a step whose date is on or before `expires`.
    func valid(_ m: Member, _ kind: CredentialKind) -> Bool {
        guard let c = m.credentials[kind] else { return false }
        return date <= c.expires.text
    }

    /// ROLE-1, QUAL-1: counts as the armorer — on the crew, `armorer` and nothing else, qualified.
    func isArmorer(_ id: String?) -> Bool {
        guard let m = member(id), m.onCrew, m.roles == [.armorer] else { return false }
        return !unqualified(id)
    }

    /// Acts in `role` (not the armorer's): on the crew, holding it, and not a dual-hatted armorer (ROLE-1).
    func acts(_ id: String?, as role: Role) -> Bool {
        guard let m = member(id), m.onCrew else { return false }
        return m.roles.contains(role) && !dualHatted(id)
    }

    /// ROLE-2 (or `specific`: FA-1, FA-3, AMMO-3) for an armorer-only command; ROLE-1 and
    /// QUAL-1 cited instead for a dual-hatted or unqualified armorer ("Who counts as the
    /// armorer", "Credentials").
    func armorerOnly(_ id: String?, specific: Rule = .role2) -> [Rule] {
        var rules: [Rule] = []
        if dualHatted(id) { rules.append(.role1) }  // ROLE-1
        if unqualified(id) { rules.append(.qual1) }  // QUAL-1
        if rules.isEmpty && !isArmorer(id) { rules.append(specific) }  // ROLE-2 / FA-1 / FA-3 / AMMO-3
        return rules
    }

    // MARK: - Deciding

    var stepNumber: Int { outcomes.count + 1 }

    /// Decides one step: invalid input, or the outcome and rules; a decided step is remembered.
    mutating func decide(_ step: Step) -> ReferenceAnswer {
        if let why = invalidity(step) { return .invalid(why) }
        date = step.at.localDate
        var rules = Set<Rule>()
        let outcome: Outcome
        do {
            // Every rule is checked against the state before the step; the changes are kept
            // unless the step is a command that broke a rule.
            var after = self
            after.evaluate(step, &rules)
            outcome = rules.isEmpty ? .ok : (step.action.kind == .command ? .refused : .alarm)
            if outcome != .refused { self = after }
        }
        if outcome == .refused {
            // A refused command changes nothing, but a refused receipt makes its firearm known
            // (never accepted) and a refused join makes its person known, off the crew.
            if case let .receiveFirearm(f, _, _, _, _) = step.action, guns[f] == nil {
                guns[f] = Gun(whereabouts: .neverAccepted)
            }
            if case let .join(p, name, _, _) = step.action, people[p] == nil {
                people[p] = Member(name: name, roles: [], credentials: [:], onCrew: false)
            }
        }
        if outcome == .alarm { alarms[stepNumber] = RaisedAlarm(concern: rules.contains(.concern1)) }
        outcomes.append(outcome)
        lastAt = step.at
        return .decided(outcome, rules.sorted())
    }

    /// SCENARIOS.md "Invalid means": why the step cannot be decided, or nil.
    func invalidity(_ step: Step) -> String? {
        if let lastAt, step.at < lastAt { return "earlier than the step before it" }
        func known(_ id: String) -> Bool { people[id] != nil }
        if let by = step.by, !known(by) { return "unknown person \(by)" }
        switch step.action {
        case let .receiveAmmo(lot, kind, _, _, _):
            if let b = boxes[lot], b.kind != kind { return "lot received again with another kind" }
        case let .safetyMeeting(_, attendees, _):
            if let a = attendees.first(where: { !known($0) }) { return "unknown attendee \(a)" }
        case let .showClear(_, to):
            if let a = to.first(where: { !known($0) }) { return "unknown audience \(a)" }
        case let .handOver(_, to, scene):
            if !known(to) { return "unknown recipient \(to)" }
            if scene == nil && acts(to, as: .talent) { return "a hand_over to talent without scene" }
        case let .fire(_, _, _, _, shooter, _, _):
            if let s = shooter, !known(s) { return "unknown shooter \(s)" }
        case let .setRoles(p, _), let .leave(p), let .credential(p, _):
            if !known(p) { return "unknown person \(p)" }
        case let .acknowledge(n, _):
            if !(n >= 1 && n < stepNumber && outcomes[n - 1] == .alarm) { return "alarm \(n) names no earlier alarm" }
        default:
            break
        }
        if let f = step.action.firearm, guns[f] == nil {
            if case .receiveFirearm = step.action {} else { return "unknown firearm \(f)" }
        }
        if let l = step.action.lot, boxes[l] == nil {
            if case .receiveAmmo = step.action {} else { return "unknown lot \(l)" }
        }
        return nil
    }

    /// Checks every rule against the state before the step, collecting the rules broken;
    /// then, unless the step is a command that broke one, records what it changes.
    mutating func evaluate(_ step: Step, _ rules: inout Set<Rule>) {
        let by = step.by
        let n = stepNumber
        let isCommand = step.action.kind == .command
        func accepted() -> Bool { !isCommand || rules.isEmpty }

        switch step.action {
        case let .receiveFirearm(f, _, _, _, _):
            rules.formUnion(armorerOnly(by))  // ROLE-2: the armorer receives firearms
            if let g = guns[f] {
                if g.whereabouts != .returned && g.whereabouts != .neverAccepted { rules.insert(.fa5) }  // FA-5: still in the production
                if g.frozen { rules.insert(.fa7) }  // FA-7: a frozen firearm takes no command
            }
            guard accepted() else { return }
            var g = guns[f] ?? Gun(whereabouts: .neverAccepted)
            g.whereabouts = .heldBy(by!)
            g.unknown = true  // FA-4: just received
            g.storedLocked = false  // FA-6: received again, stored again
            g.showClears = []
            guns[f] = g

        case let .returnFirearm(f, _):
            let g = guns[f]!
            rules.formUnion(armorerOnly(by))  // ROLE-2
            rules.formUnion(custody(g, by))  // FA-5
            if g.frozen { rules.insert(.fa7) }  // FA-7
            guard accepted() else { return }
            guns[f]!.whereabouts = .returned
            guns[f]!.storedLocked = false  // FA-6: storage ends when it leaves custody
            guns[f]!.showClears = []

        case let .receiveAmmo(lot, kind, count, _, _):
            if kind == .live { rules.insert(.ammo1) }  // AMMO-1: live ammunition received
            var b = boxes[lot] ?? Box(kind: kind)
            b.count += count
            b.verified = false  // AMMO-2: a new receipt undoes the verification
            b.touched = true  // AMMO-4
            if count > 0 { b.lastMove = n }
            boxes[lot] = b

        case let .inspectLot(lot, inspected, liveFound):
            var b = boxes[lot]!
            b.touched = true  // AMMO-4: named by a recorded step
            if liveFound > 0 {
                rules.insert(.ammo1)  // AMMO-1: a live round found
                b.foundLive = true
                b.verified = false
                for f in b.loadedInto { guns[f]?.withdrawnLive = true }  // AMMO-1: withdrawn until inspected again
            } else if isArmorer(by) && inspected >= b.count {
                b.verified = true  // AMMO-2: one armorer's inspection of the whole box, no live round
            }
            boxes[lot] = b

        case let .safetyMeeting(scene, attendees, blanks):
            // Roles: held by the armorer or the first AD (a dual-hatted one is neither).
            if !isArmorer(by) && !acts(by, as: .firstAD) { rules.insert(.role2) }
            let present = [by!] + attendees
            // SCENE-1: someone who counts as the armorer and a first AD among them.
            if !present.contains(where: { isArmorer($0) }) || !present.contains(where: { acts($0, as: .firstAD) }) {
                rules.insert(.scene1)
            }
            guard accepted() else { return }
            meetings[scene] = blanks

        case let .inspectFirearm(f, result):
            var g = guns[f]!
            // FA-8: obstructed or faulty; the finding withdraws the firearm whatever its custody
            // (a never-accepted one too: "what they break for other reasons" still counts).
            if result != .clear {
                rules.insert(.fa8)
                g.withdrawnFault = true
            }
            if isArmorer(by) {
                g.unknown = false  // FA-4 ends at the armorer's inspection, any result
                g.withdrawnLive = false  // AMMO-1 likewise
                g.lastArmorerInspection = n  // FA-1
                if result == .clear {
                    g.withdrawnFault = false  // FA-8 ends only at a clear inspection
                    g.lotsSinceClear = []  // EVID-2: the list of lots starts afresh
                }
                if g.whereabouts == .missing { g.whereabouts = .heldBy(by!) }  // FA-5: a missing one found
            }
            guns[f] = g

        case let .load(f, lot, count, scene, rehearsal):
            let g = guns[f]!
            let b = boxes[lot]!
            // AMMO-3 names blanks loaded by anyone but the armorer; otherwise ROLE-2.
            rules.formUnion(armorerOnly(by, specific: b.kind == .blank ? .ammo3 : .role2))
            rules.formUnion(custody(g, by))  // FA-5
            if g.frozen { rules.insert(.fa7) }  // FA-7
            if b.frozenBy.count > 0 { rules.insert(.evid2) }  // EVID-2: a frozen lot
            rules.formUnion(withdrawn(g))  // FA-4, FA-8, AMMO-1
            if b.quarantined { rules.insert(.ammo1) }  // AMMO-1: nothing is loaded from a quarantined lot
            if b.kind == .dummy && !b.verified { rules.insert(.ammo2) }  // AMMO-2
            if meetings[scene] == nil { rules.insert(.scene1) }  // SCENE-1
            if b.kind == .blank {
                if meetings[scene] != true { rules.insert(.ammo3) }  // AMMO-3: only for a scene whose meeting announced blanks
                if rehearsal { rules.insert(.ammo3) }  // AMMO-3: never for a rehearsal
            }
            if rehearsal {
                if b.hot { rules.insert(.scene3) }  // SCENE-3: no blanks or live rounds for a rehearsal
                if g.rounds.contains(where: { boxes[$0.lot]!.hot && $0.count > 0 }) { rules.insert(.scene3) }  // SCENE-3: already holds one
            }
            if count > b.count { rules.insert(.ammo4) }  // AMMO-4: more than the box holds
            guard accepted() else { return }
            var h = g
            if count > 0 {
                h.rounds.append((lot, count))
                h.lastHeld[lot] = n
                boxes[lot]!.lastMove = n
            }
            boxes[lot]!.count -= count
            boxes[lot]!.touched = true
            boxes[lot]!.loadedInto.insert(f)  // AMMO-1: loaded from it (0 rounds included)
            h.lotsSinceClear.insert(lot)  // EVID-2
            h.storedLocked = false
            h.showClears = []
            guns[f] = h

        case let .unload(f, lot, count):
            let g = guns[f]!
            let b = boxes[lot]!
            rules.formUnion(armorerOnly(by))  // ROLE-2
            rules.formUnion(custody(g, by))  // FA-5
            if g.frozen { rules.insert(.fa7) }  // FA-7
            if b.frozenBy.count > 0 { rules.insert(.evid2) }  // EVID-2
            if count > g.count(of: lot) { rules.insert(.ammo4) }  // AMMO-4: more than the firearm holds of the lot
            guard accepted() else { return }
            var h = g
            var left = count
            // Precise "Rounds": an unload takes that lot's rounds loaded last.
            var k = h.rounds.count - 1
            while left > 0 && k >= 0 {
                if h.rounds[k].lot == lot {
                    let take = min(left, h.rounds[k].count)
                    h.rounds[k].count -= take
                    left -= take
                }
                k -= 1
            }
            h.rounds.removeAll { $0.count == 0 }
            if count > 0 {
                h.lastHeld[lot] = n
                boxes[lot]!.lastMove = n
            }
            boxes[lot]!.count += count
            boxes[lot]!.touched = true
            h.storedLocked = false
            h.showClears = []
            guns[f] = h

        case let .showClear(f, to):
            let g = guns[f]!
            rules.formUnion(armorerOnly(by))  // ROLE-2
            rules.formUnion(custody(g, by))  // FA-5
            if g.frozen { rules.insert(.fa7) }  // FA-7
            rules.formUnion(withdrawn(g))  // FA-4, FA-8, AMMO-1
            guard accepted() else { return }
            // FA-2: who saw it; whether they are talent and a first AD is asked at the handover.
            guns[f]!.showClears.append(ShowClear(at: step.at, audience: to))
            guns[f]!.storedLocked = false

        case let .handOver(f, to, scene):
            handOver(step, f, to: to, scene: scene, &rules)

        case let .declare(f, declared):
            let g = guns[f]!
            rules.formUnion(armorerOnly(by, specific: .fa1))  // FA-1: only the armorer declares
            rules.formUnion(custody(g, by))  // FA-5
            if g.frozen { rules.insert(.fa7) }  // FA-7
            rules.formUnion(withdrawn(g))  // FA-4, FA-8, AMMO-1
            let holdsHot = g.rounds.contains { $0.count > 0 && boxes[$0.lot]!.hot }
            let holdsBlanks = g.rounds.contains { $0.count > 0 && boxes[$0.lot]!.kind == .blank }
            switch declared {
            case .cold:
                // FA-1: no blank or live round inside, and inspected by the armorer since it last held one.
                let heldSinceInspection = g.lastHeld.contains { lot, last in boxes[lot]!.hot && last >= g.lastArmorerInspection }
                if holdsHot || heldSinceInspection { rules.insert(.fa1) }
            case .hot:
                if !holdsBlanks { rules.insert(.fa1) }  // FA-1: hot only when it holds blanks
            }

        case let .fire(f, scene, count, result, shooter, rehearsal, nearest):
            var g = guns[f]!
            // FA-5: the shooter (by default the custodian) is not the custodian. A firearm with no
            // custodian (missing, returned, never accepted) has none to default to: whoever fired
            // it was not its custodian, so custody was broken ("A firearm always has exactly one custodian").
            if g.custodian == nil || (shooter != nil && shooter != g.custodian) { rules.insert(.fa5) }
            let discharge = result != .click
            if discharge && count > g.roundCount { rules.insert(.ammo4) }  // AMMO-4: more than it holds
            if discharge {
                // FA-7: planned only for a blank or misfire in a take of a scene whose meeting announced
                // blanks, with enough rounds inside, every round used from a lot received as blank.
                var used: [String] = []
                var need = count
                for part in g.rounds where need > 0 {
                    let take = min(need, part.count)
                    if take > 0 { used.append(part.lot) }
                    need -= take
                }
                let planned = (result == .blank || result == .misfire) && !rehearsal && meetings[scene] == true
                    && count <= g.roundCount && used.allSatisfy { boxes[$0]!.kind == .blank }
                if !planned { rules.insert(.fa7) }
                if rehearsal { rules.insert(.scene3) }  // SCENE-3: a discharge in a rehearsal
            } else if rehearsal && g.rounds.contains(where: { $0.count > 0 && boxes[$0.lot]!.hot }) {
                rules.insert(.scene3)  // SCENE-3: a click in a rehearsal with a blank or live round inside
            }
            if result == .misfire { rules.insert(.fa8) }  // FA-8: a misfire goes back to the armorer
            // SCENE-2: a blank fired with someone nearer than the safe distance.
            if result == .blank, let d = nearest, d < policy.blankSafeDistanceFeet { rules.insert(.scene2) }
            // What it changes: rounds used (the ones loaded first), storage ended, freeze, withdrawal.
            if discharge {
                var need = count
                for k in g.rounds.indices where need > 0 {
                    let take = min(need, g.rounds[k].count)
                    g.rounds[k].count -= take
                    need -= take
                    if take > 0 { g.lastHeld[g.rounds[k].lot] = n }
                }
                g.rounds.removeAll { $0.count == 0 }
            }
            g.storedLocked = false
            if result == .misfire { g.withdrawnFault = true }
            guns[f] = g
            if rules.contains(.fa7) { freeze(f) }

        case let .reportDischarge(f, _, _):
            rules.insert(.fa7)  // FA-7: a reported discharge is never planned
            freeze(f)

        case let .reportMissing(f):
            rules.insert(.fa5)  // FA-5: a firearm missing
            let g = guns[f]!
            if g.whereabouts != .returned && g.whereabouts != .neverAccepted {
                guns[f]!.whereabouts = .missing
                guns[f]!.storedLocked = false  // FA-6: storage ends when it leaves custody
                guns[f]!.showClears = []
            }

        case .reportConcern:
            rules.insert(.concern1)  // CONCERN-1: always an alarm to producer and safety

        case let .reconcile(lot, counted):
            var b = boxes[lot]!
            b.touched = true
            if counted != b.count { rules.insert(.ammo4) }  // AMMO-4: the count differs
            // AMMO-4: only the armorer's reconcile counts as the lot's reconcile at wrap.
            if isArmorer(by) { b.armorerReconcile = (n, counted == b.count) }
            boxes[lot] = b

        case let .store(f, locked):
            let g = guns[f]!
            rules.formUnion(armorerOnly(by))  // ROLE-2
            rules.formUnion(custody(g, by))  // FA-5
            guard accepted() else { return }
            guns[f]!.storedLocked = locked

        case let .unfreeze(f, _):
            // Roles: producer or safety (a dual-hatted armorer acts as neither).
            if !acts(by, as: .producer) && !acts(by, as: .safety) { rules.insert(.role2) }
            guard accepted() else { return }
            guns[f]!.frozen = false
            // EVID-2: the lots frozen with it are released unless another frozen firearm holds them.
            for l in boxes.keys { boxes[l]!.frozenBy.remove(f) }

        case .wrap:
            // FA-6: every firearm still in the production is with the armorer and stored locked.
            for (_, g) in guns {
                switch g.whereabouts {
                case .returned, .neverAccepted: continue
                case .missing: rules.insert(.fa6)
                case let .heldBy(p): if !isArmorer(p) || !g.storedLocked { rules.insert(.fa6) }
                }
            }
            // AMMO-4: every lot touched since the last wrap has the armorer's matching reconcile
            // after the last step that moved its rounds.
            for (_, b) in boxes where b.touched {
                guard let r = b.armorerReconcile, r.step > b.lastMove, r.matched else {
                    rules.insert(.ammo4)
                    continue
                }
            }
            // ALARM-1: with the policy, no alarm raised before is still open.
            if policy.alarmsAnsweredByWrap && alarms.values.contains(where: { !$0.answered }) { rules.insert(.alarm1) }
            meetings = [:]  // SCENE-1: a meeting holds until the next wrap
            for l in boxes.keys {
                boxes[l]!.touched = false
                boxes[l]!.armorerReconcile = nil
            }

        case let .join(p, name, roles, credentials):
            rules.formUnion(keepsCrewList(by))  // ROLE-3
            if people[p]?.onCrew == true { rules.insert(.role3) }  // ROLE-3: already on the crew
            guard accepted() else { return }
            // Precise "Crew steps": the join "puts them on the crew with that join's name, roles and
            // credentials" — papers from before a leave do not come back with the person.
            var creds: [CredentialKind: Credential] = [:]
            for c in credentials { creds[c.kind] = c }
            people[p] = Member(name: name, roles: Set(roles), credentials: creds, onCrew: true)

        case let .setRoles(p, roles):
            rules.formUnion(keepsCrewList(by))  // ROLE-3
            if people[p]?.onCrew != true { rules.insert(.role3) }  // ROLE-3: not on the crew
            if holdsAFirearm(p) { rules.insert(.fa5) }  // FA-5: the firearm goes back first
            guard accepted() else { return }
            people[p]!.roles = Set(roles)

        case let .leave(p):
            rules.formUnion(keepsCrewList(by))  // ROLE-3
            if people[p]?.onCrew != true { rules.insert(.role3) }  // ROLE-3
            if holdsAFirearm(p) { rules.insert(.fa5) }  // FA-5
            guard accepted() else { return }
            people[p]!.onCrew = false

        case let .credential(p, c):
            rules.formUnion(keepsCrewList(by))  // ROLE-3
            if people[p]?.onCrew != true { rules.insert(.role3) }  // ROLE-3
            guard accepted() else { return }
            people[p]!.credentials[c.kind] = c

        case let .acknowledge(alarm, _):
            let concern = alarms[alarm]!.concern
            let answers = acts(by, as: .producer) || acts(by, as: .safety)
            // ALARM-1: producer or safety answer; the armorer and a first AD may acknowledge all but a concern.
            let mayAcknowledge = answers || (!concern && (isArmorer(by) || acts(by, as: .firstAD)))
            if !mayAcknowledge { rules.insert(.role2) }  // ROLE-2
            guard accepted() else { return }
            if answers { alarms[alarm]!.answered = true }
        }
    }

    /// Precise "Custody": FA-5 for a command on a firearm with no custodian (whoever gives
    /// it), or by someone who counts as the armorer on a firearm someone else holds.
    func custody(_ g: Gun, _ by: String?) -> [Rule] {
        guard let c = g.custodian else { return [.fa5] }
        return isArmorer(by) && c != by ? [.fa5] : []
    }

    /// Precise "Withdrawn": the rules that keep a firearm from load, show-clear, declare and handover to talent.
    func withdrawn(_ g: Gun) -> [Rule] {
        var rules: [Rule] = []
        if g.unknown { rules.append(.fa4) }  // FA-4
        if g.withdrawnFault { rules.append(.fa8) }  // FA-8
        if g.withdrawnLive { rules.append(.ammo1) }  // AMMO-1
        return rules
    }

    /// ROLE-3: only a producer (not a dual-hatted armorer) keeps the crew list.
    func keepsCrewList(_ by: String?) -> [Rule] { acts(by, as: .producer) ? [] : [.role3] }

    /// FA-5: whether `p` is the custodian of a firearm.
    func holdsAFirearm(_ p: String) -> Bool { guns.values.contains { $0.custodian == p } }

    /// FA-7, EVID-2: the firearm and every lot loaded into it since its last clear inspection are frozen.
    mutating func freeze(_ f: String) {
        guns[f]!.frozen = true
        for l in guns[f]!.lotsSinceClear { boxes[l]?.frozenBy.insert(f) }
    }

    /// FA-2, FA-3, FA-4, FA-5, FA-7, FA-8, AMMO-1, SCENE-1, QUAL-1 on a `hand_over`.
    mutating func handOver(_ step: Step, _ f: String, to: String, scene: String?, _ rules: inout Set<Rule>) {
        let by = step.by
        let g = guns[f]!
        let toArmorer = isArmorer(to)
        let toTalent = acts(to, as: .talent)
        let byTalent = acts(by, as: .talent)
        // FA-7: only talent handing a frozen firearm to the armorer is a hand-back.
        if g.frozen && !(byTalent && toArmorer) { rules.insert(.fa7) }
        // FA-5: a firearm with no custodian moves no further.
        if g.custodian == nil { rules.insert(.fa5) }
        // FA-3: the person handing over must be its custodian, and not hand it to themselves.
        if g.custodian != by { rules.insert(.fa3) }
        if g.custodian == to { rules.insert(.fa3) }
        if toTalent {
            // FA-3: only the armorer hands a firearm to talent (ROLE-1, QUAL-1 for a disqualified armorer).
            rules.formUnion(armorerOnly(by, specific: .fa3))
            // FA-4: talent hands a firearm only to the armorer (not a never-accepted one: it is not unknown).
            if byTalent && g.whereabouts != .neverAccepted { rules.insert(.fa4) }
            // FA-2: a qualifying show-clear covers this handover: the talent and a first AD among its
            // audience, within the window (inclusive). Precise "Roles as of the step": "Every role check
            // uses the roles in force just before the step", so who is talent or first AD is asked as
            // of this handover, not as of the show-clear. (PROTOCOL.md does not say otherwise for a
            // show-clear's audience; this is the one point the oracle reads by that general sentence.)
            let window = policy.showClearWindowMinutes * 60
            let covered = g.showClears.contains { sc in
                let age = step.at.seconds(since: sc.at)
                return sc.audience.contains(to) && sc.audience.contains { acts($0, as: .firstAD) } && age >= 0 && age <= window
            }
            if !covered { rules.insert(.fa2) }
            if meetings[scene!] == nil { rules.insert(.scene1) }  // SCENE-1
            // QUAL-1: talent needs unexpired training.
            if policy.requireCredentials, let m = member(to), !valid(m, .training) { rules.insert(.qual1) }
            rules.formUnion(withdrawn(g))  // FA-4, FA-8, AMMO-1
        } else if toArmorer {
            // FA-3: passes from the armorer to talent and back; two armorers may hand it to each other.
            // Handing a firearm to the armorer is not armorer-only (talent does it too): only custody
            // is asked of the giver (checked above), so no ROLE-1 or QUAL-1 stands in for FA-3 here.
        } else {
            rules.insert(.fa3)  // FA-3: to someone who is neither talent nor the armorer
            if byTalent && g.whereabouts != .neverAccepted { rules.insert(.fa4) }  // FA-4
        }
        guard rules.isEmpty else { return }
        var h = g
        h.whereabouts = .heldBy(to)
        if byTalent && toArmorer { h.unknown = true }  // FA-4: handed back, unknown until inspected
        h.storedLocked = false  // FA-6: a hand_over ends storage
        h.showClears = []  // FA-2: a show-clear covers one handover
        guns[f] = h
    }
}
