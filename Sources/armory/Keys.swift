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
            print(printable(signer.verifierKey.description))
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the public verifier key of a key file.")

        @Argument(help: "A private key file or a verifier key file.")
        var file: String

        func run() throws {
            let text = String(decoding: try readInput(file, limit: maxKeyFileBytes, what: "a key file"), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            // A key's name is whatever its file says: printed through `printable`.
            if let signer = try? NoteSigner(signerKey: text) {
                print(printable(signer.verifierKey.description))
            } else if let key = try? NoteVerifierKey(text) {
                print(printable(key.description))
            } else {
                printError("error: \(file) holds neither an Armory private key nor a verifier key")
                throw ExitCode(ExitStatus.invalidInput)
            }
        }
    }
}

/// What a key is loaded for: the log signs checkpoints with an Ed25519 key (type 0x01); a
/// witness cosigns them with a cosignature key (type 0x04). The two are not interchangeable:
/// a log that "signed" with a cosignature key would make notes no verifier accepts.
enum KeyRole {
    case log, witness

    var type: NoteKeyType { self == .log ? .ed25519 : .cosignatureV1 }
    var label: String { self == .log ? "log key" : "witness key" }

    /// How a key of `type` is called in messages.
    static func kind(_ type: NoteKeyType) -> String {
        switch type {
        case .ed25519: "an Ed25519 log key (type 0x01)"
        case .cosignatureV1: "a witness cosignature key (type 0x04)"
        }
    }

    /// Why a key of `type` cannot be used for this role, or nil when it can.
    func refusal(_ type: NoteKeyType) -> String? {
        guard type != self.type else { return nil }
        return self == .log
            ? "is \(Self.kind(type)), not a log key: the log signs with an Ed25519 key (`armory keys create` without --witness)"
            : "is \(Self.kind(type)), not a witness key: a witness cosigns with a cosignature key (`armory keys create --witness`)"
    }
}

/// The most bytes a key file may hold: a key is one short line.
let maxKeyFileBytes = 64 * 1024

/// Reads a private key file for `role`, refusing one that others can read or one of the
/// other kind (a witness key given as the log's key, or the other way round).
func loadSigner(_ path: String, for role: KeyRole) throws -> NoteSigner {
    let attributes = try? FileManager.default.attributesOfItem(atPath: path)
    if let mode = (attributes?[.posixPermissions] as? NSNumber)?.intValue, mode & 0o077 != 0 {
        printError("error: \(role.label) \(path) is readable by others (mode \(String(mode, radix: 8))); chmod 600 it")
        throw ExitCode(ExitStatus.invalidInput)
    }
    let text = String(decoding: try readInput(path, limit: maxKeyFileBytes, what: "a key file"), as: UTF8.self)
        .trimmingCharacters(in: .whitespacesAndNewlines)
    let signer: NoteSigner
    do { signer = try NoteSigner(signerKey: text) } catch {
        printError("error: \(role.label) \(path) is not an Armory private key")
        throw ExitCode(ExitStatus.invalidInput)
    }
    if let why = role.refusal(signer.verifierKey.type) {
        printError("error: \(role.label) \(path) \(why)")
        throw ExitCode(ExitStatus.invalidInput)
    }
    return signer
}

/// A verifier key for `role`, given inline or as a file (a private key file gives its
/// verifier key).
func loadVerifierKey(_ textOrPath: String, for role: KeyRole) throws -> NoteVerifierKey {
    let key: NoteVerifierKey
    if let inline = try? NoteVerifierKey(textOrPath) {
        key = inline
    } else {
        let text = String(decoding: try readInput(textOrPath, limit: maxKeyFileBytes, what: "a key file"), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        if let fromFile = try? NoteVerifierKey(text) {
            key = fromFile
        } else if let signer = try? NoteSigner(signerKey: text) {
            key = signer.verifierKey
        } else {
            printError("error: \(textOrPath) is not a verifier key")
            throw ExitCode(ExitStatus.invalidInput)
        }
    }
    if let why = role.refusal(key.type) {
        printError("error: the \(role == .log ? "log's" : "witness's") verifier key \(key) \(why)")
        throw ExitCode(ExitStatus.invalidInput)
    }
    return key
}

/// Writes a file. A `secret` one (a private key, passwords) is a `SecretFile`: created
/// new with mode 0600, never written through an existing file or a symbolic link.
func writeOutput(_ bytes: [UInt8], to path: String, secret: Bool = false) throws {
    guard secret else {
        guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else {
            printError("error: cannot write \(path)")
            throw ExitCode(ExitStatus.cannotCreate)
        }
        return
    }
    try SecretFile.made(at: path).writeAll(bytes)
}

extension SecretFile {
    /// A new secret file, or a clear error and exit status: Armory never overwrites a key or
    /// password file.
    static func made(at path: String) throws -> SecretFile {
        do { return try SecretFile.create(path) } catch {
            if case .exists = error {
                printError("error: \(error); Armory never overwrites a key or password file")
            } else {
                printError("error: \(error)")
            }
            throw ExitCode(ExitStatus.cannotCreate)
        }
    }

    /// Writes the file whole, or prints why not and exits.
    func writeAll(_ bytes: [UInt8]) throws {
        do { try write(bytes) } catch {
            printError("error: \(error)")
            throw ExitCode(ExitStatus.cannotCreate)
        }
    }
}
