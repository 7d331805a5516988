import ArmoryCore
import Testing

/// A shooting day under test: a standard crew, steps a minute apart, each decided at
/// once against the state the earlier steps built. Tests read as the day reads on set.
struct Day {
    var state: ProductionState
    /// Seconds since the epoch of the next step (2026-03-02T07:00:00-07:00 to start).
    var clock: Int64 = 1_772_460_000
    /// The reading of PROTOCOL.md the day's steps are decided by (`ProtocolRevision`).
    var revision = ProtocolRevision.current
    private(set) var decisions: [Decision] = []

    /// ana and sam are armorers, ben and kim talent, dee the first AD, pat a producer,
    /// sol safety, cy crew, pm the prop master; duo is an armorer who is also first AD
    /// and ace an armorer who is also talent (both broken by ROLE-1); fay is first AD and crew.
    static let crew: [Person] = [
        Person(id: "ana", name: "Ana Ortiz", roles: [.armorer]),
        Person(id: "sam", name: "Sam Reyes", roles: [.armorer]),
        Person(id: "ben", name: "Ben Cole", roles: [.talent]),
        Person(id: "kim", name: "Kim Vale", roles: [.talent]),
        Person(id: "dee", name: "Dee Park", roles: [.firstAD]),
        Person(id: "pat", name: "Pat Lee", roles: [.producer]),
        Person(id: "sol", name: "Sol Grant", roles: [.safety]),
        Person(id: "cy", name: "Cy Moss", roles: [.crew]),
        Person(id: "pm", name: "Pim Lund", roles: [.propMaster]),
        Person(id: "duo", name: "Duo Hart", roles: [.armorer, .firstAD]),
        Person(id: "ace", name: "Ace Bell", roles: [.armorer, .talent]),
        Person(id: "fay", name: "Fay Dunn", roles: [.firstAD, .crew]),
    ]

    init(people: [Person] = Day.crew, policy: Policy = .protocolDefault) {
        state = ProductionState(people: people, policy: policy)
    }

    /// Decides one step `minutes` after the previous one.
    @discardableResult
    mutating func step(_ by: String?, _ action: Action, after minutes: Double = 1) -> Decision {
        clock += Int64(minutes * 60)
        let step = Step(at: Timestamp(seconds: clock, offsetMinutes: -420), by: by, action: action)
        do {
            let d = try state.apply(step, revision: revision)
            decisions.append(d)
            return d
        } catch {
            Issue.record("step \(action.name) by \(by ?? "-") is invalid input: \(error.message)")
            return Decision(outcome: .ok, rules: [], message: "invalid")
        }
    }

    /// Decides one step and expects `outcome` citing exactly `rules`.
    mutating func expect(_ by: String?, _ action: Action, _ outcome: Outcome, _ rules: [Rule] = [],
                         after minutes: Double = 1, sourceLocation: SourceLocation = #_sourceLocation) {
        let d = step(by, action, after: minutes)
        #expect(d.outcome == outcome && d.rules == rules,
                "\(action.name) by \(by ?? "-"): expected \(outcome.rawValue) \(rules.map(\.rawValue)), got \(d.outcome.rawValue) \(d.rules.map(\.rawValue)): \(d.message)",
                sourceLocation: sourceLocation)
    }

    /// Expects the step to be accepted with no rule broken.
    mutating func ok(_ by: String?, _ action: Action, after minutes: Double = 1, sourceLocation: SourceLocation = #_sourceLocation) {
        expect(by, action, .ok, [], after: minutes, sourceLocation: sourceLocation)
    }

    // MARK: - Situations a test starts from

    /// `firearm` received by ana and inspected clear: in ana's custody, ready to load.
    mutating func firearm(_ id: String = "colt-1", sourceLocation: SourceLocation = #_sourceLocation) {
        ok("ana", A.receiveFirearm(id), sourceLocation: sourceLocation)
        ok("ana", A.inspect(id), sourceLocation: sourceLocation)
    }

    /// A lot received by ana; a dummy lot is also verified round by round unless `verify` is false.
    mutating func lot(_ id: String = "D1", _ kind: AmmoKind = .dummy, count: Int = 12, verify: Bool = true,
                      sourceLocation: SourceLocation = #_sourceLocation) {
        ok("ana", A.receiveAmmo(id, kind, count: count), sourceLocation: sourceLocation)
        if kind == .dummy && verify { ok("ana", A.inspectLot(id, inspected: count), sourceLocation: sourceLocation) }
    }

    /// The safety meeting for `scene`, held by dee with ana, ben and kim.
    mutating func meeting(_ scene: String = "1", blanks: Bool = false, sourceLocation: SourceLocation = #_sourceLocation) {
        ok("dee", A.meeting(scene, blanks: blanks), sourceLocation: sourceLocation)
    }

    /// colt-1 received and inspected, lot D1 (dummies, verified) and B1 (blanks), scene 1
    /// (dummies) and scene 2 (blanks) with their meetings held.
    mutating func ready(sourceLocation: SourceLocation = #_sourceLocation) {
        firearm(sourceLocation: sourceLocation)
        lot("D1", .dummy, sourceLocation: sourceLocation)
        lot("B1", .blank, sourceLocation: sourceLocation)
        meeting("1", blanks: false, sourceLocation: sourceLocation)
        meeting("2", blanks: true, sourceLocation: sourceLocation)
    }

    /// `ready()`, then colt-1 loaded from `lot` for `scene`, shown clear to ben and dee, and
    /// handed to ben: ben holds it for a take.
    mutating func withTalent(lot: String = "D1", rounds: Int = 6, scene: String = "1",
                             sourceLocation: SourceLocation = #_sourceLocation) {
        ready(sourceLocation: sourceLocation)
        ok("ana", A.load(lot: lot, rounds: rounds, scene: scene), sourceLocation: sourceLocation)
        ok("ana", A.showClear(), sourceLocation: sourceLocation)
        ok("ana", A.handOver(to: "ben", scene: scene), sourceLocation: sourceLocation)
    }

    /// The firearm as the engine sees it now.
    func gun(_ id: String = "colt-1") -> FirearmState { state.firearm(id)! }
    /// The lot as the engine sees it now.
    func box(_ id: String) -> LotState { state.lot(id)! }
}

/// Actions with the defaults a test usually wants, so each test spells out only what matters.
enum A {
    static func receiveFirearm(_ f: String = "colt-1") -> Action {
        .receiveFirearm(firearm: f, serial: "SN-\(f)", make: "Colt", model: "Single Action Army", from: "Western Prop Rentals")
    }
    static func returnFirearm(_ f: String = "colt-1") -> Action { .returnFirearm(firearm: f, to: "Western Prop Rentals") }
    static func receiveAmmo(_ lot: String = "D1", _ kind: AmmoKind = .dummy, count: Int = 12) -> Action {
        .receiveAmmo(lot: lot, kind: kind, count: count, source: "Western Prop Rentals", caliber: ".45 Colt")
    }
    static func inspectLot(_ lot: String = "D1", inspected: Int = 12, live: Int = 0) -> Action {
        .inspectLot(lot: lot, inspected: inspected, liveFound: live)
    }
    static func meeting(_ scene: String = "1", attendees: [String] = ["ana", "ben", "kim", "dee"], blanks: Bool = false) -> Action {
        .safetyMeeting(scene: scene, attendees: attendees, blanks: blanks)
    }
    static func inspect(_ f: String = "colt-1", _ result: InspectionResult = .clear) -> Action {
        .inspectFirearm(firearm: f, result: result)
    }
    static func load(_ f: String = "colt-1", lot: String = "D1", rounds: Int = 6, scene: String = "1", rehearsal: Bool = false) -> Action {
        .load(firearm: f, lot: lot, rounds: rounds, scene: scene, rehearsal: rehearsal)
    }
    static func unload(_ f: String = "colt-1", lot: String = "D1", rounds: Int = 6) -> Action {
        .unload(firearm: f, lot: lot, rounds: rounds)
    }
    static func showClear(_ f: String = "colt-1", to: [String] = ["ben", "dee"]) -> Action { .showClear(firearm: f, to: to) }
    static func handOver(_ f: String = "colt-1", to: String, scene: String? = nil) -> Action {
        .handOver(firearm: f, to: to, scene: scene)
    }
    static func declare(_ f: String = "colt-1", _ s: DeclaredState) -> Action { .declare(firearm: f, state: s) }
    static func fire(_ f: String = "colt-1", scene: String = "1", rounds: Int = 1, _ result: FireResult,
                     shooter: String? = nil, rehearsal: Bool = false, nearest: Double? = nil) -> Action {
        .fire(firearm: f, scene: scene, rounds: rounds, result: result, shooter: shooter, rehearsal: rehearsal, nearestPersonFeet: nearest)
    }
    static func discharge(_ f: String = "colt-1", injuries: Bool = false) -> Action { .reportDischarge(firearm: f, injuries: injuries, note: nil) }
    static func missing(_ f: String = "colt-1") -> Action { .reportMissing(firearm: f) }
    static func concern(_ text: String = "the blanks box was left open", scene: String? = nil) -> Action { .reportConcern(text: text, scene: scene) }
    static func reconcile(_ lot: String = "D1", counted: Int) -> Action { .reconcile(lot: lot, counted: counted) }
    static func store(_ f: String = "colt-1", locked: Bool = true) -> Action { .store(firearm: f, locked: locked) }
    static func unfreeze(_ f: String = "colt-1", reason: String = "cleared by investigators") -> Action { .unfreeze(firearm: f, reason: reason) }
    static let wrap = Action.wrap
}
