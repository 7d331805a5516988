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
        let source = try openBundle(bundle)
        func refused(_ why: String) -> ExitCode {
            printError("error: \(printable(bundle)) does not verify, nothing imported: \(printable(why))")
            return ExitCode(1)
        }
        let summary: BundleSummary
        do { summary = try EvidenceBundle.verify(source, trustedLogKey: trusted) } catch { throw refused(error.description) }
        // Read a second time, a batch at a time, into one transaction: the file is never
        // held whole, and its checkpoint's signature is checked again with the key it was
        // verified with.
        let reader: BundleLog
        do { reader = try BundleLog(source, logKey: summary.logKey) } catch { throw refused(error.description) }
        let origin = reader.origin
        let id = productionID ?? (origin.hasPrefix("armory/") ? String(origin.dropFirst(7)) : origin)
        try checkProductionID(id, hint: productionID == nil ? " (from the bundle's origin); give one with --production-id" : "")
        let log = LogImport(origin: origin, checkpoints: [reader.checkpoint]) { try reader.next(upTo: $0) }
        do { try await openStore(database).create(id, importing: log) } catch let e as StoreError {
            printError("error: \(e)")
            throw ExitCode(ExitStatus.cannotCreate)
        } catch let e as BundleError {
            // The bundle changed after it was verified: the transaction stored nothing.
            throw refused(e.description)
        } catch let e as LogReplayError {
            throw refused(e.description)
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
                let (snapshotOK, snapshotText) = try await snapshotFinding(store, id, log, trusted)
                guard snapshotOK else {
                    failed += 1
                    printLine("BAD \(printable(id)): \(log.size) entries; \(printable(snapshotText))")
                    continue
                }
                printLine("ok  \(printable(id)): \(log.size) entries, \(log.checkpoints.count) checkpoints" + snapshotText)
            } catch {
                failed += 1
                printLine("BAD \(printable(id)): \(printable("\(error)"))")
            }
        }
        if failed > 0 { throw ExitCode(1) }
    }
}

/// The newest stored state snapshot against the state the full replay reached at its size:
/// a snapshot whose signature (with a key given), tree root or state hash does not hold, or
/// whose state differs from the replay's, is a finding. Returns whether it holds and words
/// to print (empty when no snapshot is stored).
func snapshotFinding(_ store: any LogStore, _ id: String, _ log: ProductionLog, _ key: NoteVerifierKey?) async throws -> (Bool, String) {
    guard let stored = try await store.snapshotCandidates(id, limit: 1).snapshots.first else { return (true, "") }
    let note: SignedNote, snapshot: StateSnapshot
    do {
        note = try SignedNote(parsing: stored.note)
        snapshot = try StateSnapshot(text: note.text)
    } catch {
        return (false, "the newest state snapshot cannot be read: \(error.message)")
    }
    let at = "the state snapshot at \(snapshot.size) entries"
    if let key {
        do { _ = try note.verify(with: [key]) } catch { return (false, "\(at) is not signed with the log's key: \(error.message)") }
    }
    guard snapshot.origin == log.origin else { return (false, "\(at) is of \(snapshot.origin)") }
    guard let all = log.entries.all, snapshot.size <= all.count, (try? log.tree.rootHash(size: snapshot.size)) == snapshot.rootHash else {
        return (false, "\(at) names a tree root the log does not have at that size")
    }
    guard StateSnapshot.hash(stored.state) == snapshot.stateHash else { return (false, "\(at): the stored state does not hash to the snapshot's") }
    let state: ProductionState
    do { state = try ProductionState(encoded: stored.state) } catch { return (false, "\(at): its state cannot be read: \(error.message)") }
    if let fault = log.fault, snapshot.size > Int(fault.index) { return (false, "\(at) covers entry \(fault.index), which cannot be read") }
    let replayed: ProductionState
    do { replayed = try LogReplay(entryBytes: Array(all[..<snapshot.size])).finalState } catch { return (false, "\(at): \(error.description)") }
    guard replayed == state else { return (false, "\(at) does not equal the state the full replay reached there") }
    let engine = snapshot.engineRevision == ProtocolRevision.current ? "" : " (decided under protocol revision \(snapshot.engineRevision): not opened from)"
    return (true, "; \(at) equals the replay's" + engine)
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
