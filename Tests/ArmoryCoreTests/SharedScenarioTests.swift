import ArmoryCore
import Foundation
import Testing

/// The worked days beside PROTOCOL.md (`../shared/scenarios`) and the project's own
/// example days (`scenarios/`) must replay to their expected decisions exactly
/// (step, outcome and rules; messages are free text).
struct ScenarioFileTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let shared = repository.deletingLastPathComponent().appendingPathComponent("shared/scenarios")
    static let examples = repository.appendingPathComponent("scenarios")
    /// CI always has `../shared`; a user's clone may not, and then only the examples run.
    static let sharedPresent = FileManager.default.fileExists(atPath: shared.path) || ProcessInfo.processInfo.environment["CI"] != nil

    static func scenarios(in dir: URL) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return names.filter { $0.hasSuffix(".json") }.map { dir.appendingPathComponent($0).path }.sorted()
    }

    static func check(_ path: String) throws {
        let expectedPath = String(path.dropLast(".json".count)) + ".expected.jsonl"
        let expectedText = try String(contentsOfFile: expectedPath, encoding: .utf8)
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        let result = try Scenario(bytes: bytes).run()
        let expected = expectedText.split(separator: "\n").filter { !$0.isEmpty }
        try #require(result.steps.count == expected.count, "\(path): \(result.steps.count) steps, expected \(expected.count)")
        for (k, line) in expected.enumerated() {
            let want = try JSON.parse(String(line))
            let got = try JSON.parse(result.steps[k].decision.jsonLine(step: k + 1))
            #expect(got["step"] == want["step"] && got["outcome"] == want["outcome"] && got["rules"] == want["rules"],
                    "\(URL(fileURLWithPath: path).lastPathComponent) step \(k + 1): got \(got["outcome"]!) \(got["rules"]!), want \(want["outcome"]!) \(want["rules"]!): \(result.steps[k].decision.message)")
        }
    }

    @Test(.enabled(if: sharedPresent), arguments: scenarios(in: shared))
    func sharedScenarioMatchesExpected(path: String) throws {
        try Self.check(path)
    }

    @Test func sharedScenariosArePresentInCI() {
        if ProcessInfo.processInfo.environment["CI"] != nil {
            #expect(Self.scenarios(in: Self.shared).count >= 3, "CI runs with ../shared beside the clone; found \(Self.shared.path) empty")
        }
    }

    @Test(arguments: scenarios(in: examples))
    func exampleScenarioMatchesExpected(path: String) throws {
        try Self.check(path)
    }

    @Test func projectShipsExampleDays() {
        #expect(Self.scenarios(in: Self.examples).count >= 3)
    }
}
