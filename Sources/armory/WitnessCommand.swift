import ArgumentParser
import ArmoryLedger
import Foundation

/// `armory witness`: an insurer's or union's witness cosigns a production's checkpoint,
/// but only after checking the log's signature and consistency with the last checkpoint
/// it cosigned (kept in its state file).
struct WitnessCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "witness",
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
