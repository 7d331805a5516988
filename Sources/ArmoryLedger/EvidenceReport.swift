import ArmoryCore
import Crypto

/// Where the report's long sections (its alarms, refusals and timeline, a line per entry)
/// go as entries are read: kept as text when a bundle is made, hashed when one is checked,
/// so a season's bundle is checked without its report held in memory.
public protocol ReportLines {
    init()
    mutating func append(_ line: String)
    var isEmpty: Bool { get }
}

/// The lines as text.
public struct ReportText: ReportLines {
    public private(set) var text = ""
    public init() {}
    public mutating func append(_ line: String) { text += line }
    public var isEmpty: Bool { text.isEmpty }
}

/// The lines' SHA-256 and length: equal digests of equal length stand for equal text.
public struct ReportDigest: ReportLines {
    var hasher = SHA256()
    public private(set) var bytes = 0
    public init() {}
    public mutating func append(_ line: String) {
        var line = line
        line.withUTF8 { hasher.update(bufferPointer: UnsafeRawBufferPointer($0)) }
        bytes += line.utf8.count
    }
    public var isEmpty: Bool { bytes == 0 }
    public var digest: [UInt8] { Array(hasher.finalize()) }
}

/// A bundle's in-scope entries, counted one entry at a time as the log is replayed: what
/// the manifest and the report say about them, without holding the entries.
public struct EvidenceTally<Lines: ReportLines> {
    public let scope: EvidenceScope
    /// The in-scope positions, as ranges.
    public private(set) var selected: [ClosedRange<Int>] = []
    public private(set) var inScope = 0
    public private(set) var steps = 0
    public private(set) var refused = 0
    public private(set) var alarms = 0
    /// Alarms carrying FA-7, the critical ones.
    public private(set) var critical = 0
    /// For a day: whether an entry after the last in-scope one is dated after the day, so
    /// the bundle shows where the day ends.
    public private(set) var fenced = false
    var byKind: [LogEntry.Kind: Int] = [:], byOutcome: [Outcome: Int] = [:], byRule: [Rule: Int] = [:]
    var firearms: [String: (entries: Int, refused: Int, alarms: Int)] = [:]
    var lots: [String: Int] = [:]
    var alarmLines = Lines(), refusedLines = Lines(), timeline = Lines()

    public init(scope: EvidenceScope) { self.scope = scope }

    /// Whether the position is in scope so far (a binary search of the runs).
    public func isInScope(_ position: Int) -> Bool {
        var low = 0, high = selected.count
        while low < high {
            let mid = (low + high) / 2
            if selected[mid].upperBound < position { low = mid + 1 } else { high = mid }
        }
        return low < selected.count && selected[low].contains(position)
    }

    /// The in-scope positions, one by one.
    public var positions: [Int] { selected.flatMap { Array($0) } }

    /// Counts the entry at `position` (entries come in order, each once) with the step it records.
    public mutating func add(_ entry: LogEntry, step: Step?, at position: Int) {
        guard scope.takes(entry, step: step, chosen: isInScope) else {
            if case .day(let d) = scope, entry.at.prefix(10) > d { fenced = true }
            return
        }
        fenced = false
        if let last = selected.last, last.upperBound + 1 == position {
            selected[selected.count - 1] = last.lowerBound...position
        } else {
            selected.append(position...position)
        }
        inScope += 1
        byKind[entry.kind, default: 0] += 1
        if entry.kind == .step {
            steps += 1
            byOutcome[entry.outcome, default: 0] += 1
        }
        for r in entry.rules { byRule[r, default: 0] += 1 }
        if let f = step?.action.firearm {
            let outcome = entry.outcome
            firearms[f, default: (0, 0, 0)].entries += 1
            if outcome == .refused { firearms[f]!.refused += 1 }
            if outcome == .alarm { firearms[f]!.alarms += 1 }
        }
        if let l = step?.action.lot { lots[l, default: 0] += 1 }
        let line = Self.line(entry, step)
        if entry.kind == .step, entry.outcome == .alarm {
            alarms += 1
            if entry.rules.contains(.fa7) { critical += 1 }
            alarmLines.append(line)
        }
        if entry.kind == .step, entry.outcome == .refused {
            refused += 1
            refusedLines.append(line)
        }
        timeline.append(line)
    }

    static func line(_ e: LogEntry, _ step: Step?) -> String {
        var what = e.kind.rawValue
        if let step {
            what = step.action.name
            if let f = step.action.firearm { what += " " + f }
            if let l = step.action.lot { what += " " + l }
        }
        let rules = e.rules.isEmpty ? "" : " [" + e.rules.map(\.rawValue).joined(separator: ",") + "]"
        return "  #\(e.index)  \(e.at)  \(e.by ?? "-")  \(what)  \(e.outcome.rawValue)\(rules)  \(e.message)\n"
    }
}

/// The bundle formats (docs/FORMAT.md): 1 holds an inclusion proof for every entry in
/// scope; 2 holds none for a whole log, whose entries the tree proves complete and
/// unaltered by itself; 3, what new bundles are, as 2 but proves a day's or a firearm's
/// entries with one range proof per run of consecutive entries, not one proof each.
public enum BundleFormat {
    /// The formats a verifier reads, and the one new bundles are written in.
    public static let all = 1...3
    public static let current = 3
    /// The manifest's `format`, `armory-bundle/v<N>`.
    public static func name(_ format: Int) -> String { "armory-bundle/v\(format)" }

    /// How a bundle proves its in-scope entries beyond the tree.
    public enum Proofs: Sendable, Equatable {
        /// No proofs: the whole log, proven by its tree.
        case none
        /// `proofs/<index>.tlog-proof` for each in-scope entry.
        case perEntry
        /// `proofs/<first>-<last>.range-proof` for each run of consecutive in-scope entries.
        case perRange
    }

    public static func proofs(format: Int, scope: EvidenceScope) -> Proofs {
        if format == 1 { return .perEntry }
        if case .all = scope { return .none }
        return format == 2 ? .perEntry : .perRange
    }
}

/// The parts of a bundle that are derived from its verified entries: the manifest and
/// the human-readable report. `armory verify` regenerates both and requires them to
/// match byte for byte (the report's long sections by their digest), so neither can be
/// edited to say something the log does not.
public struct EvidenceReport<Lines: ReportLines> {
    public let tally: EvidenceTally<Lines>
    public let header: ProductionHeader
    /// The production's state after the last covered entry.
    public let finalState: ProductionState
    public let origin: String
    public let coveredSize: Int
    public let rootBase64: String
    public let latestSize: Int
    /// Names of the keys that signed the covered checkpoint (log first, then witnesses).
    public let signers: [String]
    public let format: Int

    public init(tally: EvidenceTally<Lines>, header: ProductionHeader, finalState: ProductionState, origin: String, coveredSize: Int,
                rootBase64: String, latestSize: Int, signers: [String], format: Int = BundleFormat.current) {
        self.tally = tally
        self.header = header
        self.finalState = finalState
        self.origin = origin
        self.coveredSize = coveredSize
        self.rootBase64 = rootBase64
        self.latestSize = latestSize
        self.signers = signers
        self.format = format
    }

    public var scope: EvidenceScope { tally.scope }

    func count(_ n: Int) -> JSON { .number(Double(n), isInteger: true) }

    /// `manifest.json` (docs/FORMAT.md), canonical and newline-terminated.
    public var manifest: String {
        func counts<Key: RawRepresentable<String>>(_ d: [Key: Int]) -> JSON {
            .object(d.map { ($0.key.rawValue, count($0.value)) }.sorted { $0.0 < $1.0 })
        }
        let state = finalState
        let firearmJSON: JSON = .object(tally.firearms.keys.sorted().map { id in
            let c = tally.firearms[id]!
            let f = state.firearm(id)
            return (id, .object([("entries", count(c.entries)), ("refused", count(c.refused)), ("alarms", count(c.alarms)),
                                 ("custodian", f?.custodian.map { .string($0) } ?? .null),
                                 ("frozen", .bool(f?.frozen ?? false))]))
        })
        let lotJSON: JSON = .object(tally.lots.keys.sorted().map { id in
            let l = state.lot(id)
            let inFirearms = state.firearms.values.reduce(0) { $0 + $1.rounds(of: id) }
            return (id, .object([("entries", count(tally.lots[id]!)), ("kind", .string(l?.kind.rawValue ?? "")),
                                 ("received", count(l?.received ?? 0)), ("box", count(l?.box ?? 0)),
                                 ("in_firearms", count(inFirearms)), ("fired", count(l?.fired ?? 0)),
                                 ("quarantined", .bool(l?.quarantined ?? false)), ("frozen", .bool(l?.frozen ?? false))]))
        })
        let json: JSON = .object([
            ("format", .string(BundleFormat.name(format))),
            ("origin", .string(origin)),
            ("production", .string(header.title)),
            ("scope", scope.json),
            ("covers", .object([("size", count(coveredSize)), ("root", .string(rootBase64))])),
            ("latest_size", count(latestSize)),
            ("signed_by", .array(signers.map { .string($0) })),
            ("in_scope", .object([("count", count(tally.inScope)),
                                  ("indices", .array(tally.selected.map { .array([count($0.lowerBound), count($0.upperBound)]) }))])),
            ("by_kind", counts(tally.byKind)),
            ("by_outcome", counts(tally.byOutcome)),
            ("by_rule", counts(tally.byRule)),
            ("firearms", firearmJSON),
            ("lots", lotJSON),
        ])
        return json.compactText + "\n"
    }

    /// How the bundle proves its in-scope entries beyond the tree.
    public var proofs: BundleFormat.Proofs { BundleFormat.proofs(format: format, scope: scope) }

    /// The bundle's proof files, in order.
    public var proofFiles: [String] {
        switch proofs {
        case .none: []
        case .perEntry: tally.positions.map { "proofs/\($0).tlog-proof" }
        case .perRange: tally.selected.map(RangeProof.fileName)
        }
    }

    /// A piece of `report.txt`: text, or one of the long sections.
    public enum Piece {
        case text(String)
        case lines(Lines)
    }

    /// `report.txt`, what a producer, insurer or investigator reads first, in pieces.
    public var pieces: [Piece] {
        var out = "ARMORY EVIDENCE REPORT\n\n"
        out += "Production:  \(header.title) (\(header.timezone))\n"
        out += "Scope:       \(scope)\n"
        out += "Log:         \(origin), \(coveredSize) entries, root \(rootBase64)\n"
        out += "Signed by:   \(signers.joined(separator: ", "))\n"
        if latestSize > coveredSize { out += "Published:   consistent with the later checkpoint of \(latestSize) entries\n" }
        out += "In scope:    \(tally.inScope) entries: \(tally.steps) steps, \(tally.refused) refused, \(tally.alarms) alarms\n"
        var pieces: [Piece] = []
        if !tally.alarmLines.isEmpty {
            pieces += [.text(out + "\nALARMS\n"), .lines(tally.alarmLines)]
            out = ""
        }
        if !tally.refusedLines.isEmpty {
            pieces += [.text(out + "\nREFUSED\n"), .lines(tally.refusedLines)]
            out = ""
        }
        pieces += [.text(out + "\nTIMELINE\n"), .lines(tally.timeline)]
        out = "\nFIREARMS AT THE END OF THE COVERED LOG\n"
        let state = finalState
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
        pieces.append(.text(out))
        return pieces
    }
}

extension EvidenceReport where Lines == ReportText {
    /// `report.txt` whole.
    public var text: String {
        pieces.map { piece in
            switch piece {
            case .text(let t): t
            case .lines(let l): l.text
            }
        }.joined()
    }
}
