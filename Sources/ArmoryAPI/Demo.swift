import ArmoryCore
import ArmoryLedger
import Foundation

/// The demo production `armory serve --demo` opens: the generated crew, two revolvers,
/// yesterday's clean day (wrapped and signed) and today's day in progress, timed so that
/// today's last step was five minutes ago and each day keeps to its own date.
public enum Demo {
    public static let productionID = "demo"

    public static var people: [Person] { ScenarioGenerator.people }

    /// The demo's log, signed by `signer`, as of `now`.
    public static func log(now: Date, signer: NoteSigner?) throws -> ProductionLog {
        let generator = ScenarioGenerator(seed: 1)
        let yesterday = generator.cleanDays(1..<2)
        // Today: ammunition received and inspected, meetings held, the first take done and
        // the second revolver loaded and handed to talent.
        let today = Array(generator.cleanDays(2..<3).prefix(22))
        let zone = TimeZone(identifier: "America/Denver")!
        let offset = Int16(zone.secondsFromGMT(for: now) / 60)
        let seconds = Int64(now.timeIntervalSince1970)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let midnight = Int64(calendar.startOfDay(for: now).timeIntervalSince1970)
        // Each day keeps to its own date in the production's zone (the dashboard and the
        // report show one date). Today's steps end five minutes ago; just after midnight,
        // when today so far is shorter than they are, they are spread over it.
        let (first, span) = (today[0].at.seconds, max(1, today.last!.at.seconds - today[0].at.seconds))
        let room = seconds - 60 - midnight
        let todayAt: (Int64) -> Int64 = seconds - 300 - span >= midnight || room < Int64(today.count)
            ? { seconds - 300 - span + ($0 - first) }
            : { midnight + ($0 - first) * room / span }
        // Yesterday's steps at the same time of day, or ending an hour before midnight, and
        // never before a quarter past yesterday's midnight: the production is opened ten
        // minutes before its first step, and that too is yesterday.
        let yesterdayFirst = yesterday[0].at.seconds, yesterdaySpan = yesterday.last!.at.seconds - yesterdayFirst
        let yesterdayMidnight = Int64(calendar.date(byAdding: .day, value: -1, to: calendar.startOfDay(for: now))!.timeIntervalSince1970)
        let yesterdayStart = max(yesterdayMidnight + 900, min(todayAt(first) - 86_400, midnight - 3600 - yesterdaySpan))
        func at(_ s: Step, _ t: Int64) -> Step { Step(at: Timestamp(seconds: t, offsetMinutes: offset), by: s.by, action: s.action) }
        let steps = yesterday.map { at($0, yesterdayStart + ($0.at.seconds - yesterdayFirst)) } + today.map { at($0, todayAt($0.at.seconds)) }
        var log = ProductionLog(productionID: productionID,
                                header: ProductionHeader(title: "Dry Creek (demo)", timezone: zone.identifier, people: people),
                                openedAt: Timestamp(seconds: steps[0].at.seconds - 600, offsetMinutes: offset))
        for s in steps { try log.record(s, signer: signer) }
        return log
    }
}
