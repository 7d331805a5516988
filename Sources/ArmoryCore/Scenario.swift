/// Why a scenario file is invalid: the step (1-based) when one is at fault, and what was wrong.
public struct ScenarioError: Error, Equatable, Sendable, CustomStringConvertible {
    public let step: Int?
    public let message: String

    public init(step: Int?, message: String) {
        self.step = step
        self.message = message
    }

    /// The one line `armory replay` prints: `error: step N: WHAT` or `error: WHAT`.
    public var description: String {
        if let step { return "error: step \(step): \(message)" }
        return "error: \(message)"
    }
}

/// A shooting day (or several) written down as the steps people took (SCENARIOS.md).
public struct Scenario: Sendable {
    public var title: String?
    public var timezone: String?
    public var policy: Policy
    public var people: [Person]
    /// The steps as written; each is decoded and decided in turn by `run()`, so the first
    /// bad step is the one reported.
    public var steps: [JSON]

    public init(title: String? = nil, timezone: String? = nil, policy: Policy = .protocolDefault, people: [Person], steps: [JSON]) {
        self.title = title
        self.timezone = timezone
        self.policy = policy
        self.people = people
        self.steps = steps
    }

    /// Reads a scenario file's bytes. Checks the file as a whole (JSON, people, policy);
    /// the steps are checked by `run()`.
    /// `packs`: the policy packs a `policy` may name with `pack`.
    public init(bytes: [UInt8], packs: [String: PolicyPack] = [:]) throws(ScenarioError) {
        let json: JSON
        do { json = try JSON.parse(bytes) } catch { throw ScenarioError(step: nil, message: error.description) }
        try self.init(json: json, packs: packs)
    }

    public init(json: JSON, packs: [String: PolicyPack] = [:]) throws(ScenarioError) {
        guard case let .object(members) = json else {
            throw ScenarioError(step: nil, message: "a scenario must be a JSON object, not \(json.kindName)")
        }
        func member(_ key: String) -> JSON? { members.first(where: { $0.key == key })?.value }
        // Unknown top-level keys are ignored (SCENARIOS.md): files may carry notes.
        if case let .object(production)? = member("production") {
            if case let .string(t)? = production.first(where: { $0.key == "title" })?.value { title = t }
            if case let .string(z)? = production.first(where: { $0.key == "timezone" })?.value { timezone = z }
        }
        if let p = member("policy") {
            do { policy = try Policy(json: p, packs: packs) } catch { throw ScenarioError(step: nil, message: error.message) }
        } else {
            policy = .protocolDefault
        }
        guard let peopleJSON = member("people") else { throw ScenarioError(step: nil, message: "missing 'people'") }
        guard case let .array(peopleList) = peopleJSON else {
            throw ScenarioError(step: nil, message: "'people' must be an array, not \(peopleJSON.kindName)")
        }
        var seen = Set<String>()
        people = []
        for (k, pj) in peopleList.enumerated() {
            let person: Person
            do { person = try Person(json: pj) } catch { throw ScenarioError(step: nil, message: "person \(k + 1): \(error.message)") }
            guard seen.insert(person.id).inserted else {
                throw ScenarioError(step: nil, message: "person \(k + 1): duplicate person id '\(person.id)'")
            }
            people.append(person)
        }
        guard let stepsJSON = member("steps") else { throw ScenarioError(step: nil, message: "missing 'steps'") }
        guard case let .array(stepList) = stepsJSON else {
            throw ScenarioError(step: nil, message: "'steps' must be an array, not \(stepsJSON.kindName)")
        }
        steps = stepList
    }

    /// The state a production starts in: its people and policy, nothing received yet.
    public var initialState: ProductionState { ProductionState(people: people, policy: policy) }

    /// Decodes and decides every step in order. Throws at the first invalid step.
    public func run() throws(ScenarioError) -> ReplayResult {
        var state = initialState
        var results: [(step: Step, decision: Decision)] = []
        results.reserveCapacity(steps.count)
        for (k, json) in steps.enumerated() {
            do {
                let step = try Step(json: json)
                let decision = try state.apply(step)
                results.append((step, decision))
            } catch {
                throw ScenarioError(step: k + 1, message: error.message)
            }
        }
        return ReplayResult(steps: results, finalState: state)
    }

    /// The scenario as a file: production, policy, people, steps.
    public var json: JSON {
        var production: [(key: String, value: JSON)] = []
        if let title { production.append(("title", .string(title))) }
        if let timezone { production.append(("timezone", .string(timezone))) }
        return .object([("production", .object(production)), ("policy", policy.json),
                        ("people", .array(people.map(\.json))), ("steps", .array(steps))])
    }
}

/// What replaying a scenario decided, step by step, and where the production ended up.
public struct ReplayResult: Sendable {
    public let steps: [(step: Step, decision: Decision)]
    public let finalState: ProductionState
}

extension Decision {
    /// One line of `armory replay --json` (SCENARIOS.md), for step `number` (1-based).
    public func jsonLine(step number: Int) -> String {
        var out = "{\"step\": \(number), \"outcome\": \"\(outcome.rawValue)\", \"rules\": ["
        out += rules.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
        out += "], \"message\": " + JSON.string(message).compactText + "}"
        return out
    }
}
