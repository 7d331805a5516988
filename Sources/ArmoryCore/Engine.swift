/// The protocol engine: one pure function from a state and a step to a decision and the
/// next state. The same code runs in `armory replay`, in the server and in `armory verify`.
public enum Engine {
    /// Decides `step` against `state`. Throws when the step cannot be understood against
    /// this production (an unknown person or id, a step out of time order); such a step
    /// is invalid input, not a protocol decision, and is never recorded. `revision` is the
    /// reading of PROTOCOL.md to decide by (`ProtocolRevision`): today's unless re-deciding
    /// evidence recorded under an earlier one.
    public static func decide(_ state: ProductionState, _ step: Step,
                              revision: Int = ProtocolRevision.current) throws(StepFormatError) -> (Decision, ProductionState) {
        var next = state
        let decision = try next.apply(step, revision: revision)
        return (decision, next)
    }
}

extension ProductionState {
    /// Checks that `step` can be decided against this production: its people, firearms and
    /// lots exist, its lot kind agrees with earlier receipts, and it is not earlier than
    /// the step before it.
    public func validate(_ step: Step) throws(StepFormatError) {
        _ = try resolve(step)
    }

    /// `validate`, returning the numbers of the firearm, lot and people the step names: each
    /// id is looked up once here, and the rules read them by number.
    func resolve(_ step: Step) throws(StepFormatError) -> StepNumbers {
        if let lastAt, step.at < lastAt {
            throw StepFormatError("'at' \(step.at.text) is earlier than the step before it (\(lastAt.text)); steps must be in time order", field: "at")
        }
        var numbers = StepNumbers()
        if let by = step.by {
            guard let n = people.number(of: by) else { throw StepFormatError("unknown person '\(by)' in 'by'", field: "by") }
            numbers.by = n
        }
        func person(_ id: String, _ field: String) throws(StepFormatError) -> Int32 {
            guard let n = people.number(of: id) else { throw StepFormatError("unknown person '\(id)' in '\(field)'", field: field) }
            return n
        }
        switch step.action {
        case .receiveFirearm, .wrap, .reportConcern:
            break
        case let .receiveAmmo(lot, kind, _, _, _):
            if let existing = lots[lot], existing.kind != kind {
                throw StepFormatError("lot '\(lot)' was received as \(existing.kind.rawValue), not \(kind.rawValue); a lot holds one kind", field: "kind")
            }
        case let .safetyMeeting(_, attendees, _):
            for a in attendees { _ = try person(a, "attendees") }
        case let .showClear(_, to):
            for t in to { _ = try person(t, "to") }
        case let .handOver(_, to, scene):
            let n = try person(to, "to")
            numbers.to = n
            // Precise "Who counts as the armorer": a dual-hatted armorer acts "not as talent (a
            // hand_over to them is not a handover to talent)", so it needs no scene.
            if scene == nil, people[number: n]?.acts(as: .talent) == true {
                throw StepFormatError("a hand_over to talent needs 'scene'", field: "scene")
            }
        case let .fire(_, _, _, _, shooter, _, _):
            if let shooter { _ = try person(shooter, "shooter") }
        case let .setRoles(p, _), let .leave(p), let .credential(p, _):
            // Precise "Known and on the crew": a step naming a person who is not known is invalid.
            _ = try person(p, "person")
        case let .acknowledge(alarm, _):
            if alarms[alarm] == nil {
                throw StepFormatError("'alarm' \(alarm) names no earlier step whose outcome was alarm", field: "alarm")
            }
        default:
            break
        }
        if let f = step.action.firearm {
            if let n = firearms.number(of: f) {
                numbers.firearm = n
            } else if case .receiveFirearm = step.action {
                // A firearm never named before: it takes the next number if it is kept.
                numbers.firearm = firearms.nextNumber
            } else {
                throw StepFormatError("unknown firearm '\(f)': no earlier step received it", field: "firearm")
            }
        }
        if let l = step.action.lot {
            if let n = lots.number(of: l) {
                numbers.lot = n
            } else if case .receiveAmmo = step.action {
                numbers.lot = lots.nextNumber
            } else {
                throw StepFormatError("unknown lot '\(l)': no earlier step received it", field: "lot")
            }
        }
        return numbers
    }

    /// Decides `step` and, unless it is a refused command, applies it. Every rule is
    /// evaluated against the state before the step, and the decision cites all it breaks.
    /// `revision` is the reading of PROTOCOL.md to decide by (`ProtocolRevision`): the current
    /// one for anything new; an entry recorded under an earlier one is re-decided by its own,
    /// so old evidence still verifies. One state may be carried across revisions (a log that
    /// spans an upgrade): each step changes it as its own revision says.
    /// `number` is the step's number as `acknowledge` names it: its entry index in a
    /// production's log, or (by default) its 1-based place among the steps decided.
    /// `messages`: whether the decision's message is wanted; a replay that checks recorded
    /// decisions (which carry their own) asks for none, and no text is written for it.
    public mutating func apply(_ step: Step, revision: Int = ProtocolRevision.current, number: Int? = nil,
                               messages: Bool = true) throws(StepFormatError) -> Decision {
        guard ProtocolRevision.all.contains(revision) else {
            throw StepFormatError("protocol revision \(revision) is not one this engine knows (\(ProtocolRevision.all.lowerBound)...\(ProtocolRevision.all.upperBound))")
        }
        let numbers = try resolve(step)
        let number = number ?? stepCount + 1
        // The context reads this state and the step where they are, without copying them
        // (a copy of the state is a retain of every table, twice a step); it is gone before
        // the changes are committed, so they are made in place instead of copying every table.
        let sequence = stepCount + 1
        let (findings, okMessage, changes) = withUnsafeMutablePointer(to: &self) { state in
            withUnsafePointer(to: step) { step in
                var ctx = StepContext(before: UnsafePointer(state), step: step, numbers: numbers, sequence: sequence, number: number,
                                      revision: revision, messages: messages)
                let (findings, message) = ctx.evaluate()
                return (findings, message, ctx.changes)
            }
        }
        let decision: Decision
        if findings.isEmpty {
            decision = Decision(outcome: .ok, rules: [], message: okMessage)
        } else if step.action.kind == .command {
            decision = Decision(outcome: .refused, rules: findings.rules, message: findings.message)
        } else {
            decision = Decision(outcome: .alarm, rules: findings.rules, message: findings.message)
        }
        if decision.outcome == .refused {
            // A refused command changes nothing, except that a firearm named by a refused
            // receipt becomes known (never accepted), so later steps may name it.
            // Likewise a person named by a refused `join` becomes known, off the crew (ROLE-3).
            if case let .receiveFirearm(f, _, _, _, _) = step.action { noteUnaccepted(f) }
            if case let .join(p, name, _, _) = step.action, people.number(of: p) == nil {
                setPerson(Person(id: p, name: name, roles: [], onCrew: false))
            }
        } else {
            commit(changes)
        }
        if decision.outcome == .alarm { noteAlarm(number, at: step.at, rules: decision.rules) }
        advance(to: step.at)
        return decision
    }
}

/// What a recorded step changes: the firearms and lots it touched, as they will be.
struct StateChanges {
    var firearms = ChangedItems<FirearmState>()
    var lots = ChangedItems<LotState>()
    /// The safety meeting the step held, if it held one.
    var meeting: Meeting?
    var wrapped = false
    /// People joined, changed or taken off the crew (ROLE-3).
    var people: [String: Person] = [:]
    /// Acknowledgements of alarms (ALARM-1), by the alarm's step number.
    var acknowledgements: [(alarm: Int, Acknowledgement)] = []
}

/// The numbers of the firearm, lot and people a step names, as `resolve` found them; a
/// firearm or lot named for the first time has the number it will get if it is kept.
struct StepNumbers {
    var by: Int32?
    var firearm: Int32?
    var lot: Int32?
    /// The recipient of a `hand_over`.
    var to: Int32?
}

/// Something a table keeps under an id: a firearm or a lot.
protocol Identified {
    var id: String { get }
}
extension FirearmState: Identified {}
extension LotState: Identified {}

/// The few firearms or lots one step changes (rarely more than two), by number: the first
/// two kept inline and any more in a list, so that a step changing one or two allocates
/// nothing for them, and finding one compares numbers rather than hashing them.
struct ChangedItems<Item: Identified> {
    private var first: (number: Int32, item: Item)?
    private var second: (number: Int32, item: Item)?
    private var more: [(number: Int32, item: Item)] = []

    var count: Int { (first == nil ? 0 : 1) + (second == nil ? 0 : 1) + more.count }

    subscript(number: Int32) -> Item? {
        get {
            if let first, first.number == number { return first.item }
            if let second, second.number == number { return second.item }
            for k in more.indices where more[k].number == number { return more[k].item }
            return nil
        }
        set {
            if first?.number == number {
                first = newValue.map { (number, $0) }
            } else if second?.number == number {
                second = newValue.map { (number, $0) }
            } else if let k = more.firstIndex(where: { $0.number == number }) {
                if let newValue { more[k].item = newValue } else { more.remove(at: k) }
            } else if let newValue {
                if first == nil { first = (number, newValue) } else if second == nil { second = (number, newValue) } else { more.append((number, newValue)) }
            }
        }
    }

    /// Changes the item numbered `number` where it is kept; false when the step has not
    /// changed it yet.
    mutating func modify(_ number: Int32, _ change: (inout Item) -> Void) -> Bool {
        if first?.number == number { change(&first!.item); return true }
        if second?.number == number { change(&second!.item); return true }
        if let k = more.firstIndex(where: { $0.number == number }) { change(&more[k].item); return true }
        return false
    }

    /// In id order: the order a state commits them in.
    var inIDOrder: [(number: Int32, item: Item)] {
        var all: [(number: Int32, item: Item)] = []
        if let first { all.append(first) }
        if let second { all.append(second) }
        all += more
        return all.count > 1 ? all.sorted { $0.item.id < $1.item.id } : all
    }

    /// Each item in id order, without building a list when there are one or two.
    func forEachInIDOrder(_ body: (Int32, Item) -> Void) {
        if more.isEmpty {
            switch (first, second) {
            case let (a?, b?):
                if b.item.id < a.item.id { body(b.number, b.item); body(a.number, a.item) } else { body(a.number, a.item); body(b.number, b.item) }
            case let (a?, nil), let (nil, a?):
                body(a.number, a.item)
            case (nil, nil):
                break
            }
            return
        }
        for (n, item) in inIDOrder { body(n, item) }
    }
}

/// Works out one step: checks every rule against the state as it was, and collects the
/// changes the step makes if it is recorded.
struct StepContext {
    /// The state as it was, and the step: read where they are, valid while the context lives
    /// (it lives only inside `ProductionState.apply`, which changes nothing meanwhile).
    let beforePointer: UnsafePointer<ProductionState>
    let stepPointer: UnsafePointer<Step>
    var before: ProductionState { _read { yield beforePointer.pointee } }
    var step: Step { _read { yield stepPointer.pointee } }
    /// This step's sequence number (1-based), ordering inspections against holdings.
    let sequence: Int
    /// This step's number as `acknowledge` names steps (a log's entry index).
    let number: Int
    /// The date the step's `at` is written on, under `require_credentials` (QUAL-1).
    let date: CalendarDate?
    /// The reading of PROTOCOL.md this step is decided by (`ProtocolRevision`).
    let revision: Int
    /// Whether the decision's message is wanted (`say`).
    let messages: Bool
    var findings = Findings()
    var changes = StateChanges()

    init(before: UnsafePointer<ProductionState>, step: UnsafePointer<Step>, numbers: StepNumbers, sequence: Int, number: Int? = nil,
         revision: Int = ProtocolRevision.current, messages: Bool = true) {
        self.beforePointer = before
        self.numbers = numbers
        self.messages = messages
        findings.withText = messages
        self.stepPointer = step
        self.sequence = sequence
        self.number = number ?? sequence
        // QUAL-1's date, worked out once for the step, and only when the policy asks for credentials.
        self.date = before.pointee.policy.requireCredentials ? CalendarDate(writtenOn: step.pointee.at) : nil
        self.revision = revision
        self.actor = numbers.by.flatMap { before.pointee.people[number: $0] }
    }

    /// Whether this step follows PROTOCOL.md's settled readings (revision 2 on): revision 1
    /// read AMMO-4's reconcile, FA-4 on a never-accepted firearm and FA-2's show-clears otherwise.
    var settled: Bool { revision >= 2 }

    /// A message, written only when one is wanted: a replay that checks recorded decisions
    /// builds no text for them.
    func say(_ text: @autoclosure () -> String) -> String { messages ? text() : "" }

    /// The person the step is by, looked up once for the step.
    let actor: Person?
    var actorID: String { step.by ?? "someone" }

    /// The numbers of the firearm, lot and people the step names (`ProductionState.resolve`).
    let numbers: StepNumbers
    /// The number of the firearm the step names (a step about a firearm names one).
    var fn: Int32 { numbers.firearm! }
    /// The number of the lot the step names (a step about a lot names one).
    var ln: Int32 { numbers.lot! }

    /// The firearm numbered `n` as the step finds it. A firearm whose receipt was refused was
    /// never received, and one named for the first time not yet: it stands in with no custodian
    /// (FA-5) and nothing else, not even the unknown state FA-4 gives a firearm just received.
    func firearm(_ n: Int32) -> FirearmState {
        let known = n < before.firearms.nextNumber
        if known, let f = before.firearms[number: n] { return f }
        return FirearmState(id: known ? before.firearms.id(n) : step.action.firearm!, serial: "", make: "", model: "", source: nil,
                            presence: .neverAccepted, unknown: false)
    }

    /// The firearm numbered `n` as this step has left it so far.
    func current(firearm n: Int32) -> FirearmState { changes.firearms[n] ?? firearm(n) }

    mutating func update(firearm n: Int32, _ change: (inout FirearmState) -> Void) {
        if changes.firearms.modify(n, change) { return }
        var f = firearm(n)
        change(&f)
        changes.firearms[n] = f
    }

    /// The lot numbered `n` as the step finds it, or nil for one not yet received.
    func lot(_ n: Int32) -> LotState? { n < before.lots.nextNumber ? before.lots[number: n] : nil }

    mutating func update(lot n: Int32, _ change: (inout LotState) -> Void) {
        if changes.lots.modify(n, change) { return }
        guard var l = lot(n) else { return }
        change(&l)
        changes.lots[n] = l
    }

    mutating func evaluate() -> (Findings, String) {
        let message: String
        switch step.action {
        case let .receiveFirearm(f, serial, make, model, from):
            message = receiveFirearm(f, serial: serial, make: make, model: model, from: from)
        case let .returnFirearm(f, to):
            message = returnFirearm(f, to: to)
        case let .receiveAmmo(lot, kind, count, source, caliber):
            message = receiveAmmo(lot, kind: kind, count: count, source: source, caliber: caliber)
        case let .inspectLot(lot, inspected, liveFound):
            message = inspectLot(lot, inspected: inspected, liveFound: liveFound)
        case let .safetyMeeting(scene, attendees, blanks):
            message = safetyMeeting(scene, attendees: attendees, blanks: blanks)
        case let .inspectFirearm(f, result):
            message = inspectFirearm(f, result: result)
        case let .load(f, lot, rounds, scene, rehearsal):
            message = load(f, lot: lot, rounds: rounds, scene: scene, rehearsal: rehearsal)
        case let .unload(f, lot, rounds):
            message = unload(f, lot: lot, rounds: rounds)
        case let .showClear(f, to):
            message = showClear(f, to: to)
        case let .handOver(f, to, scene):
            message = handOver(f, to: to, scene: scene)
        case let .declare(f, declared):
            message = declare(f, as: declared)
        case let .fire(f, scene, rounds, result, shooter, rehearsal, nearest):
            message = fire(f, scene: scene, rounds: rounds, result: result, shooter: shooter, rehearsal: rehearsal, nearestFeet: nearest)
        case let .reportDischarge(f, injuries, _):
            message = reportDischarge(f, injuries: injuries)
        case let .reportMissing(f):
            message = reportMissing(f)
        case let .reportConcern(_, scene):
            message = reportConcern(scene: scene)
        case let .reconcile(lot, counted):
            message = reconcile(lot, counted: counted)
        case let .store(f, locked):
            message = store(f, locked: locked)
        case let .unfreeze(f, reason):
            message = unfreeze(f, reason: reason)
        case .wrap:
            message = wrap()
        case let .join(p, name, roles, credentials):
            message = join(p, name: name, roles: roles, credentials: credentials)
        case let .setRoles(p, roles):
            message = setRoles(p, roles: roles)
        case let .leave(p):
            message = leave(p)
        case let .credential(p, credential):
            message = record(credential, for: p)
        case let .acknowledge(alarm, note):
            message = acknowledge(alarm, note: note)
        }
        return (findings, message)
    }

    // MARK: - Checks shared by several commands

    /// ROLE-1 / QUAL-1 / ROLE-2 (or the more specific `roleRule`) for a command only the armorer gives.
    mutating func requireArmorer(_ doing: @autoclosure () -> String, roleRule: Rule = .role2) {
        guard let p = actor else { return }
        if !disqualified(p, doing()) && !p.mayActAsArmorer {
            findings.add(roleRule, "\(p.id) is not the armorer; only the armorer may \(doing())")
        }
    }

    /// ROLE-1 for a dual-hatted armorer and QUAL-1 for an unqualified one (Precise
    /// "Credentials": "a person both dual-hatted and unqualified cites ROLE-1 and QUAL-1"),
    /// cited where the role alone would have cited ROLE-2, FA-1, FA-3 or AMMO-3. Whether it
    /// cited either.
    mutating func disqualified(_ p: Person, _ doing: @autoclosure () -> String) -> Bool {
        var cited = false
        if p.isDualHattedArmorer {
            let reason = say("\(p.id) is the armorer but also \(otherRoles(p)); an armorer with another job on set may not \(doing())")
            findings.add(.role1, reason)
            cited = true
        }
        if before.isUnqualifiedArmorer(p, on: date) {
            let reason = say("\(p.id) has no unexpired armorer's permit and training on \(step.at.localDate); an armorer without them may not \(doing())")
            findings.add(.qual1, reason)
            cited = true
        }
        return cited
    }

    /// Whether `p` counts as the armorer at this step (ROLE-1, QUAL-1).
    func countsAsArmorer(_ p: Person?) -> Bool {
        guard let p else { return false }
        return p.mayActAsArmorer && !before.isUnqualifiedArmorer(p, on: date)
    }

    func otherRoles(_ p: Person) -> String {
        Role.allCases.filter { $0 != .armorer && p.roles.contains($0) }.map(\.rawValue).joined(separator: " and ")
    }

    /// FA-5 for the commands the armorer gives only on a firearm in their own custody.
    mutating func requireArmorerCustody(_ f: FirearmState) {
        if let custodian = f.custodian {
            if let p = actor, countsAsArmorer(p), custodian != p.id {
                findings.add(.fa5, "\(f.id) is in \(custodian)'s custody, not \(p.id)'s")
            }
        } else {
            requireCustodian(f)
        }
    }

    /// FA-5 for any command on a firearm that no one holds.
    mutating func requireCustodian(_ f: FirearmState) {
        if let why = f.presence.whyNotHeld(f.id) { findings.add(.fa5, why) }
    }

    /// FA-7: a frozen firearm takes no command but store, unfreeze and a hand-back.
    mutating func requireNotFrozen(_ f: FirearmState) {
        if f.frozen {
            findings.add(.fa7, "\(f.id) is frozen as evidence after an unplanned discharge until a producer or safety unfreezes it")
        }
    }

    /// FA-4, FA-8, AMMO-1: a withdrawn firearm is not loaded, shown clear, declared or given to talent.
    mutating func requireNotWithdrawn(_ f: FirearmState) {
        if f.unknown {
            findings.add(.fa4, "\(f.id) is unknown until the armorer inspects it")
        }
        if f.withdrawnForFault {
            findings.add(.fa8, "\(f.id) is withdrawn after a misfire or fault until the armorer inspects it clear")
        }
        if f.withdrawnForLiveLot {
            findings.add(.ammo1, "\(f.id) was loaded from a lot found to hold a live round and is withdrawn until the armorer inspects it")
        }
    }

    /// EVID-2: no round moves into or out of a lot held as evidence.
    mutating func requireNotEvidence(_ lot: LotState) {
        if lot.frozen {
            findings.add(.evid2, "lot \(lot.id) is frozen as evidence")
        }
        if let caseNumber = lot.withInvestigators {
            findings.add(.evid2, "lot \(lot.id) is with investigators as evidence (case \(caseNumber))")
        }
    }

    /// SCENE-1: the scene's safety meeting has been held since the last wrap.
    mutating func requireMeeting(_ scene: String, for what: @autoclosure () -> String) {
        if before.meeting(scene) == nil {
            findings.add(.scene1, "no safety meeting has been held for scene \(scene) before \(what())")
        }
    }

    /// Whether `f` holds a blank or live round now.
    func holdsHot(_ f: FirearmState) -> Bool {
        f.contents.contains { $0.count > 0 && (before.lots[$0.lot]?.isHot ?? false) }
    }

    func holdsBlanks(_ f: FirearmState) -> Bool {
        f.contents.contains { $0.count > 0 && before.lots[$0.lot]?.kind == .blank }
    }

    /// FA-1: it held a blank or live round after the armorer's last inspection.
    func heldHotSinceInspection(_ f: FirearmState) -> Bool {
        f.lastHeld.contains { lot, seq in (before.lots[lot]?.isHot ?? false) && seq >= f.lastArmorerInspection }
    }

}
