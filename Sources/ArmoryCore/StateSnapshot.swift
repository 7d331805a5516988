/// How a firearm stands at a glance, for the dashboard and the API: the most serious
/// condition wins.
public enum FirearmCondition: String, Sendable, CaseIterable {
    /// EVID-2: frozen as evidence after a discharge where none was expected.
    case frozen
    /// FA-8 or AMMO-1: withdrawn from use until a clear inspection.
    case withdrawn
    /// FA-4: received or handed back and not yet inspected by the armorer.
    case unknown
    /// It holds blanks or a live round (FA-1).
    case hot
    /// It holds no blank and no live round.
    case cold
}

extension Presence {
    /// The presence's name in the API and read models.
    public var name: String {
        switch self {
        case .held: return "held"
        case .missing: return "missing"
        case .returned: return "returned"
        case .neverAccepted: return "never_accepted"
        case .withInvestigators: return "with_investigators"
        }
    }
}

extension ProductionState {
    /// The firearm's condition at a glance.
    public func condition(of f: FirearmState) -> FirearmCondition {
        if f.frozen { return .frozen }
        if f.withdrawnForFault || f.withdrawnForLiveLot { return .withdrawn }
        if f.unknown { return .unknown }
        if f.contents.contains(where: { $0.count > 0 && lots[$0.lot]?.isHot != false }) { return .hot }
        return .cold
    }

    /// A firearm's current state as JSON, for the read models and the API.
    public func snapshot(of f: FirearmState) -> JSON {
        var caseNumber: String?
        if case let .withInvestigators(c) = f.presence { caseNumber = c }
        let showClear: JSON = f.showClear.map { sc in
            .object([("at", .string(sc.at.text)), ("by", .string(sc.by)), ("audience", .array(sc.audience.sorted().map { .string($0) }))])
        } ?? .null
        return .object([
            ("id", .string(f.id)), ("serial", .string(f.serial)), ("make", .string(f.make)), ("model", .string(f.model)),
            ("source", .orNull(f.source)), ("presence", .string(f.presence.name)), ("custodian", .orNull(f.custodian)),
            ("case", .orNull(caseNumber)), ("condition", .string(condition(of: f).rawValue)), ("rounds", .int(f.roundCount)),
            ("contents", .array(f.contents.filter { $0.count > 0 }.map { .object([("lot", .string($0.lot)), ("count", .int($0.count))]) })),
            ("unknown", .bool(f.unknown)), ("withdrawn_for_fault", .bool(f.withdrawnForFault)),
            ("withdrawn_for_live_lot", .bool(f.withdrawnForLiveLot)), ("frozen", .bool(f.frozen)),
            ("stored_locked", .bool(f.storedLocked)), ("declared", .orNull(f.declared?.rawValue)), ("show_clear", showClear),
        ])
    }

    /// Rounds of a lot now inside firearms.
    public func roundsLoaded(from lot: LotState) -> Int { lot.received - lot.box - lot.fired }

    /// A lot's current state as JSON, for the read models and the API.
    public func snapshot(of l: LotState) -> JSON {
        .object([
            ("id", .string(l.id)), ("kind", .string(l.kind.rawValue)), ("source", .orNull(l.source)), ("caliber", .orNull(l.caliber)),
            ("received", .int(l.received)), ("box", .int(l.box)), ("loaded", .int(roundsLoaded(from: l))), ("fired", .int(l.fired)),
            ("verified", .bool(l.verified)), ("found_live", .bool(l.foundLive)), ("quarantined", .bool(l.quarantined)),
            ("frozen", .bool(l.frozen)), ("reconciled_since_move", .bool(l.reconciledSinceMove)),
            ("last_reconcile_matched", l.lastReconcileMatched.map { .bool($0) } ?? .null),
            ("with_investigators", .orNull(l.withInvestigators)),
            ("loaded_into", .array(l.loadedInto.sorted().map { .string($0) })),
        ])
    }
}
