import ArmoryCore
import ArmoryLedger
import Foundation
import Testing

@testable import ArmoryAPI

/// The demo's two days each keep to their own date in the production's zone, whenever
/// `armory serve --demo` is first run, and today's last step is never in the future.
struct DemoTests {
    @Test(arguments: ["00:02:00", "00:10:00", "00:26:00", "00:40:00", "03:30:00", "07:15:00", "12:00:00", "23:59:30"])
    func eachDayKeepsToItsDate(localTime: String) throws {
        let nowAt = Timestamp(rfc3339: "2026-12-01T\(localTime)-07:00")!
        let log = try Demo.log(now: Date(timeIntervalSince1970: TimeInterval(nowAt.seconds)), signer: nil)
        let entries = try log.entries.all!.dropFirst().map { try LogEntry(decoding: $0) }
        let today = entries.suffix(22), yesterday = entries.dropLast(22)
        #expect(!yesterday.isEmpty)
        #expect(today.allSatisfy { $0.at.hasPrefix("2026-12-01") }, "today: \(today.map(\.at))")
        #expect(yesterday.allSatisfy { $0.at.hasPrefix("2026-11-30") }, "yesterday: \(yesterday.map(\.at))")
        // The production was opened yesterday too: the days it lists are exactly two.
        let opened = try LogEntry(decoding: log.entries.bytes(at: 0)!).at
        #expect(opened.hasPrefix("2026-11-30"), "opened \(opened)")
        #expect(Timestamp(rfc3339: today.last!.at)!.seconds < nowAt.seconds)
        #expect(entries.allSatisfy { $0.outcome != .refused }, "the demo's days are clean")
    }
}

/// "Now" in a production's zone is asked for on every step; the zone's offset is kept for a
/// quarter hour at most, so a change of offset (daylight saving) shows at once.
struct ZoneOffsetTests {
    @Test func anOffsetChangeShowsAtOnce() throws {
        let zones = ZoneBook()
        let denver = zones.zone(named: "America/Denver")
        // 2026-03-08 02:00 local, 09:00 UTC: Denver goes from -7 to -6 hours.
        let change = Timestamp(rfc3339: "2026-03-08T09:00:00Z")!.seconds
        func at(_ s: Int64) -> Date { Date(timeIntervalSince1970: TimeInterval(s)) }
        #expect(zones.offsetMinutes(of: denver, at: at(change - 1)) == -420)
        #expect(zones.offsetMinutes(of: denver, at: at(change - 1)) == -420)
        #expect(zones.offsetMinutes(of: denver, at: at(change)) == -360)
        #expect(zones.offsetMinutes(of: denver, at: at(change + 60)) == -360)
        #expect(zones.offsetMinutes(of: zones.zone(named: "Asia/Kathmandu"), at: at(change)) == 345)
    }
}
