/// Why a step (or a person, or a policy) as written cannot be understood. The message
/// names the field and what was wrong, so a person can fix the file or the request.
public struct StepFormatError: Error, Equatable, Sendable, CustomStringConvertible {
    public let message: String
    /// The field at fault, when one is (for API errors that point at a field).
    public let field: String?
    public init(_ message: String, field: String? = nil) {
        self.message = message
        self.field = field
    }
    public var description: String { message }
}

/// Reads the members of one JSON object, remembering which keys were used so that an
/// unknown key can be reported: a typo must never silently change meaning.
struct StrictObject {
    let members: [(key: String, value: JSON)]

    init(_ json: JSON, what: String) throws(StepFormatError) {
        guard case let .object(members) = json else {
            throw StepFormatError("\(what) must be an object, not \(json.kindName)")
        }
        self.members = members
    }

    mutating func value(_ key: String) -> JSON? {
        for m in members where m.key == key { return m.value }
        return nil
    }

    func unknownKeys(allowed: Set<String>) -> [String] {
        members.map(\.key).filter { !allowed.contains($0) }
    }

    mutating func string(_ key: String) throws(StepFormatError) -> String {
        guard let v = value(key) else { throw StepFormatError("missing field '\(key)'", field: key) }
        guard case let .string(s) = v else { throw StepFormatError("field '\(key)' must be a string, not \(v.kindName)", field: key) }
        guard !s.isEmpty else { throw StepFormatError("field '\(key)' must not be empty", field: key) }
        return s
    }

    mutating func optionalString(_ key: String) throws(StepFormatError) -> String? {
        guard value(key) != nil else { return nil }
        return try string(key)
    }

    mutating func bool(_ key: String) throws(StepFormatError) -> Bool {
        guard let v = value(key) else { throw StepFormatError("missing field '\(key)'", field: key) }
        guard case let .bool(b) = v else { throw StepFormatError("field '\(key)' must be true or false, not \(v.kindName)", field: key) }
        return b
    }

    mutating func optionalBool(_ key: String) throws(StepFormatError) -> Bool? {
        guard value(key) != nil else { return nil }
        return try bool(key)
    }

    /// A count of rounds or people: a whole number, zero or more.
    mutating func count(_ key: String) throws(StepFormatError) -> Int {
        guard let v = value(key) else { throw StepFormatError("missing field '\(key)'", field: key) }
        guard case let .number(n, isInteger) = v, isInteger || n == n.rounded(.towardZero) else {
            throw StepFormatError("field '\(key)' must be a whole number, not \(v.kindName)", field: key)
        }
        guard n >= 0 else { throw StepFormatError("field '\(key)' must not be negative (got \(Policy.format(n)))", field: key) }
        guard n <= 1_000_000_000 else { throw StepFormatError("field '\(key)' is out of range (got \(Policy.format(n)))", field: key) }
        return Int(n)
    }

    /// A distance or duration: a number, zero or more.
    mutating func measure(_ key: String) throws(StepFormatError) -> Double {
        guard let v = value(key) else { throw StepFormatError("missing field '\(key)'", field: key) }
        guard case let .number(n, _) = v, n.isFinite else { throw StepFormatError("field '\(key)' must be a number, not \(v.kindName)", field: key) }
        guard n >= 0 else { throw StepFormatError("field '\(key)' must not be negative (got \(Policy.format(n)))", field: key) }
        return n
    }

    mutating func optionalMeasure(_ key: String) throws(StepFormatError) -> Double? {
        guard value(key) != nil else { return nil }
        return try measure(key)
    }

    mutating func stringList(_ key: String) throws(StepFormatError) -> [String] {
        guard let v = value(key) else { throw StepFormatError("missing field '\(key)'", field: key) }
        guard case let .array(items) = v else { throw StepFormatError("field '\(key)' must be an array of person ids, not \(v.kindName)", field: key) }
        var out: [String] = []
        for item in items {
            guard case let .string(s) = item, !s.isEmpty else {
                throw StepFormatError("field '\(key)' must hold only person ids (strings), found \(item.kindName)", field: key)
            }
            out.append(s)
        }
        return out
    }

    mutating func choice<E: RawRepresentable & CaseIterable>(_ key: String, _ type: E.Type) throws(StepFormatError) -> E where E.RawValue == String {
        let s = try string(key)
        guard let e = E(rawValue: s) else {
            let allowed = E.allCases.map { "'\($0.rawValue)'" }.joined(separator: ", ")
            throw StepFormatError("field '\(key)' must be one of \(allowed), not '\(s)'", field: key)
        }
        return e
    }
}

extension Step {
    /// The fields each action takes besides `at`, `by` and `do`, in SCENARIOS.md's order.
    /// Every key a step of each action may carry: its fields, `at`, `by` and `do`.
    static let allowedKeys: [String: Set<String>] = fields.mapValues { Set($0 + ["at", "by", "do"]) }

    public static let fields: [String: [String]] = [
        "receive_firearm": ["firearm", "serial", "make", "model", "from"],
        "return_firearm": ["firearm", "to"],
        "receive_ammo": ["lot", "kind", "count", "source", "caliber"],
        "inspect_lot": ["lot", "inspected", "live_found"],
        "safety_meeting": ["scene", "attendees", "blanks"],
        "inspect_firearm": ["firearm", "result"],
        "load": ["firearm", "lot", "rounds", "scene", "rehearsal"],
        "unload": ["firearm", "lot", "rounds"],
        "show_clear": ["firearm", "to"],
        "hand_over": ["firearm", "to", "scene"],
        "declare": ["firearm", "state"],
        "fire": ["firearm", "scene", "rounds", "result", "shooter", "rehearsal", "nearest_person_ft"],
        "report_discharge": ["firearm", "injuries", "note"],
        "report_missing": ["firearm"],
        "report_concern": ["text", "scene"],
        "reconcile": ["lot", "counted"],
        "store": ["firearm", "locked"],
        "unfreeze": ["firearm", "reason"],
        "wrap": [],
        "join": ["person", "name", "roles", "credentials"],
        "set_roles": ["person", "roles"],
        "leave": ["person"],
        "credential": ["person", "kind", "number", "expires"],
        "acknowledge": ["alarm", "note"],
    ]

    /// Reads a step as SCENARIOS.md writes it. Checks the form only (fields, types,
    /// ranges); whether ids exist and times are in order is the production's business
    /// (`ProductionState.validate`).
    public init(json: JSON) throws(StepFormatError) {
        var o = try StrictObject(json, what: "a step")
        guard let doValue = o.value("do") else { throw StepFormatError("missing field 'do'", field: "do") }
        guard case let .string(name) = doValue else { throw StepFormatError("field 'do' must be a string, not \(doValue.kindName)", field: "do") }
        guard let allowed = Step.fields[name] else {
            throw StepFormatError("unknown action '\(name)' (one of: \(Action.names.joined(separator: ", ")))", field: "do")
        }
        let unknown = o.unknownKeys(allowed: Step.allowedKeys[name] ?? [])
        if let first = unknown.first {
            throw StepFormatError("unknown field '\(first)' for '\(name)' (allowed: \(allowed.isEmpty ? "none" : allowed.joined(separator: ", ")))", field: first)
        }
        let atText = try o.string("at")
        guard let at = Timestamp(rfc3339: atText) else {
            throw StepFormatError("field 'at' must be an RFC 3339 time with offset, like 2026-03-02T07:00:00-07:00, not '\(atText)'", field: "at")
        }
        let by: String?
        if name == "report_concern" { by = try o.optionalString("by") } else { by = try o.string("by") }

        let action: Action
        switch name {
        case "receive_firearm":
            action = .receiveFirearm(firearm: try o.string("firearm"), serial: try o.string("serial"),
                                     make: try o.string("make"), model: try o.string("model"),
                                     from: try o.optionalString("from"))
        case "return_firearm":
            action = .returnFirearm(firearm: try o.string("firearm"), to: try o.optionalString("to"))
        case "receive_ammo":
            action = .receiveAmmo(lot: try o.string("lot"), kind: try o.choice("kind", AmmoKind.self),
                                  count: try o.count("count"), source: try o.optionalString("source"),
                                  caliber: try o.optionalString("caliber"))
        case "inspect_lot":
            action = .inspectLot(lot: try o.string("lot"), inspected: try o.count("inspected"),
                                 liveFound: try o.count("live_found"))
        case "safety_meeting":
            action = .safetyMeeting(scene: try o.string("scene"), attendees: try o.stringList("attendees"),
                                    blanks: try o.bool("blanks"))
        case "inspect_firearm":
            action = .inspectFirearm(firearm: try o.string("firearm"), result: try o.choice("result", InspectionResult.self))
        case "load":
            action = .load(firearm: try o.string("firearm"), lot: try o.string("lot"), rounds: try o.count("rounds"),
                           scene: try o.string("scene"), rehearsal: try o.optionalBool("rehearsal") ?? false)
        case "unload":
            action = .unload(firearm: try o.string("firearm"), lot: try o.string("lot"), rounds: try o.count("rounds"))
        case "show_clear":
            action = .showClear(firearm: try o.string("firearm"), to: try o.stringList("to"))
        case "hand_over":
            action = .handOver(firearm: try o.string("firearm"), to: try o.string("to"), scene: try o.optionalString("scene"))
        case "declare":
            action = .declare(firearm: try o.string("firearm"), state: try o.choice("state", DeclaredState.self))
        case "fire":
            action = .fire(firearm: try o.string("firearm"), scene: try o.string("scene"), rounds: try o.count("rounds"),
                           result: try o.choice("result", FireResult.self), shooter: try o.optionalString("shooter"),
                           rehearsal: try o.optionalBool("rehearsal") ?? false,
                           nearestPersonFeet: try o.optionalMeasure("nearest_person_ft"))
        case "report_discharge":
            action = .reportDischarge(firearm: try o.string("firearm"), injuries: try o.bool("injuries"),
                                      note: try o.optionalString("note"))
        case "report_missing":
            action = .reportMissing(firearm: try o.string("firearm"))
        case "report_concern":
            action = .reportConcern(text: try o.string("text"), scene: try o.optionalString("scene"))
        case "reconcile":
            action = .reconcile(lot: try o.string("lot"), counted: try o.count("counted"))
        case "store":
            action = .store(firearm: try o.string("firearm"), locked: try o.bool("locked"))
        case "unfreeze":
            action = .unfreeze(firearm: try o.string("firearm"), reason: try o.string("reason"))
        case "join":
            action = .join(person: try o.string("person"), name: try o.string("name"), roles: try o.roles("roles"),
                           credentials: try o.credentials("credentials"))
        case "set_roles":
            action = .setRoles(person: try o.string("person"), roles: try o.roles("roles"))
        case "leave":
            action = .leave(person: try o.string("person"))
        case "credential":
            action = .credential(person: try o.string("person"), credential: try Credential(fields: &o))
        case "acknowledge":
            action = .acknowledge(alarm: try o.count("alarm"), note: try o.optionalString("note"))
        default:
            action = .wrap
        }
        self.init(at: at, by: by, action: action)
    }

    /// The step as SCENARIOS.md writes it: `at`, `by`, `do`, then the action's fields in
    /// the table's order, optional fields only when given. Decoding this gives the same step.
    public var json: JSON {
        var m: [(key: String, value: JSON)] = [("at", .string(at.text))]
        if let by { m.append(("by", .string(by))) }
        m.append(("do", .string(action.name)))
        func s(_ k: String, _ v: String?) { if let v { m.append((k, .string(v))) } }
        func n(_ k: String, _ v: Int) { m.append((k, .number(Double(v), isInteger: true))) }
        func b(_ k: String, _ v: Bool) { m.append((k, .bool(v))) }
        func list(_ k: String, _ v: [String]) { m.append((k, .array(v.map { .string($0) }))) }
        switch action {
        case let .receiveFirearm(firearm, serial, make, model, from):
            s("firearm", firearm); s("serial", serial); s("make", make); s("model", model); s("from", from)
        case let .returnFirearm(firearm, to):
            s("firearm", firearm); s("to", to)
        case let .receiveAmmo(lot, kind, count, source, caliber):
            s("lot", lot); s("kind", kind.rawValue); n("count", count); s("source", source); s("caliber", caliber)
        case let .inspectLot(lot, inspected, liveFound):
            s("lot", lot); n("inspected", inspected); n("live_found", liveFound)
        case let .safetyMeeting(scene, attendees, blanks):
            s("scene", scene); list("attendees", attendees); b("blanks", blanks)
        case let .inspectFirearm(firearm, result):
            s("firearm", firearm); s("result", result.rawValue)
        case let .load(firearm, lot, rounds, scene, rehearsal):
            s("firearm", firearm); s("lot", lot); n("rounds", rounds); s("scene", scene)
            if rehearsal { b("rehearsal", true) }
        case let .unload(firearm, lot, rounds):
            s("firearm", firearm); s("lot", lot); n("rounds", rounds)
        case let .showClear(firearm, to):
            s("firearm", firearm); list("to", to)
        case let .handOver(firearm, to, scene):
            s("firearm", firearm); s("to", to); s("scene", scene)
        case let .declare(firearm, state):
            s("firearm", firearm); s("state", state.rawValue)
        case let .fire(firearm, scene, rounds, result, shooter, rehearsal, nearest):
            s("firearm", firearm); s("scene", scene); n("rounds", rounds); s("result", result.rawValue)
            s("shooter", shooter)
            if rehearsal { b("rehearsal", true) }
            if let nearest { m.append(("nearest_person_ft", .number(nearest, isInteger: nearest == nearest.rounded()))) }
        case let .reportDischarge(firearm, injuries, note):
            s("firearm", firearm); b("injuries", injuries); s("note", note)
        case let .reportMissing(firearm):
            s("firearm", firearm)
        case let .reportConcern(text, scene):
            s("text", text); s("scene", scene)
        case let .reconcile(lot, counted):
            s("lot", lot); n("counted", counted)
        case let .store(firearm, locked):
            s("firearm", firearm); b("locked", locked)
        case let .unfreeze(firearm, reason):
            s("firearm", firearm); s("reason", reason)
        case .wrap:
            break
        case let .join(person, name, roles, credentials):
            s("person", person); s("name", name); m.append(("roles", Role.json(roles)))
            if !credentials.isEmpty { m.append(("credentials", .array(credentials.map(\.json)))) }
        case let .setRoles(person, roles):
            s("person", person); m.append(("roles", Role.json(roles)))
        case let .leave(person):
            s("person", person)
        case let .credential(person, credential):
            s("person", person)
            if case let .object(fields) = credential.json { m.append(contentsOf: fields) }
        case let .acknowledge(alarm, note):
            n("alarm", alarm); s("note", note)
        }
        return .object(m)
    }
}

extension Person {
    /// Reads a person as SCENARIOS.md writes it: `id`, `name`, `roles` (at least one) and
    /// optional `credentials`, nothing else. A log's header is read with `rolesRequired`
    /// false: a production opened before empty roles were refused still replays.
    public init(json: JSON, rolesRequired: Bool = true) throws(StepFormatError) {
        var o = try StrictObject(json, what: "a person")
        if let first = o.unknownKeys(allowed: ["id", "name", "roles", "credentials"]).first {
            throw StepFormatError("unknown field '\(first)' (allowed: id, name, roles, credentials)", field: first)
        }
        let id = try o.string("id")
        let name = try o.string("name")
        let roles = try o.roles("roles", required: rolesRequired)
        self.init(id: id, name: name, roles: Set(roles), credentials: try o.credentials("credentials"))
    }

    /// The person as SCENARIOS.md writes it, roles in the protocol's order, credentials
    /// only when they carry any.
    public var json: JSON {
        var m: [(key: String, value: JSON)] = [("id", .string(id)), ("name", .string(name)),
                                               ("roles", Role.json(Role.allCases.filter(roles.contains)))]
        if !credentials.isEmpty { m.append(("credentials", .array(credentials.map(\.json)))) }
        return .object(m)
    }
}

extension Role {
    static func json(_ roles: [Role]) -> JSON { .array(roles.map { .string($0.rawValue) }) }
}

extension Credential {
    /// Reads `kind`, `number` and `expires` from an object being read (a credential, or a
    /// `credential` step).
    init(fields o: inout StrictObject) throws(StepFormatError) {
        let kind = try o.choice("kind", CredentialKind.self)
        let number = try o.string("number")
        let text = try o.string("expires")
        guard let expires = CalendarDate(text) else {
            throw StepFormatError("field 'expires' must be a date written YYYY-MM-DD, like 2027-06-30, not '\(text)'", field: "expires")
        }
        self.init(kind: kind, number: number, expires: expires)
    }

    /// Reads a credential as SCENARIOS.md writes it: `kind`, `number`, `expires`, nothing else.
    public init(json: JSON) throws(StepFormatError) {
        var o = try StrictObject(json, what: "a credential")
        if let first = o.unknownKeys(allowed: ["kind", "number", "expires"]).first {
            throw StepFormatError("unknown field '\(first)' in a credential (allowed: kind, number, expires)", field: first)
        }
        try self.init(fields: &o)
    }

    public var json: JSON {
        .object([("kind", .string(kind.rawValue)), ("number", .string(number)), ("expires", .string(expires.text))])
    }
}

extension StrictObject {
    /// A list of roles: at least one, each a role of PROTOCOL.md's table.
    mutating func roles(_ key: String, required: Bool = true) throws(StepFormatError) -> [Role] {
        let names = try stringList(key)
        guard !names.isEmpty || !required else { throw StepFormatError("field '\(key)' must name at least one role", field: key) }
        var roles: [Role] = []
        for r in names {
            guard let role = Role(rawValue: r) else {
                throw StepFormatError("unknown role '\(r)' (one of: \(Role.allCases.map(\.rawValue).joined(separator: ", ")))", field: key)
            }
            roles.append(role)
        }
        return roles
    }

    /// An optional list of credentials.
    mutating func credentials(_ key: String) throws(StepFormatError) -> [Credential] {
        guard let v = value(key) else { return [] }
        guard case let .array(items) = v else {
            throw StepFormatError("field '\(key)' must be an array of credentials, not \(v.kindName)", field: key)
        }
        var out: [Credential] = []
        for item in items {
            do { out.append(try Credential(json: item)) } catch {
                throw StepFormatError("field '\(key)': \(error.message)", field: key)
            }
        }
        return out
    }
}

extension Policy {
    /// Reads `policy`: every key optional, defaults from the protocol (or from the pack
    /// `pack` names, found in `packs`), nothing looser. With `packs` nil (a production's
    /// recorded header) a pack name is a label and every value is as written.
    public init(json: JSON, packs: [String: PolicyPack]? = [:]) throws(StepFormatError) {
        var o = try StrictObject(json, what: "policy")
        let keys = Policy.keys + ["pack"]
        if let first = o.unknownKeys(allowed: Set(keys)).first {
            throw StepFormatError("unknown policy key '\(first)' (allowed: \(keys.joined(separator: ", ")))", field: first)
        }
        var p = Policy.protocolDefault
        var base: Policy?
        if o.value("pack") != nil {
            let name = try o.string("pack")
            if let packs {
                guard let pack = packs[name] else {
                    throw StepFormatError("unknown policy pack '\(name)' (known: \(packs.keys.sorted().joined(separator: ", ")))", field: "pack")
                }
                p = pack.policy
                base = pack.policy
            }
            p.pack = name
        }
        if o.value("show_clear_window_min") != nil { p.showClearWindowMinutes = try o.measure("show_clear_window_min") }
        if o.value("blank_safe_distance_ft") != nil { p.blankSafeDistanceFeet = try o.measure("blank_safe_distance_ft") }
        p.requireCredentials = try o.optionalBool("require_credentials") ?? p.requireCredentials
        p.alarmsAnsweredByWrap = try o.optionalBool("alarms_answered_by_wrap") ?? p.alarmsAnsweredByWrap
        if o.value("alarm_escalation_min") != nil { p.alarmEscalationMinutes = try o.measure("alarm_escalation_min") }
        if let why = p.loosening { throw StepFormatError(why) }
        if let base, let why = p.loosening(from: base) { throw StepFormatError(why) }
        self = p
    }

    /// The keys `policy` may hold.
    public static let keys = ["show_clear_window_min", "blank_safe_distance_ft", "require_credentials", "alarms_answered_by_wrap", "alarm_escalation_min"]

    /// The policy as written; the two switches only when on, so a production opened before
    /// they existed writes the same header.
    public var json: JSON {
        var m: [(key: String, value: JSON)] = [
            ("show_clear_window_min", .number(showClearWindowMinutes, isInteger: showClearWindowMinutes == showClearWindowMinutes.rounded())),
            ("blank_safe_distance_ft", .number(blankSafeDistanceFeet, isInteger: blankSafeDistanceFeet == blankSafeDistanceFeet.rounded())),
        ]
        // A pack's policy is written whole beside its name, so the record reads without the pack file.
        if requireCredentials || pack != nil { m.append(("require_credentials", .bool(requireCredentials))) }
        if alarmsAnsweredByWrap || pack != nil { m.append(("alarms_answered_by_wrap", .bool(alarmsAnsweredByWrap))) }
        if let pack { m.append(("pack", .string(pack))) }
        // Written only when shortened: a production opened before it existed writes the same header.
        if alarmEscalationMinutes != Policy.defaultEscalationMinutes {
            m.append(("alarm_escalation_min", .number(alarmEscalationMinutes, isInteger: alarmEscalationMinutes == alarmEscalationMinutes.rounded())))
        }
        return .object(m)
    }
}
