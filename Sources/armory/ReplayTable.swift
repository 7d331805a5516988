import ArmoryCore

/// The readable form of a replay: one row per step, alarms marked so they stand out on a
/// terminal and on paper alike (a marker column, upper case, and colour on a terminal).
struct ReplayTable {
    let result: ReplayResult
    let title: String?
    let color: Bool

    func render() -> String {
        let header = ["STEP", "TIME", "WHO", "ACTION", "OUTCOME", "RULES", "MESSAGE"]
        var rows: [[String]] = []
        var shownDate: String?
        for (k, entry) in result.steps.enumerated() {
            let step = entry.step
            let d = entry.decision
            var what = step.action.name
            if let f = step.action.firearm { what += " " + f }
            if let l = step.action.lot { what += (step.action.firearm == nil ? " " : "/") + l }
            let outcome: String
            switch d.outcome {
            case .ok: outcome = "ok"
            case .refused: outcome = "REFUSED"
            case .alarm: outcome = d.isCritical ? "!! ALARM" : "!  ALARM"
            }
            // The date is shown on the first row and whenever the day changes.
            let date = step.at.localDate
            let time = date == shownDate ? step.at.localClock : date + " " + step.at.localClock
            shownDate = date
            // Ids, names and messages come from the scenario file: shown, never obeyed, by
            // the terminal (the colour codes below are the only escapes the table sends).
            rows.append([String(k + 1), time, printable(step.by ?? "(anonymous)"), printable(what), outcome,
                         d.rules.map(\.rawValue).joined(separator: ","), printable(d.message)])
        }
        var widths = header.map(\.count)
        for row in rows {
            for (c, cell) in row.enumerated() where c < header.count - 1 { widths[c] = max(widths[c], cell.count) }
        }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { c, cell in
                c == cells.count - 1 ? cell : cell + String(repeating: " ", count: widths[c] - cell.count)
            }.joined(separator: "  ")
        }
        var out = ""
        if let title { out += printable(title) + "\n\n" }
        out += line(header) + "\n"
        for (k, row) in rows.enumerated() {
            let text = line(row)
            switch result.steps[k].decision.outcome {
            case .ok: out += text
            case .refused: out += color ? "\u{1B}[33m" + text + "\u{1B}[0m" : text
            case .alarm: out += color ? "\u{1B}[1;31m" + text + "\u{1B}[0m" : text
            }
            out += "\n"
        }
        let counts = Dictionary(grouping: result.steps, by: { $0.decision.outcome }).mapValues(\.count)
        out += "\n\(result.steps.count) steps: \(counts[.ok] ?? 0) ok, \(counts[.refused] ?? 0) refused, \(counts[.alarm] ?? 0) alarms"
        let critical = result.steps.filter { $0.decision.isCritical }.count
        if critical > 0 { out += " (\(critical) critical: unplanned discharge)" }
        out += "\n"
        return out
    }
}
