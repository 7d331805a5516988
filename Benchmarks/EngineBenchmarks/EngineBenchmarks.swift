import ArmoryCore
import Benchmark

/// The engine's speed on a long production: 100,000 steps of clean shooting days.
/// Each figure stands beside the same run's baseline, parsing the file as JSON and
/// nothing else: the floor any replay pays before a rule is checked.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .peakMemoryResident, .mallocCountTotal],
        maxDuration: .seconds(15),
        maxIterations: 20
    )
    let scenario = ScenarioGenerator(seed: 1).scenario(steps: 100_000)
    let bytes = Array(scenario.json.compactText.utf8)
    let decoded = try! scenario.steps.map { try Step(json: $0) }

    Benchmark("Baseline: parse the 100k-step file as JSON") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try JSON.parse(bytes))
        }
    }

    Benchmark("Replay 100k steps: parse, decode and decide") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try Scenario(bytes: bytes).run())
        }
    }

    // The same days with the crew's steps in them (a day player joins and leaves, a
    // credential is recorded, every alarm answered) under both switches of the policy:
    // its ratio to the line below is what the crew rules cost (issue: no slower than before).
    let crewDay = withCrewSteps(decoded)
    let crewPolicy = Policy(showClearWindowMinutes: 10, blankSafeDistanceFeet: 20, requireCredentials: true, alarmsAnsweredByWrap: true)
    // Papers valid for the whole production (its days run for years): every crew day must decide
    // exactly as the plain days do, all `ok`, or the figure would time refusals instead.
    let crewPeople = ScenarioGenerator.people.map { p in
        Person(id: p.id, name: p.name, roles: p.roles,
               credentials: p.credentials.map { Credential(kind: $0.kind, number: $0.number, expires: CalendarDate("2099-12-31")!) })
    }
    do {
        var state = ProductionState(people: crewPeople, policy: crewPolicy)
        let notOK = crewDay.filter { (try? state.apply($0))?.outcome != .ok }.count
        precondition(notOK == 0, "\(notOK) steps of the crew days were not ok")
    }
    Benchmark("Decide 100k decoded steps with crew steps (\(crewDay.count) steps), require_credentials and alarms_answered_by_wrap") { benchmark in
        for _ in benchmark.scaledIterations {
            var state = ProductionState(people: crewPeople, policy: crewPolicy)
            for step in crewDay {
                blackHole(try state.apply(step))
            }
        }
    }

    // A 500-row call sheet read and turned into the crew's steps, each decided (the
    // import's own work; `armory crew import` adds one store append per step).
    let sheet = callSheet(rows: 500)
    Benchmark("Call sheet: read 500 rows, work out and decide their steps") { benchmark in
        for _ in benchmark.scaledIterations {
            var state = ProductionState(people: ScenarioGenerator.people)
            let parsed = try CallSheet(bytes: sheet)
            var at: Int64 = 1_772_460_000
            for action in parsed.actions(against: state) {
                at += 1
                blackHole(try state.apply(Step(at: Timestamp(seconds: at, offsetMinutes: 0), by: "pat", action: action)))
            }
        }
    }

    Benchmark("Decide 100k decoded steps (engine only)") { benchmark in
        for _ in benchmark.scaledIterations {
            var state = scenario.initialState
            for step in decoded {
                blackHole(try state.apply(step))
            }
        }
    }

    // As `armory verify` re-decides recorded steps: the entries carry their messages, so none is written.
    Benchmark("Decide 100k decoded steps without messages (as verify re-decides them)") { benchmark in
        for _ in benchmark.scaledIterations {
            var state = scenario.initialState
            for step in decoded {
                blackHole(try state.apply(step, messages: false))
            }
        }
    }
}

/// Clean days with crew steps: before each wrap a day player joins, gets training and leaves,
/// and the producer answers every alarm; roughly one step in fifteen is a crew step.
func withCrewSteps(_ steps: [Step]) -> [Step] {
    var out: [Step] = []
    out.reserveCapacity(steps.count + steps.count / 10)
    var day = 0
    for step in steps {
        if case .wrap = step.action {
            day += 1
            let id = "dp\(day)"
            let training = Credential(kind: .training, number: "T-\(day)", expires: CalendarDate("2099-12-31")!)
            for action in [Action.join(person: id, name: "Day player \(day)", roles: [.talent], credentials: []),
                           .credential(person: id, credential: training), .setRoles(person: id, roles: [.talent, .crew]),
                           .leave(person: id)] {
                out.append(Step(at: step.at, by: "pat", action: action))
            }
        }
        out.append(step)
    }
    return out
}

/// A call sheet of `rows` new day players, each with training.
func callSheet(rows: Int) -> [UInt8] {
    var text = "id,name,roles,permit,permit_expires,training,training_expires\r\n"
    for k in 0..<rows { text += "dp\(k),\"Player, No. \(k)\",talent;crew,,,T-\(k),2027-06-30\r\n" }
    return Array(text.utf8)
}
