/// Firearms and lots handed to investigators as evidence, under a case number: a custody
/// step like any other, decided by the engine and recorded in the log, so that evidence
/// cannot leave the set unrecorded or be filed under the wrong case.
public struct EvidenceTransfer: Sendable, Hashable {
    public let at: Timestamp
    /// The armorer who hands the evidence over.
    public let by: String
    public let caseNumber: String
    /// Who received it: the officer or agency, as they sign for it.
    public let to: String
    public let firearms: [String]
    public let lots: [String]

    public init(at: Timestamp, by: String, caseNumber: String, to: String, firearms: [String], lots: [String]) {
        self.at = at
        self.by = by
        self.caseNumber = caseNumber
        self.to = to
        self.firearms = firearms
        self.lots = lots
    }

    /// The canonical body (docs/FORMAT.md): `{"case","to","firearms","lots"}`.
    public var json: JSON {
        .object([("case", .string(caseNumber)), ("to", .string(to)),
                 ("firearms", .array(firearms.map { .string($0) })), ("lots", .array(lots.map { .string($0) }))])
    }

    /// Reads a transfer's body; time and author come from the entry or request around it.
    public init(json: JSON, at: Timestamp, by: String) throws(StepFormatError) {
        var o = try StrictObject(json, what: "an evidence transfer")
        if let first = o.unknownKeys(allowed: ["case", "to", "firearms", "lots"]).first {
            throw StepFormatError("unknown field '\(first)' (allowed: case, to, firearms, lots)", field: first)
        }
        let caseNumber = try o.string("case")
        let to = try o.string("to")
        let firearms = try o.value("firearms") == nil ? [] : o.stringList("firearms")
        let lots = try o.value("lots") == nil ? [] : o.stringList("lots")
        guard !firearms.isEmpty || !lots.isEmpty else { throw StepFormatError("a transfer names at least one firearm or lot", field: "firearms") }
        self.init(at: at, by: by, caseNumber: caseNumber, to: to, firearms: firearms, lots: lots)
    }
}

extension ProductionState {
    /// Decides and, unless refused, applies an evidence transfer. Only the armorer hands
    /// firearms over (ROLE-1/ROLE-2), only firearms in their own custody (FA-5); frozen
    /// firearms and lots stay frozen in the investigators' hands (EVID-2).
    public mutating func apply(_ t: EvidenceTransfer) throws(StepFormatError) -> Decision {
        if let lastAt, t.at < lastAt {
            throw StepFormatError("'at' \(t.at.text) is earlier than the step before it (\(lastAt.text)); steps must be in time order", field: "at")
        }
        guard let person = people[t.by] else { throw StepFormatError("unknown person '\(t.by)' in 'by'", field: "by") }
        for f in t.firearms where firearms[f] == nil {
            throw StepFormatError("unknown firearm '\(f)': no earlier step received it", field: "firearms")
        }
        for l in t.lots where lots[l] == nil { throw StepFormatError("unknown lot '\(l)': no earlier step received it", field: "lots") }
        var findings = Findings()
        let armorer = countsAsArmorer(person, at: t.at)
        if person.isDualHattedArmorer {
            findings.add(.role1, "\(person.id) is the armorer but also has another job on set; an armorer with another job may not hand over evidence")
        }
        if isUnqualifiedArmorer(person, at: t.at) {
            findings.add(.qual1, "\(person.id) has no unexpired armorer's permit and training on \(t.at.localDate); an armorer without them may not hand over evidence")
        }
        if !person.isDualHattedArmorer && !isUnqualifiedArmorer(person, at: t.at) && !person.mayActAsArmorer {
            findings.add(.role2, "\(person.id) is not the armorer; only the armorer hands firearms and ammunition to investigators")
        }
        for id in t.firearms {
            let f = firearms[id]!
            // As for the armorer's other custody commands, FA-5 speaks to an armorer or to a
            // firearm no one holds; anyone else has ROLE-2 already.
            if f.custodian != t.by && (armorer || f.custodian == nil) {
                findings.add(.fa5, f.presence.whyNotHeld(id) ?? "\(id) is in \(f.custodian!)'s custody, not \(t.by)'s")
            }
        }
        for id in t.lots {
            if let c = lots[id]!.withInvestigators { findings.add(.evid2, "lot \(id) is already with investigators (case \(c))") }
        }
        let decision: Decision
        if findings.isEmpty {
            beginChange()
            for id in t.firearms {
                var f = firearms[id]!
                f.presence = .withInvestigators(caseNumber: t.caseNumber)
                f.storedLocked = false
                f.showClear = nil
                setFirearm(f)
            }
            for id in t.lots {
                var l = lots[id]!
                l.withInvestigators = t.caseNumber
                setLot(l)
            }
            let what = (t.firearms + t.lots.map { "lot " + $0 }).joined(separator: ", ")
            decision = Decision(outcome: .ok, rules: [], message: "\(what) handed by \(t.by) to \(t.to) as evidence, case \(t.caseNumber)")
        } else {
            decision = Decision(outcome: .refused, rules: findings.rules, message: findings.message)
        }
        advance(to: t.at)
        return decision
    }
}
