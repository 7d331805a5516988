/// The crew list and the answers to alarms (ROLE-3, FA-5, ALARM-1, ROLE-2).
extension StepContext {
    mutating func join(_ id: String, name: String, roles: [Role], credentials: [Credential]) -> String {
        requireProducer("add people to the crew")
        if before.people[id]?.onCrew == true {
            findings.add(.role3, "\(id) is already on the crew")
        }
        // Precise "Crew steps": a join of a known person off the crew "puts them on the crew
        // with that join's name, roles and credentials".
        changes.people[id] = Person(id: id, name: name, roles: Set(roles), credentials: credentials, onCrew: true)
        return say("\(id) (\(name)) joined the crew as \(Self.list(roles))")
    }

    mutating func setRoles(_ id: String, roles: [Role]) -> String {
        requireProducer("change people's roles")
        requireOnCrew(id)
        requireHoldsNoFirearm(id, "their roles change")
        guard var p = before.people[id] else { return "" }
        p.roles = Set(roles)
        changes.people[id] = p
        return say("\(id)'s roles are now \(Self.list(roles))")
    }

    mutating func leave(_ id: String) -> String {
        requireProducer("take people off the crew")
        requireOnCrew(id)
        requireHoldsNoFirearm(id, "they leave the crew")
        guard var p = before.people[id] else { return "" }
        p.onCrew = false
        changes.people[id] = p
        return say("\(id) is off the crew")
    }

    mutating func record(_ credential: Credential, for id: String) -> String {
        requireProducer("record credentials")
        requireOnCrew(id)
        guard var p = before.people[id] else { return "" }
        p.record(credential)
        changes.people[id] = p
        return say("\(id)'s \(credential.kind.rawValue) \(credential.number) recorded, valid through \(credential.expires)")
    }

    mutating func acknowledge(_ alarm: Int, note: String?) -> String {
        guard let p = actor, let status = before.alarms[alarm] else { return "" }
        // Precise "Acknowledgements": a producer or safety answers any alarm; the armorer and a
        // first AD may acknowledge any but a CONCERN-1 one, without answering it; anyone else
        // is refused, citing ROLE-2.
        let answers = p.acts(as: .producer) || p.acts(as: .safety)
        let mayAcknowledge = answers || (!status.concern && (countsAsArmorer(p) || p.acts(as: .firstAD)))
        if !mayAcknowledge {
            findings.add(.role2, status.concern
                ? "\(p.id) is not a producer or safety; only they acknowledge a safety concern"
                : "\(p.id) is not a producer, safety, the armorer or the first AD; only they acknowledge an alarm")
            return ""
        }
        changes.acknowledgements.append((alarm, Acknowledgement(number: number, by: p.id, at: step.at, answers: answers, note: note)))
        if status.answered { return say("alarm \(alarm) acknowledged again by \(p.id); it was already answered") }
        if answers { return say("alarm \(alarm) answered by \(p.id)") }
        return say("alarm \(alarm) acknowledged by \(p.id); it stays open until a producer or safety answers it")
    }

    /// ROLE-3: only a producer keeps the crew list (a dual-hatted armorer who is also a
    /// producer acts in none of their roles).
    mutating func requireProducer(_ doing: String) {
        guard let p = actor else { return }
        if !p.acts(as: .producer) {
            findings.add(.role3, "\(p.id) is not a producer; only a producer may \(doing)")
        }
    }

    /// ROLE-3: a crew change other than `join` is for a person on the crew.
    mutating func requireOnCrew(_ id: String) {
        if before.people[id]?.onCrew != true {
            findings.add(.role3, "\(id) is not on the crew")
        }
    }

    /// FA-5: the firearms a person holds go back to the armorer before their roles change or
    /// they leave.
    mutating func requireHoldsNoFirearm(_ id: String, _ before: String) {
        let held = self.before.firearms.filter { $0.value.custodian == id }.map(\.key)
        if !held.isEmpty {
            findings.add(.fa5, "\(id) holds \(held.joined(separator: ", ")); \(held.count == 1 ? "it goes" : "they go") back to the armorer before \(before)")
        }
    }

    static func list(_ roles: [Role]) -> String { roles.map(\.rawValue).joined(separator: " and ") }
}
