import ArmoryCore
import ArmoryLedger
import ArmoryStore
import Foundation
import Testing

@testable import ArmoryAPI
@testable import ArmoryPages

/// The timeline draws who held each firearm from the start of the day, marks every entry
/// with a link to it, and draws refusals and alarms as such.
struct TimelineTests {
    @Test func aDayStartsWithWhoeverHeldTheFirearmTheDayBefore() throws {
        let log = try Demo.log(now: Date(timeIntervalSince1970: 1_780_000_000), signer: nil)
        let entries = try log.entries.all!.enumerated().map { try StoredEntry(index: $0.offset, entry: LogEntry(decoding: $0.element)) }
        // The second day begins at its first ammunition receipt.
        let firstOfToday = entries.firstIndex { $0.entry.body.contains("\"do\":\"receive_ammo\"") && $0.entry.body.contains("D2") }!
        let yesterday = Array(entries[..<firstOfToday]), today = Array(entries[firstOfToday...])
        let colt1 = yesterday.filter { $0.entry.body.contains("\"firearm\":\"colt-1\"") }
        #expect(TimelineDrawing.custodian(after: colt1) == "ana")
        let svg = TimelineDrawing(production: "demo", entries: today, pxPerMinute: 4).svg()
        #expect(svg.components(separatedBy: "<a href=\"/p/demo/entry/").count - 1 >= today.count)
        #expect(!svg.contains("class=\"mark refused\""), "the demo's day has no refusal")
        // A day whose first word on a firearm is a handover: the span before it is the opening custodian's.
        let handover = [StoredEntry(index: 9, entry: LogEntry(index: 9, kind: .step, at: "2026-03-03T09:00:00-07:00", by: "ana",
                                                             body: #"{"do":"hand_over","firearm":"colt-1","to":"ben","scene":"4"}"#, message: "handed over"))]
        var drawing = TimelineDrawing(production: "demo", entries: handover, pxPerMinute: 4)
        #expect(!drawing.svg().contains("<title>held by ana</title>"))
        drawing.openingCustodians = ["colt-1": "ana"]
        #expect(drawing.svg().contains("<title>held by ana</title>") && drawing.svg().contains("<title>held by ben</title>"))
    }

    @Test func refusalsAndAlarmsAreMarkedAsSuch() throws {
        let entries = [
            StoredEntry(index: 5, entry: LogEntry(index: 5, kind: .step, at: "2021-10-21T12:40:00-06:00", by: "han",
                                                  body: #"{"do":"load","firearm":"p-45","lot":"M1","rounds":6,"scene":"c"}"#,
                                                  outcome: .refused, rules: [.ammo2], message: "not verified")),
            StoredEntry(index: 6, entry: LogEntry(index: 6, kind: .step, at: "2021-10-21T12:50:00-06:00", by: "cam",
                                                  body: #"{"do":"report_discharge","firearm":"p-45","injuries":true}"#,
                                                  outcome: .alarm, rules: [.fa7], message: "discharge")),
        ]
        let svg = TimelineDrawing(production: "rust", entries: entries, pxPerMinute: 4).svg()
        #expect(svg.contains("class=\"mark refused\"") && svg.contains("class=\"mark alarm\""))
        #expect(svg.contains("1 refused commands, 1 alarms"))
        #expect(svg.contains("/p/rust/entry/5") && svg.contains("/p/rust/entry/6"))
    }
}
