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

    /// The in-scope entries' positions. The production header is always in scope: it says
    /// who was who and under which policy.
    public func select(_ replay: LogReplay) -> [Int] {
        var chosen: [Int] = []
        var chosenSet = Set<Int>()
        for (k, item) in replay.entries.enumerated() {
            let entry = item.entry
            var take: Bool
            switch self {
            case .all:
                take = true
            case .day(let d):
                take = entry.kind == .production || entry.at.hasPrefix(d + "T") || entry.at.hasPrefix(d + "t")
            case .firearm(let f):
                switch entry.kind {
                case .production: take = true
                case .step: take = item.step?.action.firearm == f
                case .transfer: take = entry.body.contains("\"\(f)\"")
                case .correction, .pin: take = false
                }
            }
            if !take, entry.kind == .correction, case let .number(n, _)? = (try? JSON.parse(entry.body))?["corrects"] {
                take = Int(exactly: n).map(chosenSet.contains) ?? false
            }
            if take {
                chosen.append(k)
                chosenSet.insert(k)
            }
        }
        return chosen
    }
}

/// Inclusive ranges of sorted indices, for compact listings: [0, 1, 2, 5] gives [0...2, 5...5].
func ranges(_ sorted: [Int]) -> [ClosedRange<Int>] {
    var out: [ClosedRange<Int>] = []
    for i in sorted {
        if let last = out.last, last.upperBound + 1 == i { out[out.count - 1] = last.lowerBound...i } else { out.append(i...i) }
    }
    return out
}
