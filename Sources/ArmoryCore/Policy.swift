/// A production's own limits. Policy only ever tightens the protocol's defaults.
public struct Policy: Sendable, Hashable {
    /// FA-2: how long before a handover a show-clear still counts, in minutes (at most 10).
    public var showClearWindowMinutes: Double
    /// SCENE-2: how near the muzzle line anyone may stand when a blank is fired, in feet (at least 20).
    public var blankSafeDistanceFeet: Double
    /// QUAL-1: the armorer needs an unexpired permit and training, talent unexpired training.
    public var requireCredentials: Bool
    /// ALARM-1: a wrap while an earlier alarm is unanswered raises an alarm.
    public var alarmsAnsweredByWrap: Bool
    /// The named pack this policy starts from (`policies/NAME.json`), if any.
    public var pack: String?
    /// ALARM-1's delivery: an alarm not answered this many minutes after it was raised is
    /// sent again to every producer and safety, and again each period until it is answered
    /// (at most 5; at least `minimumEscalationMinutes`).
    public var alarmEscalationMinutes: Double = Policy.defaultEscalationMinutes
    public static let defaultEscalationMinutes: Double = 5
    /// The shortest escalation period a policy may set: 3 seconds (a drill).
    public static let minimumEscalationMinutes: Double = 0.05

    public static let protocolDefault = Policy(showClearWindowMinutes: 10, blankSafeDistanceFeet: 20)

    public init(showClearWindowMinutes: Double, blankSafeDistanceFeet: Double,
                requireCredentials: Bool = false, alarmsAnsweredByWrap: Bool = false) {
        self.showClearWindowMinutes = showClearWindowMinutes
        self.blankSafeDistanceFeet = blankSafeDistanceFeet
        self.requireCredentials = requireCredentials
        self.alarmsAnsweredByWrap = alarmsAnsweredByWrap
    }

    /// Why this policy would loosen `base` (a pack it starts from), or nil when it does not.
    public func loosening(from base: Policy) -> String? {
        if showClearWindowMinutes > base.showClearWindowMinutes {
            return "policy show_clear_window_min \(Policy.format(showClearWindowMinutes)) is looser than the pack's \(Policy.format(base.showClearWindowMinutes))"
        }
        if blankSafeDistanceFeet < base.blankSafeDistanceFeet {
            return "policy blank_safe_distance_ft \(Policy.format(blankSafeDistanceFeet)) is looser than the pack's \(Policy.format(base.blankSafeDistanceFeet))"
        }
        if base.requireCredentials && !requireCredentials { return "policy require_credentials false is looser than the pack's true" }
        if base.alarmsAnsweredByWrap && !alarmsAnsweredByWrap { return "policy alarms_answered_by_wrap false is looser than the pack's true" }
        if alarmEscalationMinutes > base.alarmEscalationMinutes {
            return "policy alarm_escalation_min \(Policy.format(alarmEscalationMinutes)) is looser than the pack's \(Policy.format(base.alarmEscalationMinutes))"
        }
        return nil
    }

    /// The rules this policy turns on beyond the protocol's defaults (QUAL-1, ALARM-1).
    public var rulesTurnedOn: [Rule] {
        (requireCredentials ? [.qual1] : []) + (alarmsAnsweredByWrap ? [.alarm1] : [])
    }

    /// Why this policy would loosen the protocol, or nil when it does not.
    public var loosening: String? {
        if showClearWindowMinutes > Policy.protocolDefault.showClearWindowMinutes {
            return "policy show_clear_window_min \(Policy.format(showClearWindowMinutes)) is looser than the protocol's \(Policy.format(Policy.protocolDefault.showClearWindowMinutes))"
        }
        if blankSafeDistanceFeet < Policy.protocolDefault.blankSafeDistanceFeet {
            return "policy blank_safe_distance_ft \(Policy.format(blankSafeDistanceFeet)) is looser than the protocol's \(Policy.format(Policy.protocolDefault.blankSafeDistanceFeet))"
        }
        if alarmEscalationMinutes > Policy.defaultEscalationMinutes {
            return "policy alarm_escalation_min \(Policy.format(alarmEscalationMinutes)) is looser than the protocol's \(Policy.format(Policy.defaultEscalationMinutes))"
        }
        if alarmEscalationMinutes < Policy.minimumEscalationMinutes {
            return "policy alarm_escalation_min \(Policy.format(alarmEscalationMinutes)) is below the shortest period, \(Policy.format(Policy.minimumEscalationMinutes)) (3 seconds)"
        }
        return nil
    }

    static func format(_ v: Double) -> String {
        if let n = Int64(exactly: v) { return String(n) }
        return String(v)
    }
}

/// A named policy that ships with Armory (`policies/NAME.json`): a production picks it by
/// name, and keys written beside it may tighten it, never loosen it.
public struct PolicyPack: Sendable, Hashable {
    public let name: String
    /// What the pack is, for the production page and the daily report.
    public let title: String
    public let policy: Policy

    /// Reads a pack file: `{"title": "...", "policy": {...}}`, nothing else.
    public init(name: String, json: JSON) throws(StepFormatError) {
        var o = try StrictObject(json, what: "a policy pack")
        if let first = o.unknownKeys(allowed: ["title", "policy"]).first {
            throw StepFormatError("unknown field '\(first)' in policy pack '\(name)' (allowed: title, policy)", field: first)
        }
        self.name = name
        title = try o.string("title")
        guard let p = o.value("policy") else { throw StepFormatError("policy pack '\(name)' has no 'policy'", field: "policy") }
        var policy = try Policy(json: p)
        policy.pack = name
        self.policy = policy
    }
}
