// One step as JSON (the API's POST body, a tablet form's fields, a scenario's step), or an
// evidence transfer's body: Limits.check never traps;
// a step that decodes is written canonically (Step.json), and that text parses and decodes
// to an equal step with the same time text and the same canonical bytes; bounds accepted
// as sent are accepted in canonical form; and the engine decides it without trapping.
// A transfer body that decodes round-trips through its canonical JSON the same way.
import ArmoryCore
import FuzzSupport

@main
enum FuzzMain {
    static func main() { runFuzzing(prepare: { _ = Fixtures.log }, checkInput) }
}

/// The properties every input is held to.
func checkInput(_ bytes: [UInt8]) {
    guard let json = try? JSON.parse(bytes) else { return }
    let withinLimits = (try? Limits.check(step: json)) != nil
    if case let .object(members) = json { for m in members { _ = Limits.describe(m.key) } }
    // The same for an evidence transfer's body (POST .../transfers, a transfer entry).
    _ = try? Limits.check(transfer: json)
    if let transfer = try? EvidenceTransfer(json: json, at: Fixtures.log.lastAt, by: "rosa") {
        let text = transfer.json.compactBytes
        guard let parsed = try? JSON.parse(text), let back = try? EvidenceTransfer(json: parsed, at: transfer.at, by: transfer.by) else {
            violated("a transfer's canonical body does not decode: \(show(text))")
        }
        require(back == transfer && back.json.compactBytes == text, "a transfer does not survive its canonical body: \(show(text))")
        var state = Fixtures.log.state
        _ = try? state.apply(transfer)
    }
    let step: Step
    do { step = try Step(json: json) } catch { return }
    let canonical = step.json.compactBytes
    let reparsed: JSON
    do { reparsed = try JSON.parse(canonical) } catch { violated("a step's canonical text does not parse (\(error)): \(show(canonical))") }
    let again: Step
    do { again = try Step(json: reparsed) } catch {
        violated("a step's canonical text does not decode (\(error.message)): \(show(canonical)) from \(show(bytes))")
    }
    require(again == step, "decoding the canonical text gives another step: \(show(canonical)) from \(show(bytes))")
    require(again.at.text == step.at.text, "the time text changed: \(show(step.at.text)) became \(show(again.at.text))")
    require(again.json.compactBytes == canonical, "canonical text is not a fixed point: \(show(canonical)) then \(show(again.json.compactBytes))")
    if withinLimits {
        do { try Limits.check(step: reparsed) } catch {
            violated("bounds accepted the step as sent but refuse its canonical form (\(error.message)): \(show(bytes)) -> \(show(canonical))")
        }
    }
    // The engine, on the fixture production after its wrap and before it (never a trap).
    var state = Fixtures.log.state
    _ = try? state.apply(step)
    var fresh = Fixtures.scenario.initialState
    _ = try? fresh.apply(step)
    _ = step.action.kind
}

