import ArgumentParser
import ArmoryAPI
import ArmoryLedger
import ArmoryServer
import ArmoryStore
import Foundation
import Hummingbird
import Logging

/// `armory witness`: an insurer's or union's witness. `cosign` (the default) cosigns one
/// checkpoint from the command line; `serve` runs the C2SP tlog-witness protocol over HTTP.
struct WitnessCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "witness",
        abstract: "Cosign production checkpoints as a witness: one at a time, or as a service.",
        subcommands: [WitnessCosign.self, WitnessServe.self],
        defaultSubcommand: WitnessCosign.self
    )
}

/// `armory witness cosign`: cosigns a production's checkpoint, but only after checking the
/// log's signature and consistency with the last checkpoint it cosigned (kept in its state file).
struct WitnessCosign: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cosign",
        abstract: "Cosign a checkpoint after checking it extends the last one cosigned."
    )

    @Argument(help: "The signed checkpoint to cosign.")
    var checkpoint: String

    @Option(help: "The witness's private key file (made with `armory keys create --witness`).")
    var key: String

    @Option(help: "The log's verifier key (text or file).")
    var logKey: String

    @Option(help: "The witness's state file: the last checkpoint it cosigned (created if absent).")
    var state: String

    @Option(help: "Consistency proof from the last cosigned size to this one: base64 hashes, one per line.")
    var proof: String?

    @Option(help: "Cosignature time, seconds since 1970 (default: now).")
    var time: UInt64?

    @Option(name: .shortAndLong, help: "Where to write the cosigned checkpoint.")
    var output: String

    func run() throws {
        let signer = try loadSigner(key, for: .witness)
        let log = try loadVerifierKey(logKey, for: .log)
        var last: Checkpoint?
        if FileManager.default.fileExists(atPath: state) {
            last = try? Checkpoint(text: String(decoding: try readInput(state), as: UTF8.self))
            if last == nil {
                printError("error: witness state \(state) is not a checkpoint")
                throw ExitCode(ExitStatus.invalidInput)
            }
        }
        var witness = try Witness(signer: signer, logKey: log, last: last)
        let note: SignedNote
        do { note = try SignedNote(parsing: String(decoding: try readInput(checkpoint), as: UTF8.self)) } catch {
            printError("error: \(checkpoint): \(error)")
            throw ExitCode(ExitStatus.invalidInput)
        }
        var hashes: [Hash] = []
        if let proof {
            for line in String(decoding: try readInput(proof), as: UTF8.self).split(separator: "\n") {
                guard let h = Data(base64Encoded: String(line)), h.count == 32 else {
                    printError("error: \(proof) holds a line that is not a base64 hash")
                    throw ExitCode(ExitStatus.invalidInput)
                }
                hashes.append(Array(h))
            }
        }
        let cosigned: SignedNote
        do {
            cosigned = try witness.cosign(note, consistency: hashes, timestamp: time ?? UInt64(Date().timeIntervalSince1970))
        } catch {
            printError("error: refused to cosign: \(error)")
            throw ExitCode(1)
        }
        try writeOutput(Array(cosigned.formatted.utf8), to: output)
        try writeOutput(Array(witness.last!.text.utf8), to: state)
        printLine("cosigned \(printable(witness.last!.origin)) at size \(witness.last!.size) as \(printable(signer.verifierKey.name))")
    }
}

/// `armory witness serve`: the C2SP tlog-witness protocol over HTTP. `POST /add-checkpoint`
/// cosigns a followed log's checkpoint that extends the last one cosigned for it;
/// `GET /<hex SHA-256 of the origin>/checkpoint` reads that one back.
struct WitnessServe: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run a witness: cosign each followed log's checkpoints over HTTP (C2SP tlog-witness).",
        discussion: "Each --log names a log's origin line and the verifier key it signs with: --log 'armory/shoot-1=armory.example/log+1a2b3c4d+AQ...'."
    )

    @Option(help: "The witness's private key file (made with `armory keys create --witness`).")
    var key: String

    @Option(name: .customLong("log"), help: "ORIGIN=VKEY: a log this witness follows, and its verifier key (text or file); repeat for each.")
    var logs: [String] = []

    @Option(help: "The witness's SQLite database: the last checkpoint cosigned for each log, and evidence of forks.")
    var database: String

    @Option(help: "Address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on (0 picks a free one).")
    var port = 8090

    func run() async throws {
        let signer = try loadSigner(key, for: .witness)
        var followed: [String: [NoteVerifierKey]] = [:]
        for spec in logs {
            guard let eq = spec.lastIndex(of: "="), eq != spec.startIndex else {
                printError("error: --log must be ORIGIN=VKEY, not '\(printable(spec))'")
                throw ExitCode(ExitStatus.invalidInput)
            }
            followed[String(spec[..<eq]), default: []].append(try loadVerifierKey(String(spec[spec.index(after: eq)...]), for: .log))
        }
        guard !followed.isEmpty else {
            printError("error: a witness follows at least one log: give --log ORIGIN=VKEY")
            throw ExitCode(ExitStatus.invalidInput)
        }
        let rules: WitnessRules
        do { rules = try WitnessRules(signer: signer, logs: followed) } catch {
            printError("error: \(error)")
            throw ExitCode(ExitStatus.invalidInput)
        }
        var logger = Logger(label: "armory-witness")
        logger.logLevel = .info
        let server = WitnessServer(rules: rules, store: try WitnessStore(path: database), logger: logger)
        let (address, configured, name) = (host, port, signer.verifierKey.name)
        let app = buildWitnessApplication(server, host: address, port: configured, logger: logger, onServerRunning: { channel in
            let port = channel.localAddress?.port ?? configured
            FileHandle.standardOutput.write(Data(printable("Armory witness \(name) is serving on http://\(address):\(port)\n", keepingLines: true).utf8))
        })
        try await app.runService()
    }
}
