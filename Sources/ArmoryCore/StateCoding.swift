/// Why an encoded production state cannot be read back.
public struct StateCodingError: Error, Equatable, Sendable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// A production's state written whole as canonical JSON, and read back exactly: every field
/// the engine decides the next step by (people, policy, alarms and their acknowledgements,
/// firearms, lots, meetings, the step count and last time) and the revisions the read models
/// are rewritten by. Deciding from a state read back gives the same decisions as deciding
/// from the state it was written from. The same state always writes the same bytes: maps are
/// written in key order, sets sorted, and each list in the order the state keeps it.
///
/// Reading is strict: every object must hold exactly its fields, in order; every list must
/// agree with the maps it orders; nothing is skipped or defaulted.
extension ProductionState {
    /// The most bytes an encoded state may hold when read back.
    public static let maximumEncodedBytes = 1 << 28
    /// The encoding's version, its first field: a change to it changes this number.
    public static let encodingVersion = 1

    /// The state as canonical JSON bytes.
    public var encoded: [UInt8] { encodedJSON.compactBytes }

    var encodedJSON: JSON {
        let people: [JSON] = self.people.values.map(Self.json)
        let firearmList: [JSON] = firearms.values.sorted { $0.id < $1.id }.map(Self.json)
        let lotList: [JSON] = lots.values.sorted { $0.id < $1.id }.map(Self.json)
        let alarmList: [JSON] = alarms.keys.indices.map { p in
            let number = alarms.keys[p]
            let m = alarms.times[p]
            return .object([
                ("number", .int(number)), ("seconds", .int(Int(m.seconds))), ("nanoseconds", .int(Int(m.nanoseconds))),
                ("offset", .int(Int(m.offsetMinutes))),
                ("rules", .strings(alarms.ruleLists[Int(alarms.rules[p])].map(\.rawValue))),
                ("acknowledgements", .array((alarms.acknowledgements[number] ?? []).map(Self.json))),
            ])
        }
        return .object([
            ("version", .int(Self.encodingVersion)),
            ("policy", policy.json),
            ("people", .array(people)),
            ("alarms", .array(alarmList)),
            ("firearms", .array(firearmList)),
            ("firearm_order", .strings(firearmOrder)),
            ("unaccepted_firearms", .strings(unacceptedFirearms.sorted())),
            ("lots", .array(lotList)),
            ("lot_order", .strings(lotOrder)),
            ("lots_touched_since_wrap", .strings(lotsTouchedSinceWrap)),
            ("meetings", .array(meetingList.map { .array([.string($0.scene), .bool($0.blanks)]) })),
            ("step_count", .int(stepCount)),
            ("last_at", .orNull(lastAt?.text)),
            ("revision", .int(revision)),
            ("firearm_revisions", Self.json(firearmRevisions)),
            ("lot_revisions", Self.json(lotRevisions)),
            ("recent_changes", .array(recentChanges.map {
                .array([.int($0.revision), .bool($0.isLot), .string($0.isLot ? lots.id($0.number) : firearms.id($0.number))])
            })),
            ("journal_trimmed_through", .int(journalTrimmedThrough)),
        ])
    }

    /// Reads a state back from `encoded`'s bytes; throws, naming what is wrong, for anything
    /// that is not exactly such an encoding, byte for byte.
    public init(encoded bytes: [UInt8]) throws(StateCodingError) {
        guard bytes.count <= Self.maximumEncodedBytes else {
            throw StateCodingError("an encoded state may hold at most \(Self.maximumEncodedBytes) bytes")
        }
        let json: JSON
        do { json = try JSON.parse(bytes) } catch { throw StateCodingError("not JSON: \(error.description)") }
        var o = try Fields(json, "the state", ["version", "policy", "people", "alarms", "firearms", "firearm_order",
                                              "unaccepted_firearms", "lots", "lot_order", "lots_touched_since_wrap", "meetings",
                                              "step_count", "last_at", "revision", "firearm_revisions", "lot_revisions",
                                              "recent_changes", "journal_trimmed_through"])
        guard try o.int() == Self.encodingVersion else { throw StateCodingError("the state's encoding version is not \(Self.encodingVersion)") }
        let policy: Policy
        do { policy = try Policy(json: o.next(), packs: nil) } catch { throw StateCodingError("policy: \(error.message)") }
        var people = IDTable<Person>()
        for p in try o.array() {
            let person = try Self.person(p)
            guard people.number(of: person.id) == nil else { throw StateCodingError("person '\(person.id)' is written twice") }
            people.append(person.id, person)
        }
        var alarms = AlarmBook()
        for a in try o.array() {
            var f = try Fields(a, "an alarm", ["number", "seconds", "nanoseconds", "offset", "rules", "acknowledgements"])
            let number = try f.int()
            guard number > (alarms.keys.last ?? -1) else { throw StateCodingError("alarms must be written in ascending order of their step") }
            let at = try Self.moment(seconds: f.int(), nanoseconds: f.int(), offset: f.int())
            let rules = try f.strings().map { (name: String) throws(StateCodingError) -> Rule in
                guard let r = Rule(rawValue: name) else { throw StateCodingError("unknown rule '\(name)'") }
                return r
            }
            alarms.raise(number, at: at, rules: rules)
            for ack in try f.array() { alarms.acknowledge(number, try Self.acknowledgement(ack)) }
        }
        var firearmByID: [String: FirearmState] = [:]
        for f in try o.array() {
            let firearm = try Self.firearm(f)
            guard firearmByID.updateValue(firearm, forKey: firearm.id) == nil else { throw StateCodingError("firearm '\(firearm.id)' is written twice") }
        }
        let firearmOrder = try o.strings()
        let unaccepted = try o.strings()
        guard Set(firearmOrder).count == firearmOrder.count, Set(unaccepted).count == unaccepted.count,
              Set(firearmOrder) == Set(firearmByID.keys).union(unaccepted), Set(unaccepted).isDisjoint(with: firearmByID.keys)
        else { throw StateCodingError("the firearms' order does not name each firearm once") }
        // Numbered in the order first named, as the engine numbered them.
        var firearms = IDTable<FirearmState>()
        for id in firearmOrder { firearms.append(id, firearmByID[id]) }
        var lotByID: [String: LotState] = [:]
        for l in try o.array() {
            let lot = try Self.lot(l)
            guard lotByID.updateValue(lot, forKey: lot.id) == nil else { throw StateCodingError("lot '\(lot.id)' is written twice") }
        }
        let lotOrder = try o.strings()
        guard Set(lotOrder).count == lotOrder.count, Set(lotOrder) == Set(lotByID.keys) else {
            throw StateCodingError("the lots' order does not name each lot once")
        }
        var lots = IDTable<LotState>()
        for id in lotOrder { lots.append(id, lotByID[id]) }
        let touchedIDs = try o.strings()
        let touched = touchedIDs.compactMap(lots.number(of:))
        guard Set(touched).count == touchedIDs.count, touched.count == touchedIDs.count else {
            throw StateCodingError("the lots touched since the last wrap are not each a lot, once")
        }
        var meetings: [Meeting] = []
        for m in try o.array() {
            // Written in scene order, each scene once (any other order is not canonical).
            guard case let .array(pair) = m, pair.count == 2, case let .string(scene) = pair[0], case let .bool(blanks) = pair[1],
                  !meetings.contains(where: { $0.scene == scene })
            else { throw StateCodingError("a meeting is [scene, blanks], each scene once") }
            meetings.append(Meeting(scene: scene, blanks: blanks))
        }
        guard meetings.indices.dropFirst().allSatisfy({ meetings[$0 - 1].scene < meetings[$0].scene }) else {
            throw StateCodingError("the state is not written canonically")
        }
        let stepCount = try o.int()
        let lastAt: Timestamp?
        switch o.next() {
        case .null: lastAt = nil
        case let .string(text):
            guard let t = Timestamp(rfc3339: text) else { throw StateCodingError("last_at '\(text)' is not an RFC 3339 time") }
            lastAt = t
        case let other: throw StateCodingError("last_at must be a time or null, not \(other.kindName)")
        }
        let revision = try o.int()
        let firearmRevisions = try Self.revisions(Self.counts(o.next(), "firearm_revisions"), of: firearms.ids, "firearm_revisions")
        let lotRevisions = try Self.revisions(Self.counts(o.next(), "lot_revisions"), of: lots.ids, "lot_revisions")
        var recentChanges: [Change] = []
        for c in try o.array() {
            guard case let .array(triple) = c, triple.count == 3, case let .bool(isLot) = triple[1], case let .string(id) = triple[2] else {
                throw StateCodingError("a recent change is [revision, is_lot, id]")
            }
            guard let number = isLot ? lots.number(of: id) : firearms.number(of: id) else {
                throw StateCodingError("a recent change names \(isLot ? "lot" : "firearm") '\(id)', which the state does not know")
            }
            recentChanges.append(Change(revision: try Self.int(triple[0], "a recent change's revision"), isLot: isLot, number: number))
        }
        let trimmed = try o.int()
        self.init(people: people, policy: policy, alarms: alarms, firearms: firearms, lots: lots, lotsTouched: touched,
                  meetings: meetings, stepCount: stepCount, lastAt: lastAt, revision: revision,
                  firearmRevisions: firearmRevisions, lotRevisions: lotRevisions, recentChanges: recentChanges,
                  journalTrimmedThrough: trimmed)
        // Canonical: the bytes are exactly those this state writes (no other spacing, order or number form).
        guard encoded == bytes else { throw StateCodingError("the state is not written canonically") }
    }

    // MARK: Writing

    static func json(_ p: Person) -> JSON {
        .object([("id", .string(p.id)), ("name", .string(p.name)), ("roles", Role.json(Role.allCases.filter(p.roles.contains))),
                 ("credentials", .array(p.credentials.map(\.json))), ("on_crew", .bool(p.onCrew))])
    }

    static func json(_ a: Acknowledgement) -> JSON {
        .object([("number", .int(a.number)), ("by", .string(a.by)), ("at", .string(a.at.text)), ("answers", .bool(a.answers)),
                 ("note", .orNull(a.note))])
    }

    static func json(_ counts: [String: Int]) -> JSON {
        .array(counts.keys.sorted().map { .array([.string($0), .int(counts[$0]!)]) })
    }

    static func json(_ p: Presence) -> JSON {
        switch p {
        case let .held(by): return .strings(["held", by])
        case .missing: return .strings(["missing"])
        case .returned: return .strings(["returned"])
        case .neverAccepted: return .strings(["never_accepted"])
        case let .withInvestigators(caseNumber): return .strings(["with_investigators", caseNumber])
        }
    }

    static func json(_ f: FirearmState) -> JSON {
        .object([
            ("id", .string(f.id)), ("serial", .string(f.serial)), ("make", .string(f.make)), ("model", .string(f.model)),
            ("source", .orNull(f.source)), ("presence", json(f.presence)),
            ("contents", .array(f.contents.map { .array([.string($0.lot), .int($0.count)]) })),
            ("unknown", .bool(f.unknown)), ("withdrawn_for_fault", .bool(f.withdrawnForFault)),
            ("withdrawn_for_live_lot", .bool(f.withdrawnForLiveLot)), ("frozen", .bool(f.frozen)),
            ("frozen_lots", .strings(f.frozenLots.sorted())), ("lots_since_clear", .strings(f.lotsSinceClear)),
            ("stored_locked", .bool(f.storedLocked)), ("declared", .orNull(f.declared?.rawValue)),
            ("show_clears", .array(f.showClears.map {
                .object([("at", .string($0.at.text)), ("by", .string($0.by)), ("audience", .strings($0.audience.sorted()))])
            })),
            ("last_armorer_inspection", .int(f.lastArmorerInspection)), ("last_held", json(f.lastHeld)),
        ])
    }

    static func json(_ l: LotState) -> JSON {
        .object([
            ("id", .string(l.id)), ("kind", .string(l.kind.rawValue)), ("source", .orNull(l.source)), ("caliber", .orNull(l.caliber)),
            ("received", .int(l.received)), ("box", .int(l.box)), ("fired", .int(l.fired)), ("verified", .bool(l.verified)),
            ("found_live", .bool(l.foundLive)), ("frozen_by", .strings(l.frozenBy.sorted())),
            ("loaded_into", .strings(l.loadedInto.sorted())), ("touched_since_wrap", .bool(l.touchedSinceWrap)),
            ("reconciled_since_move", .bool(l.reconciledSinceMove)),
            ("last_reconcile_matched", l.lastReconcileMatched.map { .bool($0) } ?? .null),
            ("with_investigators", .orNull(l.withInvestigators)),
        ])
    }

    // MARK: Reading

    /// An object's members read in order, each field named once and nothing else.
    struct Fields {
        let members: [(key: String, value: JSON)]
        var position = 0

        init(_ json: JSON, _ what: String, _ keys: [String]) throws(StateCodingError) {
            guard case let .object(members) = json else { throw StateCodingError("\(what) must be an object, not \(json.kindName)") }
            guard members.map(\.key) == keys else {
                throw StateCodingError("\(what) must hold exactly \(keys.joined(separator: ", ")), in that order")
            }
            self.members = members
        }

        mutating func next() -> JSON {
            defer { position += 1 }
            return members[position].value
        }
        var key: String { members[position].key }

        mutating func int() throws(StateCodingError) -> Int { let k = key; return try ProductionState.int(next(), k) }
        mutating func bool() throws(StateCodingError) -> Bool {
            let k = key
            guard case let .bool(b) = next() else { throw StateCodingError("field '\(k)' must be a boolean") }
            return b
        }
        mutating func string() throws(StateCodingError) -> String {
            let k = key
            guard case let .string(s) = next() else { throw StateCodingError("field '\(k)' must be a string") }
            return s
        }
        mutating func optionalString() throws(StateCodingError) -> String? {
            let k = key
            switch next() {
            case .null: return nil
            case let .string(s): return s
            default: throw StateCodingError("field '\(k)' must be a string or null")
            }
        }
        mutating func array() throws(StateCodingError) -> [JSON] {
            let k = key
            guard case let .array(items) = next() else { throw StateCodingError("field '\(k)' must be an array") }
            return items
        }
        mutating func strings() throws(StateCodingError) -> [String] {
            let k = key
            return try array().map { (item: JSON) throws(StateCodingError) -> String in
                guard case let .string(s) = item else { throw StateCodingError("field '\(k)' must be an array of strings") }
                return s
            }
        }
        mutating func set() throws(StateCodingError) -> Set<String> {
            let k = key
            let list = try strings()
            guard list == list.sorted(), Set(list).count == list.count else {
                throw StateCodingError("field '\(k)' must list each member once, sorted")
            }
            return Set(list)
        }
        mutating func time() throws(StateCodingError) -> Timestamp {
            let k = key
            let text = try string()
            guard let t = Timestamp(rfc3339: text) else { throw StateCodingError("field '\(k)' is not an RFC 3339 time") }
            return t
        }
    }

    /// The largest whole number a JSON number carries exactly.
    static let largestExactInteger = 9_007_199_254_740_992.0

    static func int(_ json: JSON, _ what: String) throws(StateCodingError) -> Int {
        guard case let .number(n, true) = json, abs(n) <= largestExactInteger else {
            throw StateCodingError("field '\(what)' must be a whole number")
        }
        return Int(n)
    }

    static func counts(_ json: JSON, _ what: String) throws(StateCodingError) -> [String: Int] {
        guard case let .array(items) = json else { throw StateCodingError("field '\(what)' must be an array") }
        var out: [String: Int] = [:]
        var previous: String?
        for item in items {
            guard case let .array(pair) = item, pair.count == 2, case let .string(id) = pair[0], previous.map({ $0 < id }) ?? true else {
                throw StateCodingError("field '\(what)' must be [id, number] pairs in id order, each id once")
            }
            out[id] = try int(pair[1], what)
            previous = id
        }
        return out
    }

    /// Revisions by id as a list by number (0: none), for ids numbered in `ids`' order; each
    /// id must be known and its revision above 0, as the engine never writes any other.
    static func revisions(_ counts: [String: Int], of ids: [String], _ what: String) throws(StateCodingError) -> [Int] {
        var list = [Int](repeating: 0, count: ids.count)
        var found = 0
        for k in ids.indices {
            guard let r = counts[ids[k]] else { continue }
            guard r > 0 else { throw StateCodingError("field '\(what)' must hold revisions above 0") }
            list[k] = r
            found += 1
        }
        guard found == counts.count else { throw StateCodingError("field '\(what)' names an id the state does not know") }
        return list
    }

    static func moment(seconds: Int, nanoseconds: Int, offset: Int) throws(StateCodingError) -> Timestamp {
        guard (0..<1_000_000_000).contains(nanoseconds), abs(offset) < 24 * 60,
              seconds >= Int(Timestamp.earliestLocal) - 86_400, seconds <= Int(Timestamp.latestLocal) + 86_400
        else { throw StateCodingError("an alarm's time is out of range") }
        return Timestamp(seconds: Int64(seconds), nanoseconds: Int32(nanoseconds), offsetMinutes: Int16(offset))
    }

    static func person(_ json: JSON) throws(StateCodingError) -> Person {
        var o = try Fields(json, "a person", ["id", "name", "roles", "credentials", "on_crew"])
        let id = try o.string(), name = try o.string()
        let roleNames = try o.strings()
        var roles: Set<Role> = []
        for r in roleNames {
            guard let role = Role(rawValue: r), roles.insert(role).inserted else { throw StateCodingError("person '\(id)': unknown or repeated role '\(r)'") }
        }
        guard Role.allCases.filter(roles.contains).map(\.rawValue) == roleNames else {
            throw StateCodingError("person '\(id)': roles must be in the protocol's order")
        }
        var credentials: [Credential] = []
        for c in try o.array() {
            do { credentials.append(try Credential(json: c)) } catch { throw StateCodingError("person '\(id)': \(error.message)") }
        }
        let onCrew = try o.bool()
        let person = Person(id: id, name: name, roles: roles, credentials: credentials, onCrew: onCrew)
        guard person.credentials == credentials else { throw StateCodingError("person '\(id)': credentials must be one of each kind, in order") }
        return person
    }

    static func acknowledgement(_ json: JSON) throws(StateCodingError) -> Acknowledgement {
        var o = try Fields(json, "an acknowledgement", ["number", "by", "at", "answers", "note"])
        return Acknowledgement(number: try o.int(), by: try o.string(), at: try o.time(), answers: try o.bool(), note: try o.optionalString())
    }

    static func presence(_ json: JSON) throws(StateCodingError) -> Presence {
        guard case let .array(parts) = json else { throw StateCodingError("a firearm's presence must be an array") }
        let words = parts.compactMap { if case let .string(s) = $0 { s } else { nil } }
        switch (words.count == parts.count ? words : []) {
        case let w where w.count == 2 && w[0] == "held": return .held(by: w[1])
        case ["missing"]: return .missing
        case ["returned"]: return .returned
        case ["never_accepted"]: return .neverAccepted
        case let w where w.count == 2 && w[0] == "with_investigators": return .withInvestigators(caseNumber: w[1])
        default: throw StateCodingError("unknown presence \(json.compactText)")
        }
    }

    static func firearm(_ json: JSON) throws(StateCodingError) -> FirearmState {
        var o = try Fields(json, "a firearm", ["id", "serial", "make", "model", "source", "presence", "contents", "unknown",
                                               "withdrawn_for_fault", "withdrawn_for_live_lot", "frozen", "frozen_lots",
                                               "lots_since_clear", "stored_locked", "declared", "show_clears",
                                               "last_armorer_inspection", "last_held"])
        let id = try o.string(), serial = try o.string(), make = try o.string(), model = try o.string()
        let source = try o.optionalString()
        let presence = try presence(o.next())
        var contents: [LoadedRounds] = []
        for c in try o.array() {
            guard case let .array(pair) = c, pair.count == 2, case let .string(lot) = pair[0] else {
                throw StateCodingError("firearm '\(id)': contents are [lot, count] pairs")
            }
            contents.append(LoadedRounds(lot: lot, count: try int(pair[1], "contents")))
        }
        var f = FirearmState(id: id, serial: serial, make: make, model: model, source: source, presence: presence, unknown: try o.bool())
        f.contents = contents
        f.withdrawnForFault = try o.bool()
        f.withdrawnForLiveLot = try o.bool()
        f.frozen = try o.bool()
        f.frozenLots = try o.set()
        f.lotsSinceClear = try o.strings()
        f.storedLocked = try o.bool()
        if let d = try o.optionalString() {
            guard let declared = DeclaredState(rawValue: d) else { throw StateCodingError("firearm '\(id)': unknown declared state '\(d)'") }
            f.declared = declared
        }
        for s in try o.array() {
            var sc = try Fields(s, "a show-clear", ["at", "by", "audience"])
            f.showClears.append(ShowClear(at: try sc.time(), by: try sc.string(), audience: try sc.set()))
        }
        f.lastArmorerInspection = try o.int()
        f.lastHeld = try counts(o.next(), "last_held")
        return f
    }

    static func lot(_ json: JSON) throws(StateCodingError) -> LotState {
        var o = try Fields(json, "a lot", ["id", "kind", "source", "caliber", "received", "box", "fired", "verified", "found_live",
                                           "frozen_by", "loaded_into", "touched_since_wrap", "reconciled_since_move",
                                           "last_reconcile_matched", "with_investigators"])
        let id = try o.string()
        let kindName = try o.string()
        guard let kind = AmmoKind(rawValue: kindName) else { throw StateCodingError("lot '\(id)': unknown kind '\(kindName)'") }
        var l = LotState(id: id, kind: kind)
        l.source = try o.optionalString()
        l.caliber = try o.optionalString()
        l.received = try o.int()
        l.box = try o.int()
        l.fired = try o.int()
        l.verified = try o.bool()
        l.foundLive = try o.bool()
        l.frozenBy = try o.set()
        l.loadedInto = try o.set()
        l.touchedSinceWrap = try o.bool()
        l.reconciledSinceMove = try o.bool()
        switch o.next() {
        case .null: l.lastReconcileMatched = nil
        case let .bool(b): l.lastReconcileMatched = b
        default: throw StateCodingError("lot '\(id)': last_reconcile_matched must be a boolean or null")
        }
        l.withInvestigators = try o.optionalString()
        return l
    }
}
