import ArgumentParser
import ArmoryCore
import ArmoryLedger
import ArmoryStore
import Foundation

/// `armory replay FILE`: runs a scenario through the protocol engine and prints what it
/// decided for every step, exactly as the live system would have.
struct Replay: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Replay a scenario file through the protocol engine.",
        discussion: """
            Prints one row per step: time, who, what, and whether Armory let it happen \
            (ok), refused it, or raised an alarm, with the PROTOCOL.md rules it broke. \
            Exit status 0 for any valid file, whatever the outcomes; 65 for an invalid file, \
            with one line on stderr naming the step and what was wrong.
            """
    )

    @Argument(help: "The scenario file (JSON, SCENARIOS.md format); '-' reads standard input.")
    var file: String

    @Flag(name: .long, help: "Print JSON Lines, one object per step, and nothing else on stdout.")
    var json = false

    @Flag(name: .long, help: "Colour alarms and refusals even when stdout is not a terminal.")
    var color = false

    @Option(help: "Also record the production, as a new one, into this database: a SQLite file or a postgres:// URL.")
    var record: String?

    @Option(help: "Production id when recording (default: the file's name).")
    var productionID: String?

    @Option(help: "When recording: the log's private key, to sign checkpoints at every wrap, after FA-7, and at the end.")
    var key: String?

    func run() async throws {
        let bytes = try readInput(file)
        let packs = try policyPacks()
        // Each step is decided as it is read: with --json, only its line is kept; the table
        // and --record keep the steps themselves.
        let keep = !json || record != nil
        var out = ""
        if json { out.reserveCapacity(bytes.count) }
        var kept: [(step: Step, decision: Decision)] = []
        let read: (scenario: Scenario, finalState: ProductionState)
        do {
            read = try Scenario.replay(bytes: bytes, packs: packs) { number, step, decision in
                if json {
                    out += decision.jsonLine(step: number)
                    out += "\n"
                }
                if keep { kept.append((step, decision)) }
            }
        } catch {
            printError(error.description)
            throw ExitCode(ExitStatus.invalidInput)
        }
        let scenario = read.scenario
        let result = ReplayResult(steps: kept, finalState: read.finalState)
        if let record { try await recordInto(record, scenario: scenario, steps: result.steps.map(\.step)) }
        if !json {
            let useColor = color || (isatty(STDOUT_FILENO) == 1 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil)
            out = ReplayTable(result: result, title: scenario.title, color: useColor).render()
        }
        // Written from where it is, not copied first.
        out.withUTF8 { text in
            FileHandle.standardOutput.write(Data(bytesNoCopy: UnsafeMutableRawPointer(mutating: text.baseAddress ?? UnsafePointer(bitPattern: 1)!),
                                                 count: text.count, deallocator: .none))
        }
    }
}

/// An evidence bundle to read: a regular file is read piece by piece where it is needed,
/// never whole; anything else (standard input, a pipe) is read in, up to the limit, with
/// `readInput`'s errors, which also speak for a file that is missing or too large.
func openBundle(_ path: String) throws -> any BundleSource {
    if path != "-", let file = FileBundleSource(path: path), file.count <= BundleArchive.Limits.standard.bytes { return file }
    return MemoryBundleSource(try readInput(path, limit: BundleArchive.Limits.standard.bytes, what: "a bundle"))
}

/// Reads a whole file, or standard input for "-", exiting 66 with a clear line if it cannot.
/// With a `limit`, a larger input is refused before it is read into memory (a regular
/// file by its size; a pipe or device once more than `limit` bytes have come).
func readInput(_ path: String, limit: Int? = nil, what: String = "the input") throws -> [UInt8] {
    func fail(_ why: String, _ status: Int32 = ExitStatus.noInput) -> ExitCode {
        printError("error: \(path) \(why)")
        return ExitCode(status)
    }
    func tooLarge(_ size: Int?) -> ExitCode {
        fail("\(size.map { "is \($0) bytes," } ?? "holds") more than \(what) may be (\(limit ?? 0) bytes)", ExitStatus.invalidInput)
    }
    let handle: FileHandle
    if path == "-" {
        guard limit != nil else { return [UInt8](FileHandle.standardInput.readDataToEndOfFile()) }
        handle = FileHandle.standardInput
    } else {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { throw fail("does not exist") }
        guard !isDirectory.boolValue else { throw fail("is a directory") }
        guard let limit else {
            guard let data = FileManager.default.contents(atPath: path) else { throw fail("cannot be read") }
            return [UInt8](data)
        }
        if let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber, size.intValue > limit {
            throw tooLarge(size.intValue)
        }
        guard let h = FileHandle(forReadingAtPath: path) else { throw fail("cannot be read") }
        handle = h
    }
    defer { if path != "-" { try? handle.close() } }
    let cap = limit ?? Int.max
    var bytes: [UInt8] = []
    do {
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
            guard chunk.count <= cap - bytes.count else { throw tooLarge(nil) }
            chunk.withUnsafeBytes { bytes.append(contentsOf: $0) }
        }
    } catch let e as ExitCode {
        throw e
    } catch {
        throw fail("cannot be read: \(error.localizedDescription)")
    }
    return bytes
}

/// Writes one line to standard error. Messages quote what files say (ids, names, titles):
/// control characters and bidi overrides in them are shown, never sent to the terminal.
func printError(_ line: String) {
    FileHandle.standardError.write(Data((printable(line, keepingLines: true) + "\n").utf8))
}

extension Replay {
    /// Records the replayed production into a database: one transaction, all or nothing.
    func recordInto(_ path: String, scenario: Scenario, steps: [Step]) async throws {
        guard let first = steps.first else { return }
        let id = productionID ?? URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
        try checkProductionID(id, hint: productionID == nil ? "; give one with --production-id" : "")
        let signer = try key.map { try loadSigner($0, for: .log) }
        var log = ProductionLog(productionID: id, header: ProductionHeader(scenario: scenario), openedAt: first.at)
        for step in steps { _ = try log.record(step, signer: signer) }
        if let signer { log.signCheckpoint(signer) }
        do {
            try await openStore(path).create(id, log)
        } catch let e as StoreError {
            printError("error: \(e)")
            throw ExitCode(ExitStatus.cannotCreate)
        }
        printError("recorded \(log.size) entries as production '\(printable(id))'")
    }
}
