import ArgumentParser
import ArmoryLedger
import Foundation

/// `armory keys`: creates and shows signing keys. A private key is written only to a new
/// file with mode 0600 and is never printed or logged.
struct Keys: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create and show the keys that sign a production's log and witness it.",
        subcommands: [Create.self, Show.self]
    )

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a key; print its public verifier key.")

        @Option(help: "Key name: a schema-less URL, e.g. armory.example/dry-creek (no spaces, no '+').")
        var name: String

        @Flag(help: "Make a witness (cosignature) key instead of a log key.")
        var witness = false

        @Option(name: .shortAndLong, help: "File to write the private key to (created with mode 0600; never overwritten).")
        var output: String

        func run() throws {
            let signer: NoteSigner
            do { signer = try NoteSigner(name: name, type: witness ? .cosignatureV1 : .ed25519) } catch {
                printError("error: \(error)")
                throw ExitCode(ExitStatus.invalidInput)
            }
            guard !FileManager.default.fileExists(atPath: output) else {
                printError("error: \(output) already exists; Armory never overwrites a key file")
                throw ExitCode(ExitStatus.cannotCreate)
            }
            try writeOutput(Array((signer.signerKeyText + "\n").utf8), to: output, secret: true)
            print(signer.verifierKey)
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the public verifier key of a key file.")

        @Argument(help: "A private key file or a verifier key file.")
        var file: String

        func run() throws {
            let text = String(decoding: try readInput(file), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            if let signer = try? NoteSigner(signerKey: text) {
                print(signer.verifierKey)
            } else if let key = try? NoteVerifierKey(text) {
                print(key)
            } else {
                printError("error: \(file) holds neither an Armory private key nor a verifier key")
                throw ExitCode(ExitStatus.invalidInput)
            }
        }
    }
}

/// Reads a private key file, refusing one that others can read.
func loadSigner(_ path: String, what: String) throws -> NoteSigner {
    let attributes = try? FileManager.default.attributesOfItem(atPath: path)
    if let mode = (attributes?[.posixPermissions] as? NSNumber)?.intValue, mode & 0o077 != 0 {
        printError("error: \(what) \(path) is readable by others (mode \(String(mode, radix: 8))); chmod 600 it")
        throw ExitCode(ExitStatus.invalidInput)
    }
    let text = String(decoding: try readInput(path), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    do { return try NoteSigner(signerKey: text) } catch {
        printError("error: \(what) \(path) is not an Armory private key")
        throw ExitCode(ExitStatus.invalidInput)
    }
}

/// A verifier key given inline or as a file.
func loadVerifierKey(_ textOrPath: String) throws -> NoteVerifierKey {
    if let key = try? NoteVerifierKey(textOrPath) { return key }
    let text = String(decoding: try readInput(textOrPath), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    if let key = try? NoteVerifierKey(text) { return key }
    if let signer = try? NoteSigner(signerKey: text) { return signer.verifierKey }
    printError("error: \(textOrPath) is not a verifier key")
    throw ExitCode(ExitStatus.invalidInput)
}

/// Writes a file, readable only by its owner when it is `secret` (keys, passwords).
func writeOutput(_ bytes: [UInt8], to path: String, secret: Bool = false) throws {
    guard FileManager.default.createFile(atPath: path, contents: Data(bytes), attributes: secret ? [.posixPermissions: 0o600] : nil) else {
        printError("error: cannot write \(path)")
        throw ExitCode(ExitStatus.cannotCreate)
    }
}
