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
        guard case let .object(members) = json else { throw Self.notAnObject(json) }
        func member(_ key: String) -> JSON? { members.first(where: { $0.key == key })?.value }
        try self.init(production: member("production"), policy: member("policy"), people: member("people"), packs: packs)
        steps = try Self.steps(member("steps"))
    }

    /// The scenario's header from its members as read (nil: absent), checked in the order
    /// every reading of a file reports its faults: the policy, then the people.
    init(production: JSON?, policy policyJSON: JSON?, people peopleJSON: JSON?, packs: [String: PolicyPack]) throws(ScenarioError) {
        // Unknown top-level keys are ignored (SCENARIOS.md): files may carry notes.
        if case let .object(production)? = production {
            if case let .string(t)? = production.first(where: { $0.key == "title" })?.value { title = t }
            if case let .string(z)? = production.first(where: { $0.key == "timezone" })?.value { timezone = z }
        }
        if let p = policyJSON {
            do { policy = try Policy(json: p, packs: packs) } catch { throw ScenarioError(step: nil, message: error.message) }
        } else {
            policy = .protocolDefault
        }
        guard let peopleJSON else { throw ScenarioError(step: nil, message: "missing 'people'") }
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
        steps = []
    }

    static func notAnObject(_ json: JSON) -> ScenarioError {
        ScenarioError(step: nil, message: "a scenario must be a JSON object, not \(json.kindName)")
    }

    /// The `steps` member: present, and an array.
    static func steps(_ json: JSON?) throws(ScenarioError) -> [JSON] {
        guard let json else { throw ScenarioError(step: nil, message: "missing 'steps'") }
        guard case let .array(list) = json else { throw ScenarioError(step: nil, message: "'steps' must be an array, not \(json.kindName)") }
        return list
    }

    /// Reads a scenario file and decides each step as it is read, none of them kept (the
    /// file in the memory of one step), handing each to `decided` with its 1-based number;
    /// returns the scenario (without its steps) and the production's state at the end.
    /// Every fault is reported exactly as `init(bytes:)` and `run()` report it, the file's
    /// JSON first: `decided` may have been handed steps before an error is thrown, and what
    /// it was handed is then to be dropped. A file whose `steps` come before its `people`
    /// or `policy` has those steps held until they are read, then decided.
    public static func replay(bytes: [UInt8], packs: [String: PolicyPack] = [:],
                              decided: (Int, Step, Decision) -> Void) throws(ScenarioError) -> (scenario: Scenario, finalState: ProductionState) {
        try replay(.whole(bytes), packs: packs, decided: decided)
    }

    /// `replay(bytes:packs:decided:)` over a file read a piece at a time (`next` gives the
    /// following bytes, nil at the end): only a piece of the file is held at once.
    public static func replay(reading next: () -> [UInt8]?, packs: [String: PolicyPack] = [:],
                              decided: (Int, Step, Decision) -> Void) throws(ScenarioError) -> (scenario: Scenario, finalState: ProductionState) {
        try withoutActuallyEscaping(next) { next throws(ScenarioError) in
            try replay(.pieces(next), packs: packs, decided: decided)
        }
    }

    /// A scenario file to replay: in memory, or read a piece at a time.
    private enum Text {
        case whole([UInt8])
        case pieces(() -> [UInt8]?)
    }

    private static func replay(_ text: Text, packs: [String: PolicyPack],
                               decided: (Int, Step, Decision) -> Void) throws(ScenarioError) -> (scenario: Scenario, finalState: ProductionState) {
        var production: JSON?, policy: JSON?, people: JSON?, stepsMember: JSON?
        /// Set once the policy and people are read before the first step: the steps are decided as read.
        var header: Result<Scenario, ScenarioError>?
        var state = ProductionState(people: [])
        var held: [JSON] = []
        var stepError: ScenarioError?
        var streamed = false
        let top: JSON?
        do throws(JSONSyntaxError) {
            let member = { (key: String, value: JSON) in
                switch key {
                case "production": production = value
                case "policy": policy = value
                case "people": people = value
                case "steps": stepsMember = value
                default: break
                }
            }
            let element = { (k: Int, json: JSON) in
                if k == 0 {
                    streamed = true
                    // Decided as read only when the policy and people are known by now (the order every file Armory writes has).
                    if policy != nil, people != nil {
                        header = Result { () throws(ScenarioError) in try Scenario(production: production, policy: policy, people: people, packs: packs) }
                        if case let .success(s) = header { state = s.initialState }
                    }
                }
                switch header {
                case .success:
                    guard stepError == nil else { return }
                    do throws(StepFormatError) {
                        let step = try Step(json: json)
                        decided(k + 1, step, try state.apply(step))
                    } catch {
                        stepError = ScenarioError(step: k + 1, message: error.message)
                    }
                case .failure:
                    return
                case nil:
                    held.append(json)
                }
            }
            switch text {
            case let .whole(bytes): top = try JSON.parse(bytes, streaming: "steps", member: member, element: element)
            case let .pieces(next): top = try JSON.parse(reading: next, streaming: "steps", member: member, element: element)
            }
        } catch {
            throw ScenarioError(step: nil, message: error.description)
        }
        if let top { throw notAnObject(top) }
        var scenario = try Scenario(production: production, policy: policy, people: people, packs: packs)
        if !streamed { held = try Self.steps(stepsMember) }
        if header == nil {
            // Steps read before the policy or people: decided now, in order.
            scenario.steps = held
            let result = try scenario.run(decided: decided)
            scenario.steps = []
            return (scenario, result)
        }
        if let stepError { throw stepError }
        return (scenario, state)
    }

    /// The state a production starts in: its people and policy, nothing received yet.
    public var initialState: ProductionState { ProductionState(people: people, policy: policy) }

    /// Decodes and decides every step in order. Throws at the first invalid step.
    public func run() throws(ScenarioError) -> ReplayResult {
        var results: [(step: Step, decision: Decision)] = []
        results.reserveCapacity(steps.count)
        let state = try run { _, step, decision in results.append((step, decision)) }
        return ReplayResult(steps: results, finalState: state)
    }

    /// Decodes and decides every step in order, handing each to `decided` with its 1-based
    /// number; returns the state at the end. Throws at the first invalid step.
    func run(decided: (Int, Step, Decision) -> Void) throws(ScenarioError) -> ProductionState {
        var state = initialState
        for (k, json) in steps.enumerated() {
            do {
                let step = try Step(json: json)
                decided(k + 1, step, try state.apply(step))
            } catch {
                throw ScenarioError(step: k + 1, message: error.message)
            }
        }
        return state
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
    public init(steps: [(step: Step, decision: Decision)], finalState: ProductionState) {
        self.steps = steps
        self.finalState = finalState
    }
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
