@testable import ArmoryCore
import Foundation
import Testing

/// One generated day the oracle test runs: everything about it follows from its seed, so
/// `ARMORY_ORACLE_SEED=<seed>` replays exactly the day a failure names.
struct OracleDay: Sendable, CustomStringConvertible {
    enum Kind: Sendable {
        /// `ScenarioGenerator.chaos(count:mistakeRate:)` from `chaosStart`.
        case chaos(count: Int, mistakeRate: Double)
        /// `ScenarioGenerator.cleanDays(1..<(days + 1))` under the protocol's default policy.
        case clean(days: Int)
        /// `WildGenerator.steps(count:)` under `WildGenerator.policy(seed:)`.
        case wild(count: Int)
    }

    /// Seeds from here on are wild days (`WildGenerator`).
    static let firstWildSeed: UInt64 = 1_000_000

    let seed: UInt64
    let kind: Kind

    static let mistakeRates: [Double] = [0.05, 0.2, 0.35, 0.5, 0.7, 0.9]

    init(seed: UInt64) {
        self.seed = seed
        var rng = SeededRandom(seed: seed ^ 0x5EED_0F_0AC1E)
        if seed >= Self.firstWildSeed {
            kind = .wild(count: 20 + Int(rng.next() % 101))
        } else if seed % 50 == 0 {
            kind = .clean(days: 1 + Int(rng.next() % 3))
        } else {
            kind = .chaos(count: 20 + Int(rng.next() % 101), mistakeRate: Self.mistakeRates[Int(rng.next() % UInt64(Self.mistakeRates.count))])
        }
    }

    var description: String {
        switch kind {
        case let .chaos(count, rate): return "seed \(seed): chaos(count: \(count), mistakeRate: \(rate))"
        case let .clean(days): return "seed \(seed): cleanDays(1..<\(days + 1))"
        case let .wild(count): return "seed \(seed): WildGenerator.steps(count: \(count))"
        }
    }

    var people: [Person] {
        if case .wild = kind { return WildGenerator.people }
        return ScenarioGenerator.people
    }
    var policy: Policy {
        switch kind {
        case .clean: return .protocolDefault
        case .chaos: return ScenarioGenerator.chaosPolicy
        case .wild: return WildGenerator.policy(seed: seed)
        }
    }

    var steps: [Step] {
        let generator = ScenarioGenerator(seed: seed)
        switch kind {
        case let .chaos(count, rate): return generator.chaos(count: count, mistakeRate: rate)
        case let .clean(days): return generator.cleanDays(1..<(days + 1))
        case let .wild(count): return WildGenerator(seed: seed).steps(count: count)
        }
    }
}

/// What running days through both engines found: how often each rule and outcome came up,
/// and every disagreement.
struct OracleTally: Sendable {
    var days = 0
    var steps = 0
    var invalid = 0
    var rules: [Rule: Int] = [:]
    var outcomes: [Outcome: Int] = [:]
    var mismatches: [String] = []

    mutating func add(_ other: OracleTally) {
        days += other.days
        steps += other.steps
        invalid += other.invalid
        rules.merge(other.rules, uniquingKeysWith: +)
        outcomes.merge(other.outcomes, uniquingKeysWith: +)
        mismatches += other.mismatches
    }

    /// Decides every step of `day` with the fast engine and the reference engine, and notes
    /// the first step where they disagree.
    mutating func run(_ day: OracleDay) {
        days += 1
        var fast = ProductionState(people: day.people, policy: day.policy)
        var reference = ReferenceEngine(people: day.people, policy: day.policy)
        for (k, step) in day.steps.enumerated() {
            steps += 1
            let engine: ReferenceAnswer
            do {
                let (decision, next) = try Engine.decide(fast, step)
                fast = next
                engine = .decided(decision.outcome, decision.rules)
            } catch {
                engine = .invalid(error.message)
            }
            let oracle = reference.decide(step)
            switch engine {
            case .invalid: invalid += 1
            case let .decided(outcome, cited):
                outcomes[outcome, default: 0] += 1
                for r in cited { rules[r, default: 0] += 1 }
            }
            if OracleTests.trace { print("  \(k): \(Self.describe(step)) -> engine \(engine), oracle \(oracle)") }
            if engine != oracle {
                mismatches.append("""
                    \(day) step index \(k) (step \(k + 1) of \(day.steps.count)): \(Self.describe(step))
                      engine: \(engine)
                      oracle: \(oracle)
                    replay: ARMORY_ORACLE_SEED=\(day.seed) swift test --skip-build --filter OracleTests
                    """)
                return
            }
        }
    }

    static func describe(_ step: Step) -> String { "\(step.at.text) by \(step.by ?? "-"): \(step.action)" }
}

/// Issue 18: the fast engine's decisions equal a straightforward reference implementation's
/// (`ReferenceEngine`, written from PROTOCOL.md) on 10,000 generated days, and the reference
/// itself decides every worked scenario as its expected output says.
struct OracleTests {
    /// 10,000 in CI; `ARMORY_ORACLE_DAYS` (and `ARMORY_ORACLE_WILD_DAYS`) run more for a deeper local search.
    static let dayCount = ProcessInfo.processInfo.environment["ARMORY_ORACLE_DAYS"].flatMap { Int($0) } ?? 10_000
    /// The seed of one day to replay alone (`ARMORY_ORACLE_SEED`), as a failure prints it.
    static let replaySeed: UInt64? = ProcessInfo.processInfo.environment["ARMORY_ORACLE_SEED"].flatMap { UInt64($0) }
    /// With a replayed seed, `ARMORY_ORACLE_TRACE=1` prints every step and both answers.
    static let trace = replaySeed != nil && ProcessInfo.processInfo.environment["ARMORY_ORACLE_TRACE"] != nil
    /// `ARMORY_ORACLE_TRACE=1` also prints the probe days step by step.
    static let traceProbes = ProcessInfo.processInfo.environment["ARMORY_ORACLE_TRACE"] != nil

    /// PROTOCOL.md's rules that no step can break: EVID-1 (append only) is a property of the
    /// log, never a decision's citation.
    static let notCitedByAnyStep: Set<Rule> = [.evid1]

    /// Runs `seeds` through both engines on every core, and prints what was decided.
    static func run(_ seeds: [UInt64], label: String) async -> OracleTally {
        let workers = max(1, min(8, ProcessInfo.processInfo.activeProcessorCount))
        let started = Date()
        let tally = await withTaskGroup(of: OracleTally.self) { group in
            for w in 0..<workers {
                group.addTask {
                    var t = OracleTally()
                    for (k, seed) in seeds.enumerated() where k % workers == w {
                        t.run(OracleDay(seed: seed))
                        // Other tests run beside this one on the same threads: a PostgreSQL
                        // store opening meanwhile must not wait out its start-up deadline.
                        await Task.yield()
                    }
                    return t
                }
            }
            var all = OracleTally()
            for await t in group { all.add(t) }
            return all
        }
        let seconds = Date().timeIntervalSince(started)
        let ruleLines = Rule.allCases.map { "\($0.rawValue): \(tally.rules[$0] ?? 0)" }.joined(separator: ", ")
        let outcomeLines = Outcome.allCases.map { "\($0.rawValue): \(tally.outcomes[$0] ?? 0)" }.joined(separator: ", ")
        print("oracle (\(label)): \(tally.days) days, \(tally.steps) steps (\(tally.invalid) invalid) in \(String(format: "%.1f", seconds)) s")
        print("oracle (\(label)): outcomes \(outcomeLines)")
        print("oracle (\(label)): rules \(ruleLines)")
        for m in tally.mismatches.prefix(20) { Issue.record(Comment(rawValue: m)) }
        #expect(tally.mismatches.count == 0, "\(tally.mismatches.count) days where the engine and the reference disagree")
        return tally
    }

    /// Checks that every rule a step can break was cited, and every outcome decided.
    static func requireReach(_ tally: OracleTally, days: Int, invalidToo: Bool) {
        #expect(tally.days == days)
        let unreached = Rule.allCases.filter { !notCitedByAnyStep.contains($0) && (tally.rules[$0] ?? 0) == 0 }
        #expect(unreached.isEmpty, "rules never cited over \(tally.days) generated days: \(unreached.map(\.rawValue))")
        for o in Outcome.allCases { #expect((tally.outcomes[o] ?? 0) > 0, "outcome \(o.rawValue) never decided") }
        if invalidToo { #expect(tally.invalid > 0, "no step was invalid input") }
    }

    /// Issue 18: 10,000 days of `ScenarioGenerator` (chaos of 20 to 120 steps at six mistake
    /// rates, and one day in fifty clean), every step decided alike by both engines.
    @Test func engineAgreesWithTheReferenceOnGeneratedDays() async throws {
        let seeds: [UInt64] = Self.replaySeed.map { [$0] } ?? Array(1...UInt64(Self.dayCount))
        let tally = await Self.run(seeds, label: "generated")
        if Self.replaySeed == nil { Self.requireReach(tally, days: Self.dayCount, invalidToo: false) }
    }

    static let wildDayCount = ProcessInfo.processInfo.environment["ARMORY_ORACLE_WILD_DAYS"].flatMap { Int($0) } ?? 2_000

    /// Stranger days (`WildGenerator`): two-job people, lapsing papers, the window's edge,
    /// changing policies, and invalid input, whose verdicts must agree too.
    @Test func engineAgreesWithTheReferenceOnWildDays() async throws {
        let first = OracleDay.firstWildSeed
        let seeds: [UInt64] = Self.replaySeed.map { [$0] } ?? Array(first..<(first + UInt64(Self.wildDayCount)))
        let tally = await Self.run(seeds, label: "wild")
        if Self.replaySeed == nil { Self.requireReach(tally, days: Self.wildDayCount, invalidToo: true) }
    }

    // MARK: - The reference against the worked scenarios

    // The worked days are found as `ScenarioFileTests` finds them (`../shared/scenarios`, `scenarios/`).

    /// The reference decides the scenario at `path` exactly as its `.expected.jsonl` says
    /// (step, outcome and rules), independently of the fast engine.
    static func checkReference(_ path: String) throws {
        let name = URL(fileURLWithPath: path).lastPathComponent
        let expectedText = try String(contentsOfFile: String(path.dropLast(".json".count)) + ".expected.jsonl", encoding: .utf8)
        let expected = expectedText.split(separator: "\n").filter { !$0.isEmpty }
        let scenario = try Scenario(bytes: [UInt8](Data(contentsOf: URL(fileURLWithPath: path))))
        var reference = ReferenceEngine(people: scenario.people, policy: scenario.policy)
        try #require(scenario.steps.count == expected.count, "\(name): \(scenario.steps.count) steps, expected \(expected.count)")
        for (k, line) in expected.enumerated() {
            let want = try JSON.parse(String(line))
            let step = try Step(json: scenario.steps[k])
            let answer = reference.decide(step)
            guard case let .decided(outcome, rules) = answer else {
                Issue.record("\(name) step \(k + 1): the reference found it invalid: \(answer)")
                return
            }
            let got = try JSON.parse("{\"step\": \(k + 1), \"outcome\": \"\(outcome.rawValue)\", \"rules\": ["
                + rules.map { "\"\($0.rawValue)\"" }.joined(separator: ", ") + "]}")
            #expect(got["step"] == want["step"] && got["outcome"] == want["outcome"] && got["rules"] == want["rules"],
                    "\(name) step \(k + 1): reference \(answer), expected \(want["outcome"]!) \(want["rules"]!)")
        }
    }

    @Test(.enabled(if: ScenarioFileTests.sharedPresent), arguments: ScenarioFileTests.scenarios(in: ScenarioFileTests.shared))
    func referenceDecidesSharedScenarioAsExpected(path: String) throws {
        try Self.checkReference(path)
    }

    @Test(arguments: ScenarioFileTests.scenarios(in: ScenarioFileTests.examples))
    func referenceDecidesExampleScenarioAsExpected(path: String) throws {
        try Self.checkReference(path)
    }
}
