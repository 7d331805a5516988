import ArmoryCore

/// What an evidence bundle is about: one shooting day, one firearm, or everything.
public enum EvidenceScope: Sendable, Equatable, CustomStringConvertible {
    /// Entries whose time, as written, falls on this local date (`YYYY-MM-DD`).
    case day(String)
    /// Entries about this firearm: its steps, transfers naming it, corrections of those.
    case firearm(String)
    /// The whole log.
    case all

    public var description: String {
        switch self {
        case .day(let d): return "day \(d)"
        case .firearm(let f): return "firearm \(f)"
        case .all: return "the whole log"
        }
    }

    public var json: JSON {
        switch self {
        case .day(let d): return .object([("day", .string(d))])
        case .firearm(let f): return .object([("firearm", .string(f))])
        case .all: return .object([("all", .bool(true))])
        }
    }

    /// Whether an entry is in scope, given which earlier positions are (`chosen`, asked only
    /// for a correction, which is in scope when what it corrects is). The production header
    /// is always in scope: it says who was who and under which policy.
    public func takes(_ entry: LogEntry, step: Step?, chosen: (Int) -> Bool) -> Bool {
        var take: Bool
        switch self {
        case .all:
            return true
        case .day(let d):
            take = entry.kind == .production || entry.at.hasPrefix(d + "T") || entry.at.hasPrefix(d + "t")
        case .firearm(let f):
            switch entry.kind {
            case .production: take = true
            case .step: take = step?.action.firearm == f
            case .transfer: take = entry.body.contains("\"\(f)\"")
            case .correction, .pin: take = false
            }
        }
        if !take, entry.kind == .correction, case let .number(n, _)? = (try? JSON.parse(entry.body))?["corrects"] {
            take = Int(exactly: n).map(chosen) ?? false
        }
        return take
    }
}
