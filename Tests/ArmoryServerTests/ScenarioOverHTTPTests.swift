import ArmoryCore
import ArmoryLedger
import Foundation
import HummingbirdTesting
import Testing

/// The worked days, replayed step by step over HTTP (each step by its own signed-in person,
/// anonymous concerns through the anonymous route), give exactly the decisions of
/// `armory replay`: the expected files beside them.
struct ScenarioOverHTTPTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let shared = repository.deletingLastPathComponent().appendingPathComponent("shared/scenarios")
    static let examples = repository.appendingPathComponent("scenarios")

    static func scenarios() -> [String] {
        [shared, examples].flatMap { dir in
            ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []).filter { $0.hasSuffix(".json") }.map { dir.appendingPathComponent($0).path }
        }.sorted()
    }

    @Test func everySharedScenarioIsHere() {
        if ProcessInfo.processInfo.environment["CI"] != nil { #expect(Self.scenarios().count >= 6) }
    }

    @Test(arguments: scenarios())
    func replayedOverHTTPGivesTheSameDecisions(path: String) async throws {
        let scenario = try Scenario(bytes: [UInt8](Data(contentsOf: URL(fileURLWithPath: path))))
        let expected = try String(contentsOfFile: String(path.dropLast(5)) + ".expected.jsonl", encoding: .utf8)
            .split(separator: "\n").map { try JSON.parse(String($0)) }
        let h = try Harness()
        let first = Timestamp(rfc3339: scenario.steps[0]["at"]!.stringValue!)!
        try await h.production("p", people: scenario.people, policy: scenario.policy, openedAt: first)
        try await h.app.test(.router) { client in
            var tokens: [String: String] = [:]
            for p in scenario.people { tokens[p.id] = try await client.signIn("p", p.id) }
            // A step's number in the file, and its entry index in the log: a PIN issued adds an
            // entry, so an `acknowledge` names the alarm by the index the server gave it.
            var entryIndex: [Int: Int] = [:]
            var pinsIssued = 0
            for (k, step) in scenario.steps.enumerated() {
                guard case var .object(members) = step else { throw CancellationError() }
                if let n = members.firstIndex(where: { $0.key == "alarm" }), case let .number(v, _) = members[n].value,
                   let index = entryIndex[Int(v)] {
                    members[n].value = .number(Double(index), isInteger: true)
                }
                let by = step["by"]?.stringValue
                let answer: Answer
                if let by {
                    // The person comes from the session, not the body.
                    let body = JSON.object(members.filter { $0.key != "by" }).compactText
                    answer = try await client.call(.post, "/api/v1/productions/p/steps", token: tokens[by], body: body)
                } else {
                    // An anonymous concern takes the server's time: the server's clock stands at the step's.
                    let at = Timestamp(rfc3339: step["at"]!.stringValue!)!
                    h.clock.set(Date(timeIntervalSince1970: TimeInterval(at.seconds)))
                    let body = JSON.object(members.filter { ["text", "scene"].contains($0.key) }).compactText
                    answer = try await client.call(.post, "/api/v1/productions/p/concerns", body: body)
                    h.clock.set(nil)
                }
                if case let .number(index, _)? = answer.json["index"] { entryIndex[k + 1] = Int(index) }
                // Someone who joins signs in with a one-time PIN a producer issues (ROLE-3).
                if step["do"]?.stringValue == "join", answer.json["outcome"] == .string("ok"), let person = step["person"]?.stringValue,
                   let producer = tokens.first(where: { id, _ in scenario.people.contains { $0.id == id && $0.roles.contains(.producer) } })?.value {
                    let pin = try await client.call(.post, "/api/v1/productions/p/people/\(person)/pin", token: producer)
                    if pin.status == 201 { pinsIssued += 1 }
                    let signIn = try await client.call(.post, "/api/v1/productions/p/sign-in",
                                                       body: JSON.object([("person", .string(person)), ("pin", pin.json["pin"] ?? .null)]).compactText)
                    tokens[person] = signIn.json["token"]?.stringValue
                    #expect(tokens[person] != nil, "\(person) joined but could not sign in: \(pin.text) \(signIn.text)")
                }
                let want = expected[k]
                let wantStatus = want["outcome"] == .string("refused") ? 409 : 201
                #expect(answer.status == wantStatus && answer.json["outcome"] == want["outcome"] && answer.json["rules"] == want["rules"],
                        "\(URL(fileURLWithPath: path).lastPathComponent) step \(k + 1): \(answer.status) \(answer.text), want \(want.compactText)")
            }
            // The stored log replays to the same decisions, and every entry is readable back.
            let entries = try await client.call(.get, "/api/v1/productions/p/entries?from=1&limit=1000", token: tokens[scenario.people[0].id])
            #expect(entries.json.arrayValue?.count == scenario.steps.count + pinsIssued)
        }
    }
}
