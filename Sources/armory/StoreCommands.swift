import ArgumentParser
import ArmoryCore
import ArmoryLedger
import ArmoryStore
import Foundation

/// Opens the store at `location`: a PostgreSQL URL (`postgres://...`) or a SQLite file path.
/// Without one, `ARMORY_DATABASE_URL` is used.
func openStore(_ location: String?) async throws -> any LogStore {
    guard let location = location ?? ProcessInfo.processInfo.environment["ARMORY_DATABASE_URL"] else {
        printError("error: no database: give --database PATH-OR-URL or set ARMORY_DATABASE_URL")
        throw ExitCode(ExitStatus.invalidInput)
    }
    do {
        return try await ArmoryStore.openStore(location)
    } catch {
        // The URL may hold a password: it is never printed.
        printError("error: cannot open the database: \(error)")
        throw ExitCode(ExitStatus.cannotCreate)
    }
}

/// `armory import BUNDLE`: rebuilds a production in a database from a verified evidence bundle.
struct Import: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Rebuild a production from a verified evidence bundle.")

    @Argument(help: "The bundle file.")
    var bundle: String

    @Option(help: "The database to import into: a SQLite file or a postgres:// URL (default: ARMORY_DATABASE_URL).")
    var database: String?

    @Option(help: "The production's published verifier key (text or file).")
    var key: String?

    @Option(help: "Production id (default: from the bundle's origin, armory/<id>).")
    var productionID: String?

    func run() async throws {
        let trusted = try key.map { try loadVerifierKey($0, for: .log) }
        let bytes = try readInput(bundle, limit: BundleArchive.Limits.standard.bytes, what: "a bundle")
        do { _ = try EvidenceBundle.verify(bytes, trustedLogKey: trusted) } catch {
            printError("error: \(printable(bundle)) does not verify, nothing imported: \(printable(error.description))")
            throw ExitCode(1)
        }
        // Verified above, so each part reads.
        let archive = try BundleArchive(decoding: bytes)
        let entries = try EvidenceBundle.entries(in: archive)
        let note = try SignedNote(parsing: String(decoding: archive.file("checkpoint.txt")!, as: UTF8.self))
        let origin = try Checkpoint(text: note.text).origin
        let id = productionID ?? (origin.hasPrefix("armory/") ? String(origin.dropFirst(7)) : origin)
        try checkProductionID(id, hint: productionID == nil ? " (from the bundle's origin); give one with --production-id" : "")
        let log = try ProductionLog(origin: origin, entries: entries, checkpoints: [note])
        do { try await openStore(database).create(id, log) } catch let e as StoreError {
            printError("error: \(e)")
            throw ExitCode(ExitStatus.cannotCreate)
        }
        printLine("imported production '\(printable(id))': \(log.size) entries, checkpoint \(log.size) verified")
    }
}

/// `armory check`: loads and verifies every production in a database, as a server does on start.
struct Check: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Verify every production stored in a database.",
        discussion: "Each log is re-decided by the engine and checked against its stored tree and last signed checkpoint. Exit 1 if any does not verify."
    )

    @Option(help: "The database: a SQLite file or a postgres:// URL (default: ARMORY_DATABASE_URL).")
    var database: String?

    @Option(help: "The productions' verifier key (text or file), to check checkpoint signatures too.")
    var key: String?

    func run() async throws {
        let store = try await openStore(database)
        let trusted = try key.map { try loadVerifierKey($0, for: .log) }
        var failed = 0
        for id in try await store.productionIDs() {
            do {
                let log = try await store.load(id, logKey: trusted, readOnlyAtFault: true)
                // A production's id and a store's errors quote what the database holds.
                if let fault = log.fault {
                    // Its tree and checkpoints hold; one entry cannot be read or decided.
                    failed += 1
                    printLine("BAD \(printable(id)): \(log.size) entries; entry \(fault.index) cannot be read (\(printable(fault.message))); "
                              + "the server opens it read-only, with the \(fault.index) entries before it")
                    continue
                }
                printLine("ok  \(printable(id)): \(log.size) entries, \(log.checkpoints.count) checkpoints")
            } catch {
                failed += 1
                printLine("BAD \(printable(id)): \(printable("\(error)"))")
            }
        }
        if failed > 0 { throw ExitCode(1) }
    }
}

/// `armory soak`: records a synthetic production into a database as fast as it can, one
/// transaction per step, printing `ack N` after each commit. For crash and load tests:
/// run again on the same database and it carries on where the log ends.
struct Soak: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Append a synthetic production to a database, one committed step at a time (crash and load testing).")

    @Option(help: "The database: a SQLite file or a postgres:// URL (default: ARMORY_DATABASE_URL).") var database: String?
    @Option(help: "How many steps in all.") var steps = 100_000
    @Option(help: "Seed of the synthetic production.") var seed: UInt64 = 1
    @Option(help: "A log key, to sign checkpoints at every wrap.") var key: String?

    func run() async throws {
        let store = try await openStore(database)
        let scenario = ScenarioGenerator(seed: seed).scenario(steps: steps)
        let all = try scenario.steps.map { try Step(json: $0) }
        let signer = try key.map { try loadSigner($0, for: .log) }
        let id = "soak-\(seed)"
        var log: ProductionLog
        if try await store.productionIDs().contains(id) {
            log = try await store.load(id, logKey: nil, readOnlyAtFault: false)
        } else {
            log = ProductionLog(productionID: id, header: ProductionHeader(scenario: scenario), openedAt: all[0].at)
            try await store.create(id, log)
        }
        for step in all.dropFirst(log.size - 1) {
            let mark = log.mark
            try log.record(step, signer: signer)
            try await store.append(id, from: mark, to: log)
            // Written straight to the descriptor: an ack printed is an ack committed.
            FileHandle.standardOutput.write(Data("ack \(log.size - 1)\n".utf8))
        }
    }
}
