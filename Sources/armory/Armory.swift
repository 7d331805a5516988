import ArgumentParser
import Foundation

/// The entry point: every file `armory` creates is its owner's alone (umask 077), whoever
/// runs it and whatever their umask. The SQLite database and its -wal and -shm files hold
/// scrypt password hashes and session digests; keys, sign-in lists and bundles are evidence
/// or secrets. A file meant for others is shared on purpose, with chmod.
@main
enum Main {
    static func main() async {
        umask(0o077)
        await Armory.main()
    }
}

/// The `armory` command: prop-firearm custody and evidence for film and TV productions.
struct Armory: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "armory",
        abstract: "Keep prop firearms and ammunition safe on set, and prove afterwards what happened.",
        version: "0.1.0",
        subcommands: [Serve.self, Create.self, SignIns.self, CrewCommand.self, Replay.self, Verify.self, Export.self, Import.self, Check.self, Keys.self, WitnessCommand.self, Generate.self, Soak.self]
    )
}

/// Exit statuses from sysexits(3), so scripts can tell bad input from a missing file.
enum ExitStatus {
    /// The input file was not valid (EX_DATAERR).
    static let invalidInput: Int32 = 65
    /// The input file could not be opened (EX_NOINPUT).
    static let noInput: Int32 = 66
    /// The output could not be written (EX_CANTCREAT).
    static let cannotCreate: Int32 = 73
}
