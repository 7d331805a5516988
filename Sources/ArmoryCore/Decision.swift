/// What the engine decided about one step.
public enum Outcome: String, Sendable, Hashable, CaseIterable {
    /// The step followed the protocol (a command was carried out, an observation recorded).
    case ok
    /// A command broke a rule and changed nothing. The refusal is still recorded.
    case refused
    /// An observation was recorded and a rule was broken: people must be told at once.
    case alarm
}

/// The engine's answer to a step: the outcome, every rule the step broke (sorted by ID)
/// and one plain sentence for a person.
public struct Decision: Sendable, Hashable {
    public let outcome: Outcome
    public let rules: [Rule]
    public let message: String

    public init(outcome: Outcome, rules: [Rule], message: String) {
        self.outcome = outcome
        self.rules = rules
        self.message = message
    }

    /// An unplanned discharge (FA-7): the day is checkpointed at once (EVID-2) and the
    /// alarm is critical for everyone who receives it.
    public var isCritical: Bool { outcome == .alarm && rules.contains(.fa7) }
}

/// The reasons a step breaks rules, collected while every rule is evaluated (a step
/// cites every rule it breaks, not just the first).
struct Findings {
    private(set) var reasons: [(rule: Rule, text: String)] = []
    /// Whether the reasons' text is wanted; without it each is left unwritten.
    var withText = true

    mutating func add(_ rule: Rule, _ text: @autoclosure () -> String) {
        reasons.append((rule, withText ? text() : ""))
    }

    var isEmpty: Bool { reasons.isEmpty }
    /// Every rule cited, sorted, each once.
    var rules: [Rule] {
        var rules: [Rule] = []
        for rule in reasons.map(\.rule).sorted() where rules.last != rule { rules.append(rule) }
        return rules
    }
    var message: String {
        var seen = Set<String>()
        return reasons.map(\.text).filter { seen.insert($0).inserted }.joined(separator: "; ")
    }
}
