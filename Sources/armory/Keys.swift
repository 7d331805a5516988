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
    try SecretFile.create(path).write(bytes)
}

/// A new file for a secret, open for writing. It is made by open(2) with
/// O_CREAT|O_EXCL|O_NOFOLLOW and mode 0600, so it is never readable by others, even for a
/// moment, and the "never overwritten" check and the creation are one step: an existing
/// file, or a symbolic link planted at its path, makes `create` fail and is left untouched.
struct SecretFile {
    let path: String
    let fd: Int32

    static func create(_ path: String) throws -> SecretFile {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            let why = errno
            var st = stat()
            if lstat(path, &st) == 0 {
                let link = st.st_mode & S_IFMT == S_IFLNK
                printError("error: \(path) already exists\(link ? " (a symbolic link)" : ""); Armory never overwrites a key or password file")
            } else {
                printError("error: cannot create \(path): \(String(cString: strerror(why)))")
            }
            throw ExitCode(ExitStatus.cannotCreate)
        }
        return SecretFile(path: path, fd: fd)
    }

    /// Writes all of `bytes`, flushes them to the disk and closes the file. On failure the
    /// file (new, and ours) is removed: a partial key or password list is never left.
    func write(_ bytes: [UInt8]) throws {
        var written = 0
        var failure: Int32 = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { Foundation.write(fd, $0.baseAddress! + written, bytes.count - written) }
            if n < 0 {
                if errno == EINTR { continue }
                failure = errno
                break
            }
            written += n
        }
        if failure == 0, fsync(fd) != 0 { failure = errno }
        if close(fd) != 0, failure == 0 { failure = errno }
        guard failure == 0 else {
            unlink(path)
            printError("error: cannot write \(path): \(String(cString: strerror(failure)))")
            throw ExitCode(ExitStatus.cannotCreate)
        }
    }

    /// Closes and removes the file, when what was to go in it could not be made.
    func discard() {
        close(fd)
        unlink(path)
    }
}
