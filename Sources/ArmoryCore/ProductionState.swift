/// Where a firearm is, as far as custody goes.
public enum Presence: Sendable, Hashable {
    /// In the production, held by this person (its custodian).
    case held(by: String)
    /// Reported missing: still the production's responsibility, but no one holds it.
    case missing
    /// Returned to the rental house; a new `receive_firearm` brings it back.
    case returned
    /// Its `receive_firearm` was refused: it was never accepted into the production.
    case neverAccepted
    /// Handed to investigators as evidence under this case number: out of the production.
    case withInvestigators(caseNumber: String)

    /// Why no one holds firearm `id`, or nil when someone does (FA-5's words).
    public func whyNotHeld(_ id: String) -> String? {
        switch self {
        case .held: return nil
        case .missing: return "\(id) is reported missing and in no one's custody"
        case .returned: return "\(id) was returned to the rental house and is in no one's custody"
        case .neverAccepted: return "\(id) was never accepted into the production"
        case let .withInvestigators(caseNumber): return "\(id) is with investigators as evidence (case \(caseNumber))"
        }
    }

    /// Whether the production answers for the firearm at wrap (FA-6).
    public var isInProduction: Bool {
        switch self {
        case .held, .missing: return true
        case .returned, .neverAccepted, .withInvestigators: return false
        }
    }
}

/// Rounds of one lot sitting in a firearm, in the order they were loaded.
public struct LoadedRounds: Sendable, Hashable {
    public let lot: String
    public var count: Int
}

/// A show-clear of a firearm that can still cover its next handover (FA-2).
public struct ShowClear: Sendable, Hashable {
    public let at: Timestamp
    public let by: String
    public let audience: Set<String>
}

/// Everything the protocol needs to know about one firearm. Its fields are shared between
/// copies until one of them is changed: every rule reads a firearm, and a copy is then one
/// retain rather than one per field.
public struct FirearmState: Sendable, Hashable {
    struct Fields: Hashable {
        let id: String
        var serial: String
        var make: String
        var model: String
        var source: String?
        var presence: Presence
        var contents: [LoadedRounds] = []
        var unknown: Bool
        var withdrawnForFault = false
        var withdrawnForLiveLot = false
        var frozen = false
        var frozenLots: Set<String> = []
        var lotsSinceClear: [String] = []
        var storedLocked = false
        var declared: DeclaredState?
        var showClears: [ShowClear] = []
        var lastArmorerInspection = 0
        var lastHeld: [String: Int] = [:]
    }

    private var shared: SharedFields<Fields>

    private var fields: Fields {
        _read { yield shared.value }
        _modify { yield &shared.value }
    }

    public static func == (a: FirearmState, b: FirearmState) -> Bool { a.shared == b.shared }
    public func hash(into hasher: inout Hasher) { shared.hash(into: &hasher) }

    public var id: String { fields.id }
    public var serial: String { get { fields.serial } set { fields.serial = newValue } }
    public var make: String { get { fields.make } set { fields.make = newValue } }
    public var model: String { get { fields.model } set { fields.model = newValue } }
    public var source: String? { get { fields.source } set { fields.source = newValue } }
    public var presence: Presence { get { fields.presence } set { fields.presence = newValue } }
    /// Rounds inside, oldest load first: a discharge uses the front, an unload takes a lot's last.
    public var contents: [LoadedRounds] { _read { yield fields.contents } _modify { yield &fields.contents } }
    /// FA-4: just received or handed back, not yet inspected by the armorer.
    public var unknown: Bool { get { fields.unknown } set { fields.unknown = newValue } }
    /// FA-8: a misfire or an obstructed/faulty finding; lifted by a clear inspection.
    public var withdrawnForFault: Bool { get { fields.withdrawnForFault } set { fields.withdrawnForFault = newValue } }
    /// AMMO-1: loaded from a lot later found to hold a live round; lifted by any inspection.
    public var withdrawnForLiveLot: Bool { get { fields.withdrawnForLiveLot } set { fields.withdrawnForLiveLot = newValue } }
    /// FA-7 / EVID-2: held as evidence after an unplanned discharge until unfrozen.
    public var frozen: Bool { get { fields.frozen } set { fields.frozen = newValue } }
    /// The lots frozen with this firearm (released when it is unfrozen).
    public var frozenLots: Set<String> { _read { yield fields.frozenLots } _modify { yield &fields.frozenLots } }
    /// Lots loaded since the armorer's last clear inspection, in order: what a discharge freezes.
    public var lotsSinceClear: [String] { _read { yield fields.lotsSinceClear } _modify { yield &fields.lotsSinceClear } }
    /// FA-6: stored locked and untouched since.
    public var storedLocked: Bool { get { fields.storedLocked } set { fields.storedLocked = newValue } }
    /// The last declaration, cleared when the contents change.
    public var declared: DeclaredState? { get { fields.declared } set { fields.declared = newValue } }
    /// The show-clears since it last changed hands or was loaded or unloaded, oldest first:
    /// any one of them may cover its next handover (FA-2, Precise "Show-clear": "a later
    /// show-clear to other people does not undo an earlier one").
    public var showClears: [ShowClear] { _read { yield fields.showClears } _modify { yield &fields.showClears } }
    /// The latest of `showClears`; setting it replaces them all (nil: none covers a handover).
    public var showClear: ShowClear? {
        get { showClears.last }
        set { showClears = newValue.map { [$0] } ?? [] }
    }
    /// Sequence number of the armorer's last inspection (0: never).
    public var lastArmorerInspection: Int { get { fields.lastArmorerInspection } set { fields.lastArmorerInspection = newValue } }
    /// For each lot, the sequence number of the last step at which the firearm held its rounds.
    public var lastHeld: [String: Int] { _read { yield fields.lastHeld } _modify { yield &fields.lastHeld } }

    public init(id: String, serial: String, make: String, model: String, source: String?, presence: Presence, unknown: Bool) {
        shared = SharedFields(Fields(id: id, serial: serial, make: make, model: model, source: source, presence: presence, unknown: unknown))
    }

    /// The person who holds it, if anyone does.
    public var custodian: String? {
        if case let .held(by) = presence { return by }
        return nil
    }

    /// Total rounds inside.
    public var roundCount: Int { contents.reduce(0) { $0 + $1.count } }

    /// Rounds of `lot` inside.
    public func rounds(of lot: String) -> Int {
        contents.reduce(0) { $0 + ($1.lot == lot ? $1.count : 0) }
    }

    /// Whether it is withdrawn from use (FA-4, FA-8 or AMMO-1).
    public var isWithdrawn: Bool { unknown || withdrawnForFault || withdrawnForLiveLot }
}

/// Everything the protocol needs to know about one lot of rounds. Like a firearm's, its
/// fields are shared between copies until one of them is changed: rules read lots on many
/// steps, and a copy is then one retain rather than one per field.
public struct LotState: Sendable, Hashable {
    struct Fields: Hashable {
        let id: String
        let kind: AmmoKind
        var source: String?
        var caliber: String?
        var received = 0
        var box = 0
        var fired = 0
        var verified = false
        var foundLive = false
        var frozenBy: Set<String> = []
        var loadedInto: Set<String> = []
        var touchedSinceWrap = false
        var reconciledSinceMove = false
        var lastReconcileMatched: Bool?
        var withInvestigators: String?
    }

    private var shared: SharedFields<Fields>

    private var fields: Fields {
        _read { yield shared.value }
        _modify { yield &shared.value }
    }

    public static func == (a: LotState, b: LotState) -> Bool { a.shared == b.shared }
    public func hash(into hasher: inout Hasher) { shared.hash(into: &hasher) }

    public var id: String { fields.id }
    public var kind: AmmoKind { fields.kind }
    public var source: String? { get { fields.source } set { fields.source = newValue } }
    public var caliber: String? { get { fields.caliber } set { fields.caliber = newValue } }
    /// Every round ever received into the lot.
    public var received: Int { get { fields.received } set { fields.received = newValue } }
    /// Rounds in the box: received − loaded + unloaded.
    public var box: Int { get { fields.box } set { fields.box = newValue } }
    /// Rounds that left a firearm by a discharge.
    public var fired: Int { get { fields.fired } set { fields.fired = newValue } }
    /// AMMO-2: one armorer's inspection covered every round in the box and found no live round.
    public var verified: Bool { get { fields.verified } set { fields.verified = newValue } }
    /// AMMO-1: an inspection found a live round in it.
    public var foundLive: Bool { get { fields.foundLive } set { fields.foundLive = newValue } }
    /// EVID-2: the frozen firearms that hold this lot frozen with them.
    public var frozenBy: Set<String> { _read { yield fields.frozenBy } _modify { yield &fields.frozenBy } }
    /// AMMO-1: every firearm loaded from it since its first receipt.
    public var loadedInto: Set<String> { _read { yield fields.loadedInto } _modify { yield &fields.loadedInto } }
    /// AMMO-4: named by a recorded step since the last wrap.
    public var touchedSinceWrap: Bool { get { fields.touchedSinceWrap } set { fields.touchedSinceWrap = newValue } }
    /// AMMO-4: reconciled by the armorer since the last wrap and since rounds last moved in or out
    /// of the box (anyone else's count "never counts as the lot's reconcile at wrap").
    public var reconciledSinceMove: Bool { get { fields.reconciledSinceMove } set { fields.reconciledSinceMove = newValue } }
    /// AMMO-4: whether the armorer's latest reconcile matched the box.
    public var lastReconcileMatched: Bool? { get { fields.lastReconcileMatched } set { fields.lastReconcileMatched = newValue } }
    /// EVID-2: the case number under which the box went to investigators, if it did.
    public var withInvestigators: String? { get { fields.withInvestigators } set { fields.withInvestigators = newValue } }

    public init(id: String, kind: AmmoKind) {
        shared = SharedFields(Fields(id: id, kind: kind))
    }

    /// AMMO-1: nothing may be loaded from it.
    public var quarantined: Bool { kind == .live || foundLive }
    /// Its rounds make a firearm hold a blank or live round (FA-1, SCENE-3).
    public var isHot: Bool { kind != .dummy || foundLive }
    /// Whether it is frozen as evidence.
    public var frozen: Bool { !frozenBy.isEmpty }
}

/// An alarm as ALARM-1 follows it: open until a producer or safety answers it.
public struct AlarmStatus: Sendable, Hashable {
    /// When the step that raised it says it happened (its text written canonically: the
    /// text as written is in the alarm's entry).
    public let at: Timestamp
    /// The rules it cites.
    public let rules: [Rule]
    /// A CONCERN-1 alarm: only a producer or safety may acknowledge it.
    public var concern: Bool { rules.contains(.concern1) }
    /// Every accepted acknowledgement, in order.
    public internal(set) var acknowledgements: [Acknowledgement] = []
    /// A producer or safety acknowledged it.
    public var answered: Bool { Self.answered(by: acknowledgements) }
    /// Whether these acknowledgements of one alarm answer it: one is a producer's or safety's.
    static func answered(by acknowledgements: [Acknowledgement]) -> Bool { acknowledgements.contains(where: \.answers) }
    /// The acknowledgement that answered it, if one has.
    public var answer: Acknowledgement? { acknowledgements.first(where: \.answers) }
}

/// One accepted `acknowledge` of an alarm (ALARM-1).
public struct Acknowledgement: Sendable, Hashable {
    /// Its step number (a log's entry index).
    public let number: Int
    public let by: String
    public let at: Timestamp
    /// By a producer or safety: it answers the alarm.
    public let answers: Bool
    public let note: String?
}

/// A safety meeting held since the last wrap (SCENE-1): its scene, and whether it announced blanks.
struct Meeting: Sendable, Hashable {
    let scene: String
    let blanks: Bool
}

/// The state of one production: a fold of its steps. The engine's only input besides the step.
///
/// Firearms, lots and people are kept in `IDTable`s: each id is numbered once, in the order
/// first named, and a step's rules read them by number. Two equal states number their ids alike,
/// as the order each was first named in is part of the state.
public struct ProductionState: Sendable, Hashable {
    /// Everyone known to the production (the header, and anyone an earlier `join` named),
    /// on the crew or not, with their roles and credentials as of now (ROLE-3), in the order
    /// they became known.
    public private(set) var people: IDTable<Person>
    /// Person ids in the order they became known: the header's, then each `join`'s.
    public var personOrder: [String] { people.ids }
    public let policy: Policy
    /// ALARM-1: every alarm raised, by its step number (a log's entry index).
    public private(set) var alarms = AlarmBook()
    /// How many alarms are not yet answered (ALARM-1).
    public var openAlarmCount: Int { alarms.openCount }
    /// The alarms' step numbers in the order raised (ascending): what is new since a count
    /// of them is the suffix after it.
    public var alarmOrder: [Int] { alarms.keys }
    /// Every firearm accepted into the production (returned, missing and handed to
    /// investigators included); a firearm whose only receipt was refused is named but holds none.
    public private(set) var firearms = IDTable<FirearmState>()
    /// Firearm ids in the order they were first named, for stable listings.
    public var firearmOrder: [String] { firearms.ids }
    /// Ids of firearms whose only `receive_firearm` was refused (known, never accepted).
    public var unacceptedFirearms: Set<String> { Set(firearms.ids.filter { firearms[$0] == nil }) }
    public private(set) var lots = IDTable<LotState>()
    public var lotOrder: [String] { lots.ids }
    /// Lots named by a recorded step since the last wrap, by number, in the order first named (AMMO-4).
    private(set) var lotsTouched: [Int32] = []
    /// Lots named by a recorded step since the last wrap, in the order first named (AMMO-4).
    public var lotsTouchedSinceWrap: [String] { lotsTouched.map(lots.id) }
    /// The safety meetings held since the last wrap, in scene order: rarely more than a few,
    /// so a scene is found by comparing names rather than hashing one.
    private(set) var meetingList: [Meeting] = []
    /// Scenes whose safety meeting has been held since the last wrap, with whether it announced blanks.
    public var meetings: [String: Bool] {
        var out: [String: Bool] = [:]
        for m in meetingList { out[m.scene] = m.blanks }
        return out
    }
    /// How many steps have been decided (refused ones included).
    public private(set) var stepCount = 0
    /// The time of the latest step, for the time-order check.
    public private(set) var lastAt: Timestamp?
    /// Counts the recorded steps and transfers that changed anything; with the two maps
    /// below, it tells a store which firearms and lots to rewrite in its read models.
    public private(set) var revision = 0
    /// The revision at which each firearm last changed, by number (0: never, as for a
    /// firearm whose receipt was refused).
    private(set) var firearmRevisionList: [Int] = []
    /// The revision at which each lot last changed, by number.
    private(set) var lotRevisionList: [Int] = []
    /// The revision at which each firearm last changed.
    public var firearmRevisions: [String: Int] { Self.revisions(firearmRevisionList, firearms.ids) }
    /// The revision at which each lot last changed.
    public var lotRevisions: [String: Int] { Self.revisions(lotRevisionList, lots.ids) }

    static func revisions(_ list: [Int], _ ids: [String]) -> [String: Int] {
        var out: [String: Int] = [:]
        for k in list.indices where list[k] != 0 { out[ids[k]] = list[k] }
        return out
    }

    public init(people: [Person], policy: Policy = .protocolDefault) {
        var table = IDTable<Person>()
        // The first place an id is listed, with the last person listed under it.
        for p in people {
            if let n = table.number(of: p.id) { table[number: n] = p } else { table.append(p.id, p) }
        }
        self.people = table
        self.policy = policy
    }

    /// A state read back from its canonical encoding (`ProductionState(encoded:)`), every
    /// field as it was: what the engine decides the next step by, and what the read models
    /// are rewritten from.
    init(people: IDTable<Person>, policy: Policy, alarms: AlarmBook,
         firearms: IDTable<FirearmState>, lots: IDTable<LotState>, lotsTouched: [Int32], meetings: [Meeting],
         stepCount: Int, lastAt: Timestamp?, revision: Int, firearmRevisions: [Int], lotRevisions: [Int],
         recentChanges: [Change], journalTrimmedThrough: Int) {
        self.people = people
        self.policy = policy
        self.alarms = alarms
        self.firearms = firearms
        self.lots = lots
        self.lotsTouched = lotsTouched
        self.meetingList = meetings
        self.stepCount = stepCount
        self.lastAt = lastAt
        self.revision = revision
        self.firearmRevisionList = firearmRevisions
        self.lotRevisionList = lotRevisions
        self.recentChanges = recentChanges
        self.journalTrimmedThrough = journalTrimmedThrough
    }

    /// The people on the crew now, in the order they became known.
    public var crew: [Person] { people.values.filter(\.onCrew) }

    /// The alarms not yet answered (ALARM-1), oldest first.
    public var openAlarms: [Int] { alarms.unanswered }

    /// QUAL-1: under `require_credentials`, a person whose roles hold `armorer` but who lacks
    /// an unexpired permit or training on the date `at` is written on.
    public func isUnqualifiedArmorer(_ p: Person, at: Timestamp) -> Bool {
        guard policy.requireCredentials, p.onCrew, p.has(.armorer) else { return false }
        return isUnqualifiedArmorer(p, on: CalendarDate(at.localDate))
    }

    /// `isUnqualifiedArmorer` on the date a step is written on (worked out once per step).
    func isUnqualifiedArmorer(_ p: Person, on date: CalendarDate?) -> Bool {
        guard policy.requireCredentials, p.onCrew, p.has(.armorer) else { return false }
        guard let date else { return true }
        return !(p.holds(.permit, on: date) && p.holds(.training, on: date))
    }

    /// Whether `p` counts as the armorer at `at`: a dedicated armorer (ROLE-1), on the crew,
    /// qualified where the policy asks (QUAL-1).
    public func countsAsArmorer(_ p: Person, at: Timestamp) -> Bool {
        p.mayActAsArmorer && !isUnqualifiedArmorer(p, at: at)
    }

    /// QUAL-1: under `require_credentials`, whether talent `p` lacks unexpired training at `at`.
    public func lacksTraining(_ p: Person, at: Timestamp) -> Bool {
        guard policy.requireCredentials else { return false }
        return lacksTraining(p, on: CalendarDate(at.localDate))
    }

    func lacksTraining(_ p: Person, on date: CalendarDate?) -> Bool {
        guard policy.requireCredentials else { return false }
        guard let date else { return true }
        return !p.holds(.training, on: date)
    }

    /// The firearm by id, or nil when it was never named.
    public func firearm(_ id: String) -> FirearmState? { firearms[id] }
    /// The lot by id, or nil when it was never received.
    public func lot(_ id: String) -> LotState? { lots[id] }

    /// SCENE-1: whether the scene's safety meeting has been held since the last wrap, and if
    /// so whether it announced blanks (nil: not held).
    func meeting(_ scene: String) -> Bool? {
        for m in meetingList where m.scene == scene { return m.blanks }
        return nil
    }

    /// Whether two states agree on everything the protocol decides by, ignoring the step
    /// counter and clock (which every recorded step advances, refused or not).
    public func sameProtocolState(as other: ProductionState) -> Bool {
        firearms.sameEntries(as: other.firearms) && lots.sameEntries(as: other.lots) && meetingList == other.meetingList
            && lotsTouchedSinceWrap == other.lotsTouchedSinceWrap
            // The crew as it stands (a refused join only makes its person known, off the crew)
            // and the alarms answered (an alarm raised is a record, not a change of state).
            && crewByID == other.crewByID
            && alarms.filter(\.value.answered).map(\.key) == other.alarms.filter(\.value.answered).map(\.key)
    }

    private var crewByID: [String: Person] {
        var out: [String: Person] = [:]
        for (id, p) in people where p.onCrew { out[id] = p }
        return out
    }

    // Mutation is only for the engine, in this module.

    /// Applies a recorded step's changes in place.
    mutating func commit(_ changes: StateChanges) {
        revision += 1
        // In id order, as the lots are: the order firearms and people are first named in is
        // part of the state, so two steps' worth of new ids are numbered alike however found.
        changes.firearms.forEachInIDOrder { n, f in setFirearm(f, number: n) }
        changes.lots.forEachInIDOrder { n, l in
            if l.touchedSinceWrap && !(n < lots.nextNumber && lots[number: n]?.touchedSinceWrap == true) { lotsTouched.append(n) }
            setLot(l, number: n)
        }
        if let m = changes.meeting { noteMeeting(m) }
        if changes.people.count > 1 {
            for (_, p) in changes.people.sorted(by: { $0.key < $1.key }) { setPerson(p) }
        } else {
            for (_, p) in changes.people { setPerson(p) }
        }
        for (n, a) in changes.acknowledgements { alarms.acknowledge(n, a) }
        if changes.wrapped {
            meetingList.removeAll(keepingCapacity: true)
            for n in lotsTouched {
                lotRevisionList[Int(n)] = revision
                journal(n, isLot: true)
                lots.modify(n) { l in
                    l.touchedSinceWrap = false
                    l.reconciledSinceMove = false
                }
            }
            lotsTouched.removeAll(keepingCapacity: true)
        }
    }

    /// Keeps the scene's meeting, in scene order.
    mutating func noteMeeting(_ m: Meeting) {
        var k = 0
        while k < meetingList.count && meetingList[k].scene < m.scene { k += 1 }
        if k < meetingList.count && meetingList[k].scene == m.scene { meetingList[k] = m } else { meetingList.insert(m, at: k) }
    }

    /// Starts a change outside `commit` (an evidence transfer).
    mutating func beginChange() { revision += 1 }

    /// The firearms and lots changed after `revision`, in the order first named. Read off
    /// the recent-changes journal when it reaches back that far (an append's usual case),
    /// else off every firearm and lot.
    public func changed(since revision: Int) -> (firearms: [String], lots: [String]) {
        guard revision < self.revision else { return ([], []) }
        var firearmIDs: [String], lotIDs: [String]
        if revision >= journalTrimmedThrough {
            var f = Set<Int32>(), l = Set<Int32>()
            for c in recentChanges.reversed() {
                guard c.revision > revision else { break }
                if c.isLot { l.insert(c.number) } else { f.insert(c.number) }
            }
            firearmIDs = f.map(firearms.id)
            lotIDs = l.map(lots.id)
        } else {
            firearmIDs = firearms.ids.indices.filter { firearmRevisionList[$0] > revision }.map { firearms.ids[$0] }
            lotIDs = lots.ids.indices.filter { lotRevisionList[$0] > revision }.map { lots.ids[$0] }
        }
        return (firearmIDs.sorted(), lotIDs.sorted())
    }

    /// One change in the recent-changes journal: a firearm or lot by number.
    struct Change: Sendable, Hashable {
        let revision: Int
        let isLot: Bool
        let number: Int32
    }

    /// The latest changes, oldest first, trimmed to a few thousand.
    private(set) var recentChanges: [Change] = []
    /// The newest revision whose changes may have been trimmed from the journal.
    private(set) var journalTrimmedThrough = 0

    mutating func journal(_ number: Int32, isLot: Bool) {
        if recentChanges.count >= 8192 {
            journalTrimmedThrough = recentChanges[4095].revision
            recentChanges.removeFirst(4096)
        }
        recentChanges.append(Change(revision: revision, isLot: isLot, number: number))
    }

    /// Keeps `value` under `id` as number `n` of `table` (an id already named, or the next
    /// number for a new one), with the revision it changed at.
    static func keep<Value>(_ value: Value, id: String, number n: Int32, in table: inout IDTable<Value>, revisions: inout [Int], at revision: Int) {
        if n == table.nextNumber {
            table.append(id, value)
            revisions.append(revision)
        } else {
            table[number: n] = value
            revisions[Int(n)] = revision
        }
    }
    /// Keeps `f` as firearm number `n`: an id already named, or the next number for a new one.
    mutating func setFirearm(_ f: FirearmState, number n: Int32) {
        Self.keep(f, id: f.id, number: n, in: &firearms, revisions: &firearmRevisionList, at: revision)
        journal(n, isLot: false)
    }
    /// Keeps `f` under its id.
    mutating func setFirearm(_ f: FirearmState) { setFirearm(f, number: firearms.number(of: f.id) ?? firearms.nextNumber) }
    /// A firearm named by a refused receipt: known from now on, never accepted.
    mutating func noteUnaccepted(_ id: String) {
        guard firearms.number(of: id) == nil else { return }
        firearms.append(id, nil)
        firearmRevisionList.append(0)
    }
    /// Keeps `l` as lot number `n`: an id already named, or the next number for a new one.
    mutating func setLot(_ l: LotState, number n: Int32) {
        Self.keep(l, id: l.id, number: n, in: &lots, revisions: &lotRevisionList, at: revision)
        journal(n, isLot: true)
    }
    /// Keeps `l` under its id.
    mutating func setLot(_ l: LotState) { setLot(l, number: lots.number(of: l.id) ?? lots.nextNumber) }
    /// Keeps `p` as now known; a new id goes to the end of the listing order.
    mutating func setPerson(_ p: Person) {
        if let n = people.number(of: p.id) { people[number: n] = p } else { people.append(p.id, p) }
    }
    /// ALARM-1: records the alarm raised by step `number`.
    mutating func noteAlarm(_ number: Int, at: Timestamp, rules: [Rule]) {
        alarms.raise(number, at: at, rules: rules)
    }
    mutating func advance(to at: Timestamp) {
        stepCount += 1
        lastAt = at
    }
}
