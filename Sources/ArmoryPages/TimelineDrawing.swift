import ArmoryCore
import ArmoryLedger
import ArmoryStore
import Foundation

/// The incident timeline of one day as SVG: a lane per firearm and per person, custody
/// spans as bars, and a mark for every entry (loads, show-clears, meetings, handovers,
/// shots, refusals and alarms), each linking to its entry and inclusion proof. Refusals
/// and alarms are drawn largest, in red, so a chain of failures shows at a glance.
struct TimelineDrawing {
    let production: String
    let entries: [StoredEntry]
    let pxPerMinute: Double
    /// Who held each firearm when the day began, from the entries before it.
    var openingCustodians: [String: String] = [:]

    /// The firearms a step's body names (`firearm`, then `firearms`), in order.
    static func firearms(namedIn body: JSON) -> [String] {
        [body["firearm"]?.stringValue].compactMap { $0 } + (body["firearms"]?.arrayValue ?? []).compactMap(\.stringValue)
    }

    /// Who holds the firearms a recorded entry names once it is done, when the entry moves
    /// custody: `.some(nil)` when no one does (returned, handed to investigators); nil when
    /// custody did not move (or the command was refused).
    static func custodyChange(_ entry: LogEntry, _ body: JSON) -> String?? {
        guard entry.outcome != .refused else { return nil }
        if entry.kind == .transfer { return .some(nil) }
        switch body["do"]?.stringValue {
        case "receive_firearm": return .some(entry.by)
        case "hand_over": return .some(body["to"]?.stringValue)
        case "return_firearm": return .some(nil)
        default: return nil
        }
    }

    /// Who held a firearm after `entries` (its history before the day), or nil if no one did.
    static func custodian(after entries: [StoredEntry]) -> String? {
        var holder: String?
        for e in entries {
            if let change = custodyChange(e.entry, (try? JSON.parse(e.entry.body)) ?? .object([])) { holder = change }
        }
        return holder
    }

    /// Pixels per minute that fit the day's entries in about 1,000 pixels.
    static func fitting(_ entries: [StoredEntry]) -> Double {
        let minutes = entries.map { minute($0.entry.at) }
        let span = (minutes.max() ?? 60) - (minutes.min() ?? 0) + 20
        return max(1, min(16, (1000 / span).rounded(.down)))
    }

    struct Mark {
        let index: Int
        let minute: Double
        let lane: String
        let entry: LogEntry
        let action: String
    }

    static let laneHeight = 46.0
    static let left = 150.0
    static let top = 40.0

    static let legend = """
    <span>■ custody: who holds a firearm</span><span>● step recorded</span><span>◆ safety meeting</span><span>▲ alarm</span>\
    <span>✖ refused command</span><span>Hover or focus a mark for its entry; follow it for the entry and its proof.</span>
    """

    /// Minutes since local midnight, as the person wrote the time.
    static func minute(_ at: String) -> Double {
        let chars = Array(at)
        guard chars.count >= 19 else { return 0 }
        func num(_ a: Int, _ b: Int) -> Double { Double(String(chars[a..<b])) ?? 0 }
        return num(11, 13) * 60 + num(14, 16) + num(17, 19) / 60
    }

    func svg() -> String {
        var firearmLanes: [String] = []
        var personLanes: [String] = []
        var marks: [Mark] = []
        var spans: [(firearm: String, person: String, from: Double, to: Double?)] = []
        func lane(_ list: inout [String], _ name: String) { if !list.contains(name) { list.append(name) } }
        for e in entries {
            let body = (try? JSON.parse(e.entry.body)) ?? .object([])
            let action = body["do"]?.stringValue ?? e.entry.kind.rawValue
            let t = Self.minute(e.entry.at)
            let firearms = Self.firearms(namedIn: body)
            for f in firearms {
                if !firearmLanes.contains(f), let holder = openingCustodians[f] { spans.append((f, holder, 0, nil)) }
                lane(&firearmLanes, f)
                marks.append(Mark(index: e.index, minute: t, lane: "firearm:" + f, entry: e.entry, action: action))
            }
            let person = e.entry.by ?? "anonymous"
            lane(&personLanes, person)
            marks.append(Mark(index: e.index, minute: t, lane: "person:" + person, entry: e.entry, action: action))
            if action == "safety_meeting", e.entry.outcome != .refused {
                for a in (body["attendees"]?.arrayValue ?? []).compactMap(\.stringValue) where a != person {
                    lane(&personLanes, a)
                    marks.append(Mark(index: e.index, minute: t, lane: "person:" + a, entry: e.entry, action: action))
                }
            }
            if let to = body["to"]?.stringValue, action == "hand_over" { lane(&personLanes, to) }
            // Custody: who holds each firearm, from the recorded (not refused) steps.
            if let change = Self.custodyChange(e.entry, body) {
                for f in firearms {
                    if let open = spans.lastIndex(where: { $0.firearm == f && $0.to == nil }) { spans[open].to = t }
                    if let holder = change { spans.append((f, holder, t, nil)) }
                }
            } else if e.entry.outcome != .refused, let f = firearms.first, !spans.contains(where: { $0.firearm == f }), let by = e.entry.by,
                      ["load", "unload", "show_clear", "inspect_firearm", "declare", "store"].contains(action) {
                // The day's first sight of a firearm already held: its custodian acts on it.
                spans.append((f, by, 0, nil))
            }
        }
        let lanes = firearmLanes.map { "firearm:" + $0 } + personLanes.map { "person:" + $0 }
        let start = max(0, floor(((marks.map(\.minute).min() ?? 0) - 10) / 10) * 10)
        let end = ceil(((marks.map(\.minute).max() ?? 60) + 10) / 10) * 10
        let width = Self.left + (end - start) * pxPerMinute + 20
        let height = Self.top + Double(lanes.count) * Self.laneHeight + 20
        func x(_ m: Double) -> Double { Self.left + (max(m, start) - start) * pxPerMinute }
        func y(_ lane: String) -> Double { Self.top + Double(lanes.firstIndex(of: lane) ?? 0) * Self.laneHeight + Self.laneHeight / 2 }
        func f1(_ v: Double) -> String { String(Double(Int(v * 10)) / 10) }
        let refusals = entries.filter { $0.entry.outcome == .refused }.count
        let alarms = entries.filter { $0.entry.outcome == .alarm }.count
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"timeline-svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" "
            + "role=\"img\" aria-labelledby=\"tl-title tl-desc\" font-family=\"system-ui, sans-serif\" font-size=\"13\">"
            + "<title id=\"tl-title\">Timeline of the day</title><desc id=\"tl-desc\">\(entries.count) entries on \(firearmLanes.count) firearm lanes and \(personLanes.count) person lanes: "
            + "\(refusals) refused commands, \(alarms) alarms.</desc><rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>"
        // Lanes.
        for (i, l) in lanes.enumerated() {
            let ly = Self.top + Double(i) * Self.laneHeight
            out += "<rect x=\"0\" y=\"\(f1(ly))\" width=\"\(Int(width))\" height=\"\(Self.laneHeight)\" fill=\"\(i % 2 == 0 ? "#f2f2f2" : "#ffffff")\"/>"
            let isFirearm = l.hasPrefix("firearm:")
            let name = isFirearm ? String(l.dropFirst(8)) : String(l.dropFirst(7))
            out += "<text x=\"8\" y=\"\(f1(ly + Self.laneHeight / 2 + 5))\" font-weight=\"700\" fill=\"\(isFirearm ? "#8b0000" : "#000")\">\(isFirearm ? "FIREARM " : "")\(htmlEscape(name))</text>"
        }
        // Time axis: ticks every minute when zoomed in far enough.
        let step: Double = pxPerMinute >= 12 ? 1 : pxPerMinute >= 4 ? 5 : pxPerMinute >= 1.5 ? 15 : 60
        var m = (start / step).rounded(.up) * step
        while m <= end {
            let tx = x(m)
            let label = String(format2(Int(m) / 60 % 24)) + ":" + String(format2(Int(m) % 60))
            out += "<line x1=\"\(f1(tx))\" y1=\"\(Self.top - 6)\" x2=\"\(f1(tx))\" y2=\"\(f1(height - 20))\" stroke=\"#bbb\" stroke-width=\"1\"/>"
            if Int(m) % Int(max(step, pxPerMinute >= 12 ? 5 : step)) == 0 || pxPerMinute >= 30 {
                out += "<text x=\"\(f1(tx))\" y=\"\(Self.top - 12)\" text-anchor=\"middle\" fill=\"#000\">\(label)</text>"
            }
            m += step
        }
        // Custody spans.
        let palette = ["#1f4e9e", "#0a6b3a", "#7a3b96", "#8a5a00", "#00666b", "#5b5b5b"]
        var colours: [String: String] = [:]
        for s in spans {
            let colour = colours[s.person] ?? palette[colours.count % palette.count]
            colours[s.person] = colour
            let x0 = x(s.from), x1 = x(s.to ?? end)
            let ly = y("firearm:" + s.firearm)
            out += "<rect x=\"\(f1(x0))\" y=\"\(f1(ly - 15))\" width=\"\(f1(max(2, x1 - x0)))\" height=\"30\" rx=\"4\" fill=\"\(colour)\" fill-opacity=\"0.22\" stroke=\"\(colour)\" stroke-width=\"2\">"
                + "<title>held by \(htmlEscape(s.person))</title></rect>"
            if x1 - x0 > 60 { out += "<text x=\"\(f1(x0 + 4))\" y=\"\(f1(ly - 18))\" fill=\"\(colour)\" font-size=\"11\" font-weight=\"700\">\(htmlEscape(s.person))</text>" }
        }
        // Marks: refusals and alarms last, on top.
        let ordered = marks.sorted { rank($0) < rank($1) }
        for mark in ordered {
            let cx = x(mark.minute), cy = y(mark.lane)
            let e = mark.entry
            let tip = "\(e.at.dropFirst(11).prefix(5)) \(mark.action) by \(e.by ?? "anonymous"): \(e.outcome.rawValue)"
                + (e.rules.isEmpty ? "" : " \(e.rules.map(\.rawValue).joined(separator: ", "))") + " — \(e.message)"
            out += "<a href=\"/p/\(htmlEscape(urlEncode(production)))/entry/\(mark.index)\" aria-label=\"\(htmlEscape("entry \(mark.index): " + tip))\"><title>\(htmlEscape("entry \(mark.index): " + tip))</title>"
            switch (e.outcome, mark.action) {
            case (.refused, _):
                out += "<path d=\"M\(f1(cx - 9)),\(f1(cy - 9))L\(f1(cx + 9)),\(f1(cy + 9))M\(f1(cx + 9)),\(f1(cy - 9))L\(f1(cx - 9)),\(f1(cy + 9))\" stroke=\"#c00000\" stroke-width=\"5\" class=\"mark refused\"/>"
            case (.alarm, _):
                let critical = e.rules.contains(.fa7)
                let r = critical ? 14.0 : 11.0
                out += "<path d=\"M\(f1(cx)),\(f1(cy - r))L\(f1(cx + r)),\(f1(cy + r * 0.8))L\(f1(cx - r)),\(f1(cy + r * 0.8))Z\" fill=\"\(critical ? "#c00000" : "#e07000")\" stroke=\"#000\" stroke-width=\"2\" class=\"mark alarm\"/>"
            case (_, "safety_meeting"):
                out += "<path d=\"M\(f1(cx)),\(f1(cy - 8))L\(f1(cx + 8)),\(f1(cy))L\(f1(cx)),\(f1(cy + 8))L\(f1(cx - 8)),\(f1(cy))Z\" fill=\"#6a1b9a\" class=\"mark\"/>"
            default:
                let colour = ["load": "#1f4e9e", "unload": "#1f4e9e", "show_clear": "#0a6b3a", "hand_over": "#000", "fire": "#8a5a00"][mark.action] ?? "#555"
                out += "<circle cx=\"\(f1(cx))\" cy=\"\(f1(cy))\" r=\"6\" fill=\"\(colour)\" class=\"mark\"/>"
            }
            out += "</a>"
        }
        return out + "</svg>"
    }

    func rank(_ m: Mark) -> Int { m.entry.outcome == .ok ? 0 : m.entry.outcome == .alarm ? 2 : 1 }

    func format2(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }

    /// The same failures as a table, for reading aloud and for print.
    func failuresTable(_ table: String) -> String {
        "<h2>Refusals and alarms, in order</h2>" + table
    }
}
