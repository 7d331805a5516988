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

    Benchmark("Decide 100k decoded steps (engine only)") { benchmark in
        for _ in benchmark.scaledIterations {
            var state = scenario.initialState
            for step in decoded {
                blackHole(try state.apply(step))
            }
        }
    }
}
