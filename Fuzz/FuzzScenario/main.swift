// A scenario file (`armory replay FILE`, `armory import`): what Scenario(bytes:) reads is
// written back (Scenario.json) to canonical bytes that read again to the same canonical
// bytes; each step that decodes round-trips as in FuzzStep and Limits.check never traps;
// and replaying the whole day never traps and decides the same way twice.
import ArmoryCore
import FuzzSupport

@main
enum FuzzMain {
    static func main() { runFuzzing(checkInput) }
}

/// The properties every input is held to.
func checkInput(_ bytes: [UInt8]) {
    let scenario: Scenario
    do { scenario = try Scenario(bytes: bytes) } catch { _ = error.description; return }
    let canonical = scenario.json.compactBytes
    let again: Scenario
    do { again = try Scenario(bytes: canonical) } catch {
        violated("a scenario's canonical text does not read back (\(error)): \(show(canonical))")
    }
    require(again.json.compactBytes == canonical, "a scenario's canonical text is not a fixed point: \(show(canonical))")
    require(again.people == scenario.people && again.policy == scenario.policy && again.title == scenario.title
            && again.timezone == scenario.timezone, "people, policy or production changed on the way back")
    for json in scenario.steps {
        _ = try? Limits.check(step: json)
        guard let step = try? Step(json: json) else { continue }
        let text = step.json.compactBytes
        guard let reparsed = try? JSON.parse(text), let back = try? Step(json: reparsed) else {
            violated("a step's canonical text does not decode: \(show(text))")
        }
        require(back == step && back.at.text == step.at.text && back.json.compactBytes == text,
                "a step does not survive its canonical text: \(show(text))")
    }
    let first = try? scenario.run()
    let second = try? scenario.run()
    switch (first, second) {
    case (nil, nil): break
    case let (a?, b?):
        require(a.steps.count == scenario.steps.count, "a replay that succeeds decides every step")
        require(a.finalState == b.finalState && a.steps.map(\.decision) == b.steps.map(\.decision), "the same scenario replayed twice decides differently")
        for (k, r) in a.steps.enumerated() { _ = r.decision.jsonLine(step: k + 1) }
    default: violated("the same scenario replayed twice: once it fails, once it does not")
    }
}

