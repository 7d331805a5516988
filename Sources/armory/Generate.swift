import ArgumentParser
import ArmoryCore
import Foundation

/// `armory generate`: writes a long, valid synthetic scenario (many clean days with the
/// occasional mistake), for benchmarks and load tests. The same seed gives the same file.
struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Write a synthetic scenario of many shooting days.")

    @Option(help: "How many steps, at least.") var steps = 100_000
    @Option(help: "Seed for the random choices.") var seed: UInt64 = 1
    @Option(name: .shortAndLong, help: "Output file (default: standard output).") var output: String?

    func run() throws {
        let scenario = ScenarioGenerator(seed: seed).scenario(steps: steps)
        let text = scenario.json.compactText + "\n"
        if let output {
            guard FileManager.default.createFile(atPath: output, contents: Data(text.utf8)) else {
                printError("error: cannot write \(output)")
                throw ExitCode(ExitStatus.cannotCreate)
            }
        } else {
            FileHandle.standardOutput.write(Data(text.utf8))
        }
    }
}
