/// The kind of rounds in a lot.
public enum AmmoKind: String, CaseIterable, Sendable, Hashable {
    case dummy, blank, live
}

/// What an `inspect_firearm` found.
public enum InspectionResult: String, CaseIterable, Sendable, Hashable {
    case clear, obstructed, faulty
}

/// What happened when a trigger was pulled.
public enum FireResult: String, CaseIterable, Sendable, Hashable {
    case blank, click, misfire, projectile

    /// Whether rounds left the firearm (everything but a click).
    public var usesRounds: Bool { self != .click }
}

/// What the armorer declares a firearm to be.
public enum DeclaredState: String, CaseIterable, Sendable, Hashable {
    case cold, hot
}

/// Whether a step asks for something (a command, which may be refused) or reports what
/// already happened (an observation, which is always recorded and may raise an alarm).
public enum StepKind: String, Sendable {
    case command, observation
}

/// One action of SCENARIOS.md with its fields. The names are the scenario file's names.
public enum Action: Sendable, Hashable {
    case receiveFirearm(firearm: String, serial: String, make: String, model: String, from: String?)
    case returnFirearm(firearm: String, to: String?)
    case receiveAmmo(lot: String, kind: AmmoKind, count: Int, source: String?, caliber: String?)
    case inspectLot(lot: String, inspected: Int, liveFound: Int)
    case safetyMeeting(scene: String, attendees: [String], blanks: Bool)
    case inspectFirearm(firearm: String, result: InspectionResult)
    case load(firearm: String, lot: String, rounds: Int, scene: String, rehearsal: Bool)
    case unload(firearm: String, lot: String, rounds: Int)
    case showClear(firearm: String, to: [String])
    case handOver(firearm: String, to: String, scene: String?)
    case declare(firearm: String, state: DeclaredState)
    case fire(firearm: String, scene: String, rounds: Int, result: FireResult, shooter: String?,
              rehearsal: Bool, nearestPersonFeet: Double?)
    case reportDischarge(firearm: String, injuries: Bool, note: String?)
    case reportMissing(firearm: String)
    case reportConcern(text: String, scene: String?)
    case reconcile(lot: String, counted: Int)
    case store(firearm: String, locked: Bool)
    case unfreeze(firearm: String, reason: String)
    case wrap
    /// ROLE-3: a person put on the crew (new, or known and off it), roles as written.
    case join(person: String, name: String, roles: [Role], credentials: [Credential])
    /// ROLE-3: a person's roles replaced whole.
    case setRoles(person: String, roles: [Role])
    /// ROLE-3: a person taken off the crew.
    case leave(person: String)
    /// ROLE-3, QUAL-1: a permit or training recorded for a person.
    case credential(person: String, credential: Credential)
    /// ALARM-1: an earlier alarm seen and answered, by its step number (a log's entry index).
    case acknowledge(alarm: Int, note: String?)

    /// The action's name as written in `do`.
    public var name: String {
        switch self {
        case .receiveFirearm: return "receive_firearm"
        case .returnFirearm: return "return_firearm"
        case .receiveAmmo: return "receive_ammo"
        case .inspectLot: return "inspect_lot"
        case .safetyMeeting: return "safety_meeting"
        case .inspectFirearm: return "inspect_firearm"
        case .load: return "load"
        case .unload: return "unload"
        case .showClear: return "show_clear"
        case .handOver: return "hand_over"
        case .declare: return "declare"
        case .fire: return "fire"
        case .reportDischarge: return "report_discharge"
        case .reportMissing: return "report_missing"
        case .reportConcern: return "report_concern"
        case .reconcile: return "reconcile"
        case .store: return "store"
        case .unfreeze: return "unfreeze"
        case .wrap: return "wrap"
        case .join: return "join"
        case .setRoles: return "set_roles"
        case .leave: return "leave"
        case .credential: return "credential"
        case .acknowledge: return "acknowledge"
        }
    }

    /// Every action name, in the order of SCENARIOS.md's table.
    public static let names: [String] = [
        "receive_firearm", "return_firearm", "receive_ammo", "inspect_lot", "safety_meeting",
        "inspect_firearm", "load", "unload", "show_clear", "hand_over", "declare", "fire",
        "report_discharge", "report_missing", "report_concern", "reconcile", "store", "unfreeze", "wrap",
        "join", "set_roles", "leave", "credential", "acknowledge",
    ]

    /// Commands may be refused; observations never are.
    public var kind: StepKind {
        switch self {
        case .receiveFirearm, .returnFirearm, .safetyMeeting, .load, .unload, .showClear,
             .handOver, .declare, .store, .unfreeze, .join, .setRoles, .leave, .credential, .acknowledge:
            return .command
        case .receiveAmmo, .inspectLot, .inspectFirearm, .fire, .reportDischarge, .reportMissing,
             .reportConcern, .reconcile, .wrap:
            return .observation
        }
    }

    /// The firearm the step is about, if any.
    public var firearm: String? {
        switch self {
        case .receiveFirearm(let f, _, _, _, _), .returnFirearm(let f, _), .inspectFirearm(let f, _),
             .load(let f, _, _, _, _), .unload(let f, _, _), .showClear(let f, _), .handOver(let f, _, _),
             .declare(let f, _), .fire(let f, _, _, _, _, _, _), .reportDischarge(let f, _, _),
             .reportMissing(let f), .store(let f, _), .unfreeze(let f, _):
            return f
        case .receiveAmmo, .inspectLot, .safetyMeeting, .reportConcern, .reconcile, .wrap,
             .join, .setRoles, .leave, .credential, .acknowledge:
            return nil
        }
    }

    /// The person a crew step is about (ROLE-3), if any.
    public var person: String? {
        switch self {
        case .join(let p, _, _, _), .setRoles(let p, _), .leave(let p), .credential(let p, _):
            return p
        default:
            return nil
        }
    }

    /// The lot the step names, if any.
    public var lot: String? {
        switch self {
        case .receiveAmmo(let l, _, _, _, _), .inspectLot(let l, _, _), .load(_, let l, _, _, _),
             .unload(_, let l, _), .reconcile(let l, _):
            return l
        default:
            return nil
        }
    }

    /// The scene the step names, if any.
    public var scene: String? {
        switch self {
        case .safetyMeeting(let s, _, _), .load(_, _, _, let s, _), .fire(_, let s, _, _, _, _, _):
            return s
        case .handOver(_, _, let s), .reportConcern(_, let s):
            return s
        default:
            return nil
        }
    }
}

/// One thing a person did or saw on set, at a time they give. The unit of everything:
/// the engine decides steps, the log records them, scenarios list them.
public struct Step: Sendable, Hashable {
    public let at: Timestamp
    /// Who gave the command or made the report; nil only for an anonymous `report_concern`.
    public let by: String?
    public let action: Action

    public init(at: Timestamp, by: String?, action: Action) {
        self.at = at
        self.by = by
        self.action = action
    }
}
