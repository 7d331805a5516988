import ArgumentParser
import ArmoryCore
import ArmoryLedger
import ArmoryAPI
import ArmoryStore
import Foundation

/// `armory create`: opens a production in a database from a scenario file's crew (title,
/// time zone, policy, people); its steps, if any, are not recorded.
struct Create: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Open a new production from a crew list (a scenario file's header).")

    @Argument(help: "A scenario file: its production, people and policy are used.")
    var scenario: String

    @Option(help: "The database: a SQLite file or a postgres:// URL (default: ARMORY_DATABASE_URL).")
    var database: String?

    @Option(help: "The production's id.")
    var production: String

    func run() async throws {
        try checkProductionID(production)
        let parsed: Scenario
        do { parsed = try Scenario(bytes: try readInput(scenario)) } catch let e as ScenarioError {
            printError("error: \(e)")
            throw ExitCode(ExitStatus.invalidInput)
        }
        let now = Date()
        let log = ProductionLog(productionID: production, header: ProductionHeader(scenario: parsed),
                                openedAt: Timestamp(seconds: Int64(now.timeIntervalSince1970)))
        do { try await openStore(database).create(production, log) } catch let e as StoreError {
            printError("error: \(e)")
            throw ExitCode(ExitStatus.cannotCreate)
        }
        printError("production '\(production)' opened with \(parsed.people.count) people")
    }
}

/// Refuses a production id that is not 1 to 64 ASCII letters, digits, '-' or '_': it
/// appears in URLs, on labels and in the log's origin line. `hint` says how to give another.
func checkProductionID(_ id: String, hint: String = "") throws {
    guard !id.isEmpty, id.utf8.count <= 64,
          id.unicodeScalars.allSatisfy({ $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-" || $0 == "_") })
    else {
        printError("error: a production id is 1 to 64 letters, digits, '-' or '_' (it appears in URLs and on labels), not '\(printable(id))'\(hint)")
        throw ExitCode(ExitStatus.invalidInput)
    }
}

/// `armory sign-ins`: gives people of a production new random passwords, written to a new
/// file (mode 0600, never overwritten) to hand out; the database keeps only scrypt hashes.
struct SignIns: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "sign-ins", abstract: "Set new passwords for a production's people.")

    @Option(help: "The database: a SQLite file or a postgres:// URL (default: ARMORY_DATABASE_URL).")
    var database: String?

    @Option(help: "The production's id.")
    var production: String

    @Option(name: .customLong("person"), help: "Only this person (repeatable); default everyone.")
    var people: [String] = []

    @Option(name: .shortAndLong, help: "File to write the passwords to (created with mode 0600; never overwritten).")
    var output: String

    @Option(help: "scrypt cost (log2 N).")
    var passwordCost = 15

    func run() async throws {
        guard !FileManager.default.fileExists(atPath: output) else {
            printError("error: \(output) already exists; Armory never overwrites a sign-in file")
            throw ExitCode(ExitStatus.cannotCreate)
        }
        // Created (empty, 0600) before any password is changed: if the file cannot be made,
        // nobody's password is replaced; if a password cannot be set, the file is removed.
        let file = try SecretFile.create(output)
        let lines: String
        let chosen: [Person]
        do {
            let store = try await openStore(database)
            let log: ProductionLog
            // A production open read-only (an entry no reader takes) still lets its people
            // sign in to read it, so they can still be given passwords.
            do { log = try await store.load(production, logKey: nil, readOnlyAtFault: true) } catch let e as StoreError {
                printError("error: \(e)")
                throw ExitCode(ExitStatus.invalidInput)
            }
            chosen = people.isEmpty ? log.header.people : try people.map { id in
                guard let p = log.state.people[id] else {
                    printError("error: no person '\(id)' in production '\(production)'")
                    throw ExitCode(ExitStatus.invalidInput)
                }
                return p
            }
            lines = try await Self.newPasswords(store, production: production, people: chosen, hasher: PasswordHasher(costLog2: passwordCost))
        } catch {
            file.discard()
            throw error
        }
        try file.write(Array(lines.utf8))
        printError("new passwords for \(chosen.count) people written to \(output)")
    }

    /// Gives each person a new random password (only its hash is stored) and returns the
    /// `id roles password` lines to hand out.
    static func newPasswords(_ store: any LogStore, production: String, people: [Person], hasher: PasswordHasher) async throws -> String {
        var lines = ""
        for p in people {
            let password = randomPassword()
            try await store.setSecret(production, person: p.id, secret: try hasher.hash(password))
            lines += "\(p.id) \(p.roles.map(\.rawValue).sorted().joined(separator: ",")) \(password)\n"
        }
        return lines
    }

    /// Five words and two digits from the system's random source: easy to read out on set,
    /// about 29 bits, with sign-ins paused after five failures and scrypt against offline guessing.
    static func randomPassword() -> String {
        (0..<5).map { _ in words.randomElement()! }.joined(separator: "-") + "-\(Int.random(in: 10...99))"
    }

    static let words = ["amber", "brass", "canyon", "dusty", "ember", "flint", "gulch", "mesa", "prairie", "ridge", "sage", "timber",
                        "arroyo", "butte", "cactus", "dune", "lariat", "mustang", "pinto", "rowel", "saddle", "spur", "yucca", "zephyr"]
}
