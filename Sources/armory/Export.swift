import ArgumentParser
import ArmoryCore
import ArmoryLedger
import ArmoryStore
import Foundation

/// `armory export`: writes an evidence bundle of one day, one firearm or everything.
struct Export: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write an evidence bundle that anyone can verify offline with `armory verify`.",
        discussion: """
            The production is read from a scenario file and recorded exactly as the live \
            system records it: every step decided and appended, a checkpoint signed at every \
            wrap and at once after an unplanned discharge (EVID-2), each cosigned by the \
            witnesses given, and a final checkpoint of the whole log.
            """
    )

    @Option(help: "The database to export from: a SQLite file or a postgres:// URL (made by `armory replay --record`).")
    var database: String?

    @Option(help: "With --database: the production's id.")
    var production: String?

    @Option(help: "Or: the production, as a scenario file (SCENARIOS.md). An optional top-level \"evidence_transfers\" list ([{at, by, case, to, firearms, lots}]) records evidence handed to investigators, in time order with the steps.")
    var scenario: String?

    @Option(help: "Production id for the log's origin line (armory/<id>); default: the file's name.")
    var productionID: String?

    @Option(help: "The log's private key file (see `armory keys create`).")
    var key: String

    @Option(help: "A witness's private key file; repeat for several witnesses.")
    var witnessKey: [String] = []

    @Option(help: "Only this day (YYYY-MM-DD, local date as written in the steps).")
    var day: String?

    @Option(help: "Only this firearm.")
    var firearm: String?

    @Flag(help: "The whole log.")
    var all = false

    @Option(name: .shortAndLong, help: "The bundle file to write (a tar archive).")
    var output: String

    func validate() throws {
        guard (scenario != nil) != (database != nil) else { throw ValidationError("give either --scenario FILE or --database FILE --production ID") }
        if database != nil && production == nil { throw ValidationError("--database needs --production ID") }
        let chosen = [day != nil, firearm != nil, all].filter { $0 }.count
        guard chosen == 1 else { throw ValidationError("choose exactly one of --day DATE, --firearm ID, --all") }
        if let day, day.count != 10 || Timestamp(rfc3339: day + "T00:00:00Z") == nil {
            throw ValidationError("--day must be a date like 2026-03-02, not '\(day)'")
        }
    }

    func run() async throws {
        let signer = try loadSigner(key, for: .log)
        let witnesses = try witnessKey.map { try loadSigner($0, for: .witness) }
        if let database, let production {
            try await exportStored(database: database, production: production, signer: signer, witnesses: witnesses)
            return
        }
        let scenarioPath = self.scenario!
        let scenario: Scenario
        let steps: [Step]
        let packs = try policyPacks()
        do {
            scenario = try Scenario(bytes: try readInput(scenarioPath), packs: packs)
            steps = try scenario.steps.enumerated().map { k, json in
                do { return try Step(json: json) } catch let e as StepFormatError { throw ScenarioError(step: k + 1, message: e.message) }
            }
        } catch let e as ScenarioError {
            printError(e.description)
            throw ExitCode(ExitStatus.invalidInput)
        }
        guard let first = steps.first else {
            printError("error: the scenario has no steps to record")
            throw ExitCode(ExitStatus.invalidInput)
        }
        let id = productionID ?? URL(fileURLWithPath: scenarioPath).deletingPathExtension().lastPathComponent
        try checkProductionID(id, hint: productionID == nil ? "; give one with --production-id" : "")
        var log = ProductionLog(productionID: id, header: ProductionHeader(scenario: scenario), openedAt: first.at)
        var cosigners = try witnesses.map { try Witness(signer: $0, logKey: signer.verifierKey) }
        var cosigned = 0
        func cosignNew() throws {
            while cosigned < log.checkpoints.count {
                var note = log.checkpoints[cosigned]
                let cp = try Checkpoint(text: note.text)
                for k in cosigners.indices {
                    let proof = try cosigners[k].last.map { try log.tree.consistencyProof(from: $0.size, to: cp.size) } ?? []
                    // The cosignature's time is the moment of the last entry it covers.
                    note = try cosigners[k].cosign(note, consistency: proof, timestamp: UInt64(max(0, log.lastAt.seconds)))
                }
                log.replaceCheckpoint(at: cosigned, with: note)
                cosigned += 1
            }
        }
        let transfers = try readTransfers(scenario: scenarioPath)
        var next = 0
        func recordTransfers(upTo limit: Timestamp?) throws {
            while next < transfers.count, limit.map({ transfers[next].at < $0 }) ?? true {
                do { try log.transfer(transfers[next], signer: signer) } catch {
                    printError("error: evidence transfer \(next + 1): \(error.message)")
                    throw ExitCode(ExitStatus.invalidInput)
                }
                try cosignNew()
                next += 1
            }
        }
        for (k, step) in steps.enumerated() {
            try recordTransfers(upTo: step.at)
            do { try log.record(step, signer: signer) } catch {
                printError(ScenarioError(step: k + 1, message: error.message).description)
                throw ExitCode(ExitStatus.invalidInput)
            }
            try cosignNew()
        }
        try recordTransfers(upTo: nil)
        log.signCheckpoint(signer)
        try cosignNew()
        try write(log, signer: signer, witnesses: witnesses)
    }

    /// Exports a production stored in a database, signing (and storing) a checkpoint of the
    /// whole log first when the latest does not cover it.
    func exportStored(database: String, production: String, signer: NoteSigner, witnesses: [NoteSigner]) async throws {
        let store = try await openStore(database)
        var log: ProductionLog
        do { log = try await store.load(production, logKey: signer.verifierKey, readOnlyAtFault: false) } catch let e as StoreError {
            printError("error: \(e)")
            throw ExitCode(ExitStatus.invalidInput)
        }
        let mark = log.mark
        log.signCheckpoint(signer)
        try await store.append(production, from: mark, to: log)
        try write(log, signer: signer, witnesses: witnesses)
    }

    func write(_ log: ProductionLog, signer: NoteSigner, witnesses: [NoteSigner]) throws {
        let scope: EvidenceScope = day.map { .day($0) } ?? firearm.map { .firearm($0) } ?? .all
        if case .firearm(let f) = scope, log.state.firearm(f) == nil {
            printError("error: no firearm '\(f)' in this production")
            throw ExitCode(ExitStatus.invalidInput)
        }
        let archive = try EvidenceBundle.make(log: log, scope: scope, witnessKeys: witnesses.map(\.verifierKey), logKey: signer.verifierKey)
        try writeOutput(archive.encoded(), to: output)
        let inScope = archive.file("manifest.json").flatMap { try? JSON.parse($0) }?["in_scope"]?["count"]?.intValue ?? 0
        printLine("wrote \(printable(output)): \(printable(scope.description)), \(inScope) entries in scope of \(log.size), \(log.checkpoints.count) checkpoints, signed by \(printable(signer.verifierKey.description))")
    }
}

/// Reads a scenario file's optional `evidence_transfers`: `armory replay` ignores this
/// top-level key (SCENARIOS.md), `armory export` records each transfer in time order.
func readTransfers(scenario path: String) throws -> [EvidenceTransfer] {
    guard let json = try? JSON.parse(try readInput(path)), let list = json["evidence_transfers"] else { return [] }
    guard case let .array(items) = list else {
        printError("error: evidence_transfers must be an array")
        throw ExitCode(ExitStatus.invalidInput)
    }
    var out: [EvidenceTransfer] = []
    for (k, item) in items.enumerated() {
        guard case let .object(members) = item, case let .string(atText)? = item["at"], let at = Timestamp(rfc3339: atText),
              case let .string(by)? = item["by"]
        else {
            printError("error: evidence transfer \(k + 1): needs 'at' (RFC 3339) and 'by'")
            throw ExitCode(ExitStatus.invalidInput)
        }
        do {
            out.append(try EvidenceTransfer(json: .object(members.filter { $0.key != "at" && $0.key != "by" }), at: at, by: by))
        } catch {
            printError("error: evidence transfer \(k + 1): \(error.message)")
            throw ExitCode(ExitStatus.invalidInput)
        }
    }
    return out
}
