import ArgumentParser
import ArmoryCore
import ArmoryHub
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

    @Option(help: ArgumentHelp("When recording with --key: entries between two signed snapshots of the production's state, as a server recording it stores them (0: none).", valueName: "entries"))
    var snapshotInterval = ProductionHub.defaultSnapshotInterval

    func validate() throws {
        guard snapshotInterval >= 0 else { throw ValidationError("--snapshot-interval must be 0 (no snapshots) or a number of entries") }
    }

    func run() async throws {
        let (handle, _) = try openInput(file)
        let input = InputPieces(file, handle)
        let packs = try policyPacks()
        // Each step is decided as it is read: with --json, only its line is kept; the table
        // and --record keep the steps themselves.
        let keep = !json || record != nil
        let lines = HeldOutput()
        var kept: [(step: Step, decision: Decision)] = []
        let read: (scenario: Scenario, finalState: ProductionState)
        do {
            read = try Scenario.replay(reading: input.next, packs: packs) { number, step, decision in
                if json { lines.append(decision.jsonLine(step: number) + "\n") }
                if keep { kept.append((step, decision)) }
            }
        } catch {
            // A file that could not be read to its end is that, not a file cut short.
            try input.check()
            printError(error.description)
            throw ExitCode(ExitStatus.invalidInput)
        }
        try input.check()
        let scenario = read.scenario
        let result = ReplayResult(steps: kept, finalState: read.finalState)
        if let record { try await recordInto(record, scenario: scenario, steps: result.steps.map(\.step)) }
        if json {
            try lines.write(to: FileHandle.standardOutput)
        } else {
            let useColor = color || (isatty(STDOUT_FILENO) == 1 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil)
            var table = ReplayTable(result: result, title: scenario.title, color: useColor).render()
            // Written from where it is, not copied first.
            table.withUTF8 { FileHandle.standardOutput.write(bytesAt: $0) }
        }
    }
}

extension FileHandle {
    /// Writes the bytes where they are, without copying them into a `Data` first.
    func write(bytesAt text: UnsafeBufferPointer<UInt8>) {
        write(Data(bytesNoCopy: UnsafeMutableRawPointer(mutating: text.baseAddress ?? UnsafePointer(bitPattern: 1)!),
                   count: text.count, deallocator: .none))
    }
}

/// Output held back until the whole input is known to be valid (an invalid file prints
/// nothing on standard output). Past its first piece it waits in a temporary file, so a
/// long replay's lines are not all in memory at once; where no temporary file can be
/// written (none can be made, or its disk is full), it waits in memory instead.
final class HeldOutput {
    static let pieceBytes = 1 << 16
    private var piece: [UInt8] = []
    /// The temporary file, and how many bytes it holds.
    private var spool: Int32 = -1
    private var spooled = 0
    /// No temporary file could be written: everything stays in `piece`.
    private var inMemory = false
    /// What the temporary file held could not be read back.
    private var lost = false

    init() { piece.reserveCapacity(Self.pieceBytes) }

    deinit { if spool >= 0 { close(spool) } }

    func append(_ text: String) {
        piece += text.utf8
        if piece.count >= Self.pieceBytes, !inMemory { spill() }
    }

    private func spill() {
        if spool < 0 { spool = Self.temporaryFile() }
        if spool >= 0, piece.withUnsafeBytes({ Self.writeAll(spool, $0) }) {
            spooled += piece.count
            piece.removeAll(keepingCapacity: true)
            return
        }
        // Take back what the file holds (the pieces before this one) and keep it all here.
        inMemory = true
        guard spool >= 0 else { return }
        var held = [UInt8](repeating: 0, count: spooled)
        let read = held.withUnsafeMutableBytes { Self.readAll(spool, $0) }
        close(spool)
        spool = -1
        if read { piece = held + piece } else { lost = true }
    }

    /// An unnamed file in TMPDIR (else /tmp), gone when it is closed; -1 if none can be made.
    static func temporaryFile() -> Int32 {
        let directory = ProcessInfo.processInfo.environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        var template = Array("\(directory)/armory-replay-XXXXXX".utf8CString)
        let fd = mkstemp(&template)
        if fd >= 0 { unlink(template) }
        return fd
    }

    static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Bool {
        var done = 0
        while done < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress! + done, bytes.count - done)
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { return false }
            done += n
        }
        return true
    }

    /// Reads the file from `offset` until `bytes` is full.
    static func readAll(_ fd: Int32, _ bytes: UnsafeMutableRawBufferPointer, at offset: Int = 0) -> Bool {
        readFully(fd, into: bytes, at: offset) == bytes.count
    }

    /// Writes everything held, in order, and lets it go; exits 73 if any of it was lost.
    func write(to handle: FileHandle) throws {
        func unreadable() -> ExitCode {
            printError("error: the output could not be held until the file was read: its temporary file could not be read back")
            return ExitCode(ExitStatus.cannotCreate)
        }
        if lost { throw unreadable() }
        if spool >= 0 {
            var buffer = [UInt8](repeating: 0, count: Self.pieceBytes)
            var at = 0
            while at < spooled {
                let n = min(buffer.count, spooled - at)
                guard buffer.withUnsafeMutableBytes({ Self.readAll(spool, UnsafeMutableRawBufferPointer(rebasing: $0[..<n]), at: at) }) else {
                    throw unreadable()
                }
                buffer.withUnsafeBufferPointer { handle.write(bytesAt: UnsafeBufferPointer(rebasing: $0[..<n])) }
                at += n
            }
        }
        piece.withUnsafeBufferPointer { handle.write(bytesAt: $0) }
        piece = []
    }
}

/// An evidence bundle to read: a regular file is read piece by piece where it is needed,
/// never whole; anything else (standard input, a pipe) is read in, up to the limit, with
/// `readInput`'s errors, which also speak for a file that is missing or too large.
func openBundle(_ path: String) throws -> any BundleSource {
    if path != "-", let file = FileBundleSource(path: path), file.count <= BundleArchive.Limits.standard.bytes { return file }
    return MemoryBundleSource(try readInput(path, limit: BundleArchive.Limits.standard.bytes, what: "a bundle"))
}

/// Opens a file, or standard input for "-", to read, exiting 66 with a clear line if it
/// cannot. With a `limit`, a regular file larger than it is refused before anything is read.
/// Also gives the file's size when it is a regular file.
func openInput(_ path: String, limit: Int? = nil, what: String = "the input") throws -> (FileHandle, size: Int?) {
    if path == "-" { return (FileHandle.standardInput, nil) }
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { throw inputFailure(path, "does not exist") }
    guard !isDirectory.boolValue else { throw inputFailure(path, "is a directory") }
    let size = ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.intValue
    if let limit, let size, size > limit { throw inputTooLarge(path, size, limit: limit, what: what) }
    guard let handle = FileHandle(forReadingAtPath: path) else { throw inputFailure(path, "cannot be read") }
    return (handle, size)
}

func inputFailure(_ path: String, _ why: String, _ status: Int32 = ExitStatus.noInput) -> ExitCode {
    printError("error: \(path) \(why)")
    return ExitCode(status)
}

func inputTooLarge(_ path: String, _ size: Int?, limit: Int, what: String) -> ExitCode {
    inputFailure(path, "\(size.map { "is \($0) bytes," } ?? "holds") more than \(what) may be (\(limit) bytes)", ExitStatus.invalidInput)
}

/// Reads a whole file, or standard input for "-", exiting 66 with a clear line if it
/// cannot. With a `limit`, a larger input is refused before it is read into memory (a regular
/// file by its size; a pipe or device once more than `limit` bytes have come).
func readInput(_ path: String, limit: Int? = nil, what: String = "the input") throws -> [UInt8] {
    let (handle, size) = try openInput(path, limit: limit, what: what)
    let pieces = InputPieces(path, handle)
    var bytes: [UInt8] = []
    if let size { bytes.reserveCapacity(size) }
    while let piece = pieces.next() {
        if let limit, piece.count > limit - bytes.count { throw inputTooLarge(path, nil, limit: limit, what: what) }
        bytes += piece
    }
    try pieces.check()
    return bytes
}

/// A file read a piece at a time, for a reader that holds only the piece it is on.
final class InputPieces {
    static let pieceBytes = 1 << 16
    let path: String
    private let handle: FileHandle
    private var failure: (any Error)?

    init(_ path: String, _ handle: FileHandle) {
        self.path = path
        self.handle = handle
    }

    deinit { if path != "-" { try? handle.close() } }

    /// The next piece; nil at the end of the file or once reading it failed (`check`).
    func next() -> [UInt8]? {
        guard failure == nil else { return nil }
        do {
            guard let data = try handle.read(upToCount: Self.pieceBytes), !data.isEmpty else { return nil }
            return [UInt8](data)
        } catch {
            failure = error
            return nil
        }
    }

    /// Exits 66 naming the file if reading it failed part way.
    func check() throws {
        if let failure { throw inputFailure(path, "cannot be read: \(failure.localizedDescription)") }
    }
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
        // Signed, the production gets the state snapshots a server recording it would have
        // stored (every `--snapshot-interval` entries), so a server opens it from its newest
        // one rather than by replaying the whole log. Only the newest that opening tries are
        // kept (`snapshotsTried`): a long day's states are not all held in memory at once.
        var snapshots: [(size: Int, StoredSnapshot)] = []
        for step in steps {
            _ = try log.record(step, signer: signer)
            if let signer, snapshotInterval > 0, log.size % snapshotInterval == 0, let s = log.snapshot(signer: signer) {
                snapshots = snapshots.suffix(snapshotsTried - 1) + [(log.size, s)]
            }
        }
        if let signer { log.signCheckpoint(signer) }
        do {
            let store = try await openStore(path)
            try await store.create(id, log)
            for (size, snapshot) in snapshots { try await store.saveSnapshot(id, size: size, snapshot) }
        } catch let e as StoreError {
            printError("error: \(e)")
            throw ExitCode(ExitStatus.cannotCreate)
        }
        printError("recorded \(log.size) entries as production '\(printable(id))'")
    }
}
