import ArmoryCore
import ArmoryLedger
import Foundation
import Testing

@testable import ArmoryServer

/// The demo's two days each keep to their own date in the production's zone, whenever
/// `armory serve --demo` is first run, and today's last step is never in the future.
struct DemoTests {
    @Test(arguments: ["00:02:00", "00:10:00", "00:26:00", "00:40:00", "07:15:00", "12:00:00", "23:59:30"])
    func eachDayKeepsToItsDate(localTime: String) throws {
        let nowAt = Timestamp(rfc3339: "2026-12-01T\(localTime)-07:00")!
        let log = try Demo.log(now: Date(timeIntervalSince1970: TimeInterval(nowAt.seconds)), signer: nil)
        let entries = try log.entries.dropFirst().map { try LogEntry(decoding: $0) }
        let today = entries.suffix(22), yesterday = entries.dropLast(22)
        #expect(!yesterday.isEmpty)
        #expect(today.allSatisfy { $0.at.hasPrefix("2026-12-01") }, "today: \(today.map(\.at))")
        #expect(yesterday.allSatisfy { $0.at.hasPrefix("2026-11-30") }, "yesterday: \(yesterday.map(\.at))")
        #expect(Timestamp(rfc3339: today.last!.at)!.seconds < nowAt.seconds)
        #expect(entries.allSatisfy { $0.outcome != .refused }, "the demo's days are clean")
    }
}
