import ArmoryCore

/// The parts of a bundle that are derived from its verified entries: the manifest and
/// the human-readable report. `armory verify` regenerates both and requires them to
/// match byte for byte, so neither can be edited to say something the log does not.
public struct EvidenceReport: Sendable {
    public let scope: EvidenceScope
    public let origin: String
    public let replay: LogReplay
    /// Positions of the in-scope entries.
    public let selected: [Int]
    public let coveredSize: Int
    public let rootBase64: String
    public let latestSize: Int
    /// Names of the keys that signed the covered checkpoint (log first, then witnesses).
    public let signers: [String]
    /// The bundle format (docs/FORMAT.md): 1 holds an inclusion proof for every entry in
    /// scope; 2, what new bundles are, holds none for a whole log, whose entries the tree
    /// proves complete and unaltered by itself.
    public let format: Int
    /// The formats a verifier reads, and the one new bundles are written in.
    public static let formats = 1...2
    public static let currentFormat = 2

    public init(scope: EvidenceScope, origin: String, replay: LogReplay, coveredSize: Int, rootBase64: String,
                latestSize: Int, signers: [String], format: Int = EvidenceReport.currentFormat) {
        self.format = format
        self.scope = scope
        self.origin = origin
        self.replay = replay
        self.selected = scope.select(replay)
        self.coveredSize = coveredSize
        self.rootBase64 = rootBase64
        self.latestSize = latestSize
        self.signers = signers
    }

    func count(_ n: Int) -> JSON { .number(Double(n), isInteger: true) }

    /// `manifest.json` (docs/FORMAT.md), canonical and newline-terminated.
    public var manifest: String {
        var byKind: [String: Int] = [:], byOutcome: [String: Int] = [:], byRule: [String: Int] = [:]
        var firearms: [String: (entries: Int, refused: Int, alarms: Int)] = [:]
        var lots: [String: Int] = [:]
        for k in selected {
            let (entry, step) = replay.entries[k]
            byKind[entry.kind.rawValue, default: 0] += 1
            if entry.kind == .step { byOutcome[entry.outcome.rawValue, default: 0] += 1 }
            for r in entry.rules { byRule[r.rawValue, default: 0] += 1 }
            if let f = step?.action.firearm {
                var c = firearms[f] ?? (0, 0, 0)
                c.entries += 1
                if entry.outcome == .refused { c.refused += 1 }
                if entry.outcome == .alarm { c.alarms += 1 }
                firearms[f] = c
            }
            if let l = step?.action.lot { lots[l, default: 0] += 1 }
        }
        func counts(_ d: [String: Int]) -> JSON { .object(d.keys.sorted().map { ($0, count(d[$0]!)) }) }
        let state = replay.finalState
        let firearmJSON: JSON = .object(firearms.keys.sorted().map { id in
            let c = firearms[id]!
            let f = state.firearm(id)
            return (id, .object([("entries", count(c.entries)), ("refused", count(c.refused)), ("alarms", count(c.alarms)),
                                 ("custodian", f?.custodian.map { .string($0) } ?? .null),
                                 ("frozen", .bool(f?.frozen ?? false))]))
        })
        let lotJSON: JSON = .object(lots.keys.sorted().map { id in
            let l = state.lot(id)
            let inFirearms = state.firearms.values.reduce(0) { $0 + $1.rounds(of: id) }
            return (id, .object([("entries", count(lots[id]!)), ("kind", .string(l?.kind.rawValue ?? "")),
                                 ("received", count(l?.received ?? 0)), ("box", count(l?.box ?? 0)),
                                 ("in_firearms", count(inFirearms)), ("fired", count(l?.fired ?? 0)),
                                 ("quarantined", .bool(l?.quarantined ?? false)), ("frozen", .bool(l?.frozen ?? false))]))
        })
        let json: JSON = .object([
            ("format", .string(Self.formatName(format))),
            ("origin", .string(origin)),
            ("production", .string(replay.header.title)),
            ("scope", scope.json),
            ("covers", .object([("size", count(coveredSize)), ("root", .string(rootBase64))])),
            ("latest_size", count(latestSize)),
            ("signed_by", .array(signers.map { .string($0) })),
            ("in_scope", .object([("count", count(selected.count)),
                                  ("indices", .array(ranges(selected).map { .array([count($0.lowerBound), count($0.upperBound)]) }))])),
            ("by_kind", counts(byKind)),
            ("by_outcome", counts(byOutcome)),
            ("by_rule", counts(byRule)),
            ("firearms", firearmJSON),
            ("lots", lotJSON),
        ])
        return json.compactText + "\n"
    }

    /// The manifest's `format`, `armory-bundle/v<N>`.
    public static func formatName(_ format: Int) -> String { "armory-bundle/v\(format)" }

    /// Whether the bundle holds an inclusion proof (`proofs/<index>.tlog-proof`) for each
    /// entry in scope: in format 1 always; from format 2 only for a day or a firearm.
    public var holdsProofs: Bool {
        if format == 1 { return true }
        if case .all = scope { return false }
        return true
    }

    /// `report.txt`: what a producer, insurer or investigator reads first.
    public var text: String {
        var out = "ARMORY EVIDENCE REPORT\n\n"
        out += "Production:  \(replay.header.title) (\(replay.header.timezone))\n"
        out += "Scope:       \(scope)\n"
        out += "Log:         \(origin), \(coveredSize) entries, root \(rootBase64)\n"
        out += "Signed by:   \(signers.joined(separator: ", "))\n"
        if latestSize > coveredSize { out += "Published:   consistent with the later checkpoint of \(latestSize) entries\n" }
        let steps = selected.filter { replay.entries[$0].entry.kind == .step }
        let alarms = steps.filter { replay.entries[$0].entry.outcome == .alarm }
        let refusals = steps.filter { replay.entries[$0].entry.outcome == .refused }
        out += "In scope:    \(selected.count) entries: \(steps.count) steps, \(refusals.count) refused, \(alarms.count) alarms\n"
        if !alarms.isEmpty {
            out += "\nALARMS\n"
            for k in alarms { out += line(k) }
        }
        if !refusals.isEmpty {
            out += "\nREFUSED\n"
            for k in refusals { out += line(k) }
        }
        out += "\nTIMELINE\n"
        for k in selected { out += line(k) }
        out += "\nFIREARMS AT THE END OF THE COVERED LOG\n"
        let state = replay.finalState
        for id in state.firearmOrder {
            guard let f = state.firearm(id) else { continue }
            if case .firearm(let only) = scope, only != id { continue }
            var where_: String
            switch f.presence {
            case let .held(by): where_ = "held by \(by)"
            case .missing: where_ = "MISSING"
            case .returned: where_ = "returned to the rental house"
            case .neverAccepted: where_ = "never accepted"
            case let .withInvestigators(caseNumber): where_ = "WITH INVESTIGATORS, case \(caseNumber)"
            }
            var flags: [String] = []
            if f.frozen { flags.append("FROZEN") }
            if f.unknown { flags.append("unknown") }
            if f.withdrawnForFault { flags.append("withdrawn (FA-8)") }
            if f.withdrawnForLiveLot { flags.append("withdrawn (AMMO-1)") }
            if f.storedLocked { flags.append("stored locked") }
            let contents = f.contents.isEmpty ? "empty" : f.contents.map { "\($0.count) from \($0.lot)" }.joined(separator: ", ")
            out += "  \(id)  \(f.make) \(f.model), serial \(f.serial): \(where_); \(contents)"
            out += flags.isEmpty ? "\n" : "; " + flags.joined(separator: ", ") + "\n"
        }
        out += "\nROUNDS (received = box + in firearms + fired)\n"
        for id in state.lotOrder {
            guard let l = state.lot(id) else { continue }
            let inFirearms = state.firearms.values.reduce(0) { $0 + $1.rounds(of: id) }
            var flags: [String] = []
            if l.quarantined { flags.append("QUARANTINED") }
            if l.frozen { flags.append("FROZEN") }
            if l.kind == .dummy { flags.append(l.verified ? "verified" : "not verified") }
            out += "  \(id)  \(l.kind.rawValue): \(l.received) = \(l.box) + \(inFirearms) + \(l.fired)"
            out += flags.isEmpty ? "\n" : "; " + flags.joined(separator: ", ") + "\n"
        }
        return out
    }

    func line(_ k: Int) -> String {
        let e = replay.entries[k].entry
        var what = e.kind.rawValue
        if let step = replay.entries[k].step {
            what = step.action.name
            if let f = step.action.firearm { what += " " + f }
            if let l = step.action.lot { what += " " + l }
        }
        let rules = e.rules.isEmpty ? "" : " [" + e.rules.map(\.rawValue).joined(separator: ",") + "]"
        return "  #\(e.index)  \(e.at)  \(e.by ?? "-")  \(what)  \(e.outcome.rawValue)\(rules)  \(e.message)\n"
    }
}
