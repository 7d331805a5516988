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

    @Option(help: "A policy pack (policies/NAME.json, e.g. california-sb132); the file's own policy keys may tighten it, never loosen it.")
    var policy: String?

    func run() async throws {
        try checkProductionID(production)
        let parsed: Scenario
        let packs = try policyPacks()
        do {
            var json = try JSON.parse(try readInput(scenario))
            if let policy, case var .object(members) = json {
                // The pack named here, with the file's own keys beside it.
                var keys: [(key: String, value: JSON)] = [("pack", .string(policy))]
                if let i = members.firstIndex(where: { $0.key == "policy" }) {
                    if case let .object(own) = members[i].value { keys += own.filter { $0.key != "pack" } }
                    members[i].value = .object(keys)
                } else {
                    members.append(("policy", .object(keys)))
                }
                json = .object(members)
            }
            parsed = try Scenario(json: json, packs: packs)
        } catch let e as ScenarioError {
            printError("error: \(e)")
            throw ExitCode(ExitStatus.invalidInput)
        } catch let e as JSONSyntaxError {
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
        let file = try SecretFile.made(at: output)
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
        try file.writeAll(Array(lines.utf8))
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

/// `armory crew`: the crew list of a production in a database.
struct CrewCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "crew", abstract: "Keep a production's crew list (ROLE-3).",
                                                    subcommands: [CrewImport.self])
}

/// `armory crew import`: records the `join`, `set_roles` and `credential` steps that bring a
/// production's crew list to a day's call sheet. Never a `leave`. A bad row is reported with
/// its line and column, and nothing from the sheet is recorded.
struct CrewImport: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "import", abstract: "Bring the crew list to a call sheet (CSV).")

    @Argument(help: "The call sheet: CSV with the header id,name,roles,permit,permit_expires,training,training_expires ('-' for stdin).")
    var sheet: String

    @Option(help: "The production's id.")
    var production: String

    @Option(help: "The database: a SQLite file or a postgres:// URL (default: ARMORY_DATABASE_URL).")
    var database: String?

    @Option(name: .customLong("as"), help: "The producer recording the changes (a person id of the production).")
    var producer: String

    @Flag(help: "List the steps without recording them.")
    var dryRun = false

    func run() async throws {
        try checkProductionID(production)
        let parsed: CallSheet
        do { parsed = try CallSheet(bytes: try readInput(sheet, limit: 16 << 20, what: "a call sheet")) } catch let e as CallSheetError {
            printError("error: \(sheet): \(e); nothing was recorded")
            throw ExitCode(ExitStatus.invalidInput)
        }
        let store = try await openStore(database)
        var log = try await store.load(production, logKey: nil, readOnlyAtFault: false)
        guard let by = log.state.people[producer] else {
            printError("error: no person '\(printable(producer))' in production '\(production)'")
            throw ExitCode(ExitStatus.invalidInput)
        }
        // ROLE-3: only a producer keeps the crew list. Refused here, before anything is recorded.
        guard by.acts(as: .producer) else {
            printError("error: \(producer) is not a producer; only a producer changes the crew list (ROLE-3); nothing was recorded")
            throw ExitCode(1)
        }
        let actions = parsed.actions(against: log.state)
        if actions.isEmpty {
            print("the crew list already matches the sheet (\(parsed.rows.count) people); nothing to record")
            return
        }
        let now = Timestamp(seconds: Int64(Date().timeIntervalSince1970), offsetMinutes: 0)
        let at = log.state.lastAt.map { max($0, now) } ?? now
        for action in actions {
            let step = Step(at: at, by: producer, action: action)
            if dryRun {
                print(step.json.compactText)
                continue
            }
            let mark = log.mark
            let (index, decision) = try log.record(step)
            try await store.append(production, from: mark, to: log)
            print("\(index)\t\(decision.outcome.rawValue)\t\(decision.rules.map(\.rawValue).joined(separator: ","))\t\(decision.message)")
        }
        if dryRun { printError("\(actions.count) step\(actions.count == 1 ? "" : "s") would be recorded (dry run: nothing recorded)") }
    }
}
