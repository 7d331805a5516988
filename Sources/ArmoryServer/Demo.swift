import ArmoryCore
import ArmoryLedger
import Foundation

/// The demo production `armory serve --demo` opens: the generated crew, two revolvers,
/// yesterday's clean day (wrapped and signed) and today's day in progress, timed so that
/// today's last step was five minutes ago.
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
        let shift = Int64(now.timeIntervalSince1970) - 300 - today.last!.at.seconds
        func moved(_ s: Step) -> Step { Step(at: Timestamp(seconds: s.at.seconds + shift, offsetMinutes: offset), by: s.by, action: s.action) }
        let steps = (yesterday + today).map(moved)
        var log = ProductionLog(productionID: productionID,
                                header: ProductionHeader(title: "Dry Creek (demo)", timezone: zone.identifier, people: people),
                                openedAt: Timestamp(seconds: steps[0].at.seconds - 600, offsetMinutes: offset))
        for s in steps { try log.record(s, signer: signer) }
        return log
    }
}
