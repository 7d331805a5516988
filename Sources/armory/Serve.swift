import ArgumentParser
import ArmoryAPI
import ArmoryCore
import ArmoryDelivery
import ArmoryHub
import ArmoryLedger
import ArmoryServer
import ArmoryStore
import Crypto
import Foundation
import Hummingbird
import Logging

/// `armory serve`: the HTTP API on one process, embedded SQLite by default.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the Armory server: the API, sign-in, live alarms and metrics.",
        discussion: """
            With --demo, a demo production (people, firearms, lots, a day in progress) is created \
            in ./armory-demo (or reused), and its sign-ins are printed.
            Environment: ARMORY_DATABASE_URL, ARMORY_KEY_FILE, ARMORY_METRICS_TOKEN, ARMORY_HOST, ARMORY_PORT.
            """)

    @Option(help: "A SQLite file or a postgres:// URL (default: ARMORY_DATABASE_URL; with --demo, armory-demo/armory.db).")
    var database: String?

    @Option(help: "Address to listen on (default: ARMORY_HOST or 127.0.0.1).")
    var host: String?

    @Option(help: "Port to listen on (default: ARMORY_PORT or 8080; 0 picks a free one).")
    var port: Int?

    @Option(help: "The production's private signing key file (default: ARMORY_KEY_FILE; with --demo, armory-demo/log.key).")
    var key: String?

    @Flag(help: "Create or reuse the demo production and print its sign-ins.")
    var demo = false

    @Option(help: "Where --demo keeps its database, key and sign-ins.")
    var demoDir = "armory-demo"

    @Option(help: "scrypt cost (log2 N) for new passwords.")
    var passwordCost = 15

    @Flag(help: "Send session cookies without the Secure attribute (plain HTTP on a LAN).")
    var insecureCookies = false

    @Option(help: "Seconds a connection may idle, or take to send its headers, before it is closed.")
    var idleTimeout = ServerOptions.defaultIdleTimeout

    @Option(help: "Connections open at once; more are closed as they arrive.")
    var maximumConnections = ServerOptions.defaultMaximumConnections

    @Option(help: ArgumentHelp("Recent entries of each production kept in memory; older ones are read from the store (at least \(ProductionHub.smallestWindow)).", valueName: "entries"))
    var memoryWindow = ProductionHub.defaultWindow

    @Option(help: ArgumentHelp("Productions held in memory at once; past it the least recently used idle one with no unanswered alarm is let go, and opened again from the store when next used.", valueName: "count"))
    var heldProductions = ProductionHub.defaultHeldProductions

    @Option(help: ArgumentHelp("Stored entries between two signed snapshots of a production's state, which opening it starts from instead of replaying its whole log (0: none are stored).", valueName: "entries"))
    var snapshotInterval = ProductionHub.defaultSnapshotInterval

    @Option(help: ArgumentHelp("Send every alarm of every production to this webhook (Alertmanager format, version 4); repeatable.", valueName: "url"))
    var webhook: [String] = []

    @Option(help: ArgumentHelp("The file holding the secret that signs the bodies sent to the --webhook given in the same place (X-Armory-Signature); repeatable. Without one, a secret is made and kept 0600 beside the database.", valueName: "file"))
    var webhookSecretFile: [String] = []

    @Option(help: ArgumentHelp("E-mail alarms through this SMTP relay (STARTTLS when it offers it).", valueName: "host:port"))
    var smtp: String?

    @Option(help: ArgumentHelp("The sender address of alarm e-mail (with --smtp).", valueName: "address"))
    var smtpFrom: String?

    @Option(help: ArgumentHelp("The server's VAPID key file for Web Push to phones, made (0600) if missing (default: ARMORY_VAPID_KEY_FILE, else vapid.key beside the database).", valueName: "file"))
    var vapidKey: String?

    @Option(help: ArgumentHelp("Who push services may write to about this server's pushes: mailto:ADDRESS or an https: page (default: ARMORY_PUSH_CONTACT, else mailto: the --smtp-from address, else mailto:alarms@armory.invalid).", valueName: "contact"))
    var pushContact: String?

    @Option(help: "The address crew devices reach this server at (e.g. https://armory.example or http://10.0.0.5:8080), for QR codes and links meant for another device (default: ARMORY_PUBLIC_URL, else the address a page was opened at).")
    var publicURL: String?

    @Option(name: .customLong("witness"), help: ArgumentHelp("URL=VKEY: a witness (C2SP tlog-witness) each new checkpoint is sent to, and its cosignature key (text or file); repeatable.", valueName: "url=vkey"))
    var witnesses: [String] = []

    @Option(help: ArgumentHelp("Cosignatures a checkpoint needs to count as witnessed (default: every --witness).", valueName: "count"))
    var witnessQuorum: Int?

    @Option(help: ArgumentHelp("On a set: the studio server each production's log is mirrored to whenever the link is up (C2SP tlog-mirror).", valueName: "url"))
    var mirrorTo: String?

    @Option(help: ArgumentHelp("On a set: the file holding this set's token at the studio (with --mirror-to).", valueName: "file"))
    var mirrorTokenFile: String?

    @Option(help: ArgumentHelp("On the studio: the productions mirrored here, one per line: PRODUCTION VKEY TOKEN-SHA256 (the set's log key, text or file, and the hex SHA-256 of the set's token); # starts a comment.", valueName: "file"))
    var mirrorFrom: String?

    func validate() throws {
        // Said plainly rather than quietly raised or ignored.
        guard memoryWindow >= ProductionHub.smallestWindow else {
            throw ValidationError("--memory-window must be at least \(ProductionHub.smallestWindow) entries (the pages read the last 80)")
        }
        guard heldProductions >= 1 else { throw ValidationError("--held-productions must be at least 1") }
        guard snapshotInterval >= 0 else { throw ValidationError("--snapshot-interval must be 0 (no snapshots) or a number of entries") }
        guard maximumConnections >= 1 else { throw ValidationError("--maximum-connections must be at least 1") }
    }

    func run() async throws {
        let env = ProcessInfo.processInfo.environment
        var logger = Logger(label: "armory")
        logger.logLevel = env["ARMORY_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
        if demo { try FileManager.default.createDirectory(atPath: demoDir, withIntermediateDirectories: true) }
        let location = database ?? env["ARMORY_DATABASE_URL"] ?? (demo ? "\(demoDir)/armory.db" : nil)
        // The key first: a wrong key stops the server before any database is opened or made.
        let keyPath = key ?? env["ARMORY_KEY_FILE"] ?? (demo ? "\(demoDir)/log.key" : nil)
        var signer: NoteSigner?
        if let keyPath {
            if demo && !FileManager.default.fileExists(atPath: keyPath) {
                let s = try NoteSigner(name: "armory.demo/dry-creek", type: .ed25519)
                try writeOutput(Array((s.signerKeyText + "\n").utf8), to: keyPath, secret: true)
            }
            signer = try loadSigner(keyPath, for: .log)
        } else {
            logger.warning("no signing key (--key or ARMORY_KEY_FILE): checkpoints will not be signed and bundles cannot be exported")
        }
        if let location { Self.warnIfShared(database: location, logger: logger) }
        let store = try await openStore(location)
        var options = ServerOptions()
        options.host = host ?? env["ARMORY_HOST"] ?? "127.0.0.1"
        options.port = port ?? env["ARMORY_PORT"].flatMap(Int.init) ?? 8080
        options.passwords = PasswordHasher(costLog2: passwordCost)
        options.metricsToken = env["ARMORY_METRICS_TOKEN"]
        options.secureCookies = !insecureCookies
        options.idleTimeout = idleTimeout
        options.maximumConnections = maximumConnections
        options.memoryWindow = memoryWindow
        options.heldProductions = heldProductions
        options.snapshotInterval = snapshotInterval
        if let url = publicURL ?? env["ARMORY_PUBLIC_URL"] {
            guard let parsed = URL(string: url), ["http", "https"].contains(parsed.scheme ?? ""), parsed.host != nil,
                  parsed.query == nil, parsed.fragment == nil else {
                printError("error: --public-url must be an http:// or https:// address with a host and no query, not '\(printable(url))'")
                throw ExitCode(ExitStatus.invalidInput)
            }
            options.publicURL = url.hasSuffix("/") ? String(url.dropLast()) : url
        }
        options.webhooks = try webhookSecrets(database: location)
        options.witnesses = try witnessPeers()
        try mirroring(&options)
        options.witnessQuorum = witnessQuorum ?? options.witnesses.count
        if !options.witnesses.isEmpty || witnessQuorum != nil {
            guard (1...max(1, options.witnesses.count)).contains(options.witnessQuorum), !options.witnesses.isEmpty else {
                printError("error: --witness-quorum must be 1 to the number of --witness (\(options.witnesses.count)), not \(options.witnessQuorum)")
                throw ExitCode(ExitStatus.invalidInput)
            }
            if signer == nil { logger.warning("--witness given without a signing key: there are no checkpoints to send") }
        }
        if let smtp {
            let parts = smtp.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty, let port = Int(parts[1]), (1...65535).contains(port) else {
                printError("error: --smtp must be HOST:PORT, not '\(printable(smtp))'")
                throw ExitCode(ExitStatus.invalidInput)
            }
            guard let from = smtpFrom, SMTPSender.isAddress(from) else {
                printError("error: --smtp needs --smtp-from with the sender's e-mail address")
                throw ExitCode(ExitStatus.invalidInput)
            }
            options.smtp = SMTPRelay(host: String(parts[0]), port: port, from: from)
        }
        if let outbox = store as? any DeliveryStore { try await outbox.setServerWebhooks(options.webhooks) }
        // Web Push: the server's VAPID key, made once and kept 0600 like the signing key.
        let folder = location.flatMap { $0.hasPrefix("postgres") ? nil : URL(fileURLWithPath: $0).deletingLastPathComponent().path } ?? "."
        let vapidPath = vapidKey ?? env["ARMORY_VAPID_KEY_FILE"] ?? "\(folder)/vapid.key"
        do {
            let contact = try VAPIDContact(pushContact ?? env["ARMORY_PUSH_CONTACT"] ?? smtpFrom.map { "mailto:" + $0 } ?? "mailto:alarms@armory.invalid")
            options.push = (try VAPIDKey.loadOrCreate(at: vapidPath), contact)
        } catch {
            printError("error: Web Push: \(error)")
            throw ExitCode(ExitStatus.invalidInput)
        }
        // Whoever was signed in before a restart still is (only the tokens' digests are kept).
        let api = ArmoryAPI(store: store, signer: signer, kept: try await store.sessions(validAt: Int64(Date().timeIntervalSince1970)),
                            options: options, logger: logger)
        var logins: [(String, String, String)] = []
        if demo { logins = try await demoLogins(hub: api.hub, store: store, signer: signer, hasher: options.passwords) }
        let (host, configuredPort, demoLogins) = (options.host, options.port, logins)
        let app = buildApplication(api: api, logger: logger, onServerRunning: { channel in
                                  let port = channel.localAddress?.port ?? configuredPort
                                  var out = "Armory is serving on http://\(host):\(port)\n"
                                  if !demoLogins.isEmpty {
                                      out += "Demo production '\(Demo.productionID)'. Sign in at POST /api/v1/productions/\(Demo.productionID)/sign-in with:\n"
                                      for (id, roles, password) in demoLogins { out += "  \(id.padding(toLength: 5, withPad: " ", startingAt: 0)) \(password)  (\(roles))\n" }
                                  }
                                  FileHandle.standardOutput.write(Data(printable(out, keepingLines: true).utf8))
                              })
        try await app.runService()
        if let pg = store as? PostgresLogStore { pg.shutdown() }
    }

    /// --mirror-to with its token (a set), and --mirror-from's registrations (the studio).
    func mirroring(_ options: inout ServerOptions) throws {
        switch (mirrorTo, mirrorTokenFile) {
        case (nil, nil): break
        case let (url?, file?):
            if let problem = WebhookAddress.problem(url) {
                printError("error: --mirror-to '\(printable(url))': \(problem.replacingOccurrences(of: "webhook", with: "studio"))")
                throw ExitCode(ExitStatus.invalidInput)
            }
            let token = String(decoding: try readInput(file, limit: 4096, what: "a token file"), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            guard token.utf8.count >= 16, token.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7f }) else {
                printError("error: the token in \(printable(file)) must be at least 16 printable characters without spaces")
                throw ExitCode(ExitStatus.invalidInput)
            }
            options.mirrorTo = (url, token)
        default:
            printError("error: --mirror-to and --mirror-token-file go together")
            throw ExitCode(ExitStatus.invalidInput)
        }
        guard let mirrorFrom else { return }
        let text = String(decoding: try readInput(mirrorFrom, limit: 1 << 20, what: "a list of mirrored productions"), as: UTF8.self)
        for (n, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)[0].trimmingCharacters(in: .whitespaces)
            if line.isEmpty { continue }
            let fields = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            func refuse(_ why: String) throws -> Never {
                printError("error: \(printable(mirrorFrom)) line \(n + 1): \(why)")
                throw ExitCode(ExitStatus.invalidInput)
            }
            guard fields.count == 3 else { try refuse("expected PRODUCTION VKEY TOKEN-SHA256") }
            try checkProductionID(fields[0], hint: " (\(printable(mirrorFrom)) line \(n + 1))")
            let digest = fields[2].lowercased()
            guard digest.count == 64, digest.allSatisfy(\.isHexDigit), let bytes = Self.hexBytes(digest) else {
                try refuse("the token's SHA-256 is 64 hex digits")
            }
            guard options.mirrors[fields[0]] == nil else { try refuse("production '\(fields[0])' is listed twice") }
            options.mirrors[fields[0]] = MirrorReceiver.Registration(key: try loadVerifierKey(fields[1], for: .log), tokenDigest: bytes)
        }
    }

    static func hexBytes(_ hex: String) -> [UInt8]? {
        var out: [UInt8] = []
        var it = hex.makeIterator()
        while let a = it.next(), let b = it.next() {
            guard let byte = UInt8(String([a, b]), radix: 16) else { return nil }
            out.append(byte)
        }
        return out
    }

    /// Each --witness: its address (http or https, as a webhook's) and its cosignature key.
    func witnessPeers() throws -> [WitnessPeer] {
        try witnesses.map { spec in
            guard let eq = spec.lastIndex(of: "="), eq != spec.startIndex else {
                printError("error: --witness must be URL=VKEY, not '\(printable(spec))'")
                throw ExitCode(ExitStatus.invalidInput)
            }
            let url = String(spec[..<eq])
            if let problem = WebhookAddress.problem(url) {
                printError("error: --witness '\(printable(url))': \(problem.replacingOccurrences(of: "webhook", with: "witness"))")
                throw ExitCode(ExitStatus.invalidInput)
            }
            return WitnessPeer(url: url, key: try loadVerifierKey(String(spec[spec.index(after: eq)...]), for: .witness))
        }
    }

    /// Each --webhook with its secret: read from the --webhook-secret-file given in the same
    /// place, or made once and kept (0600) beside the database.
    func webhookSecrets(database: String?) throws -> [(url: String, secret: String)] {
        guard webhookSecretFile.count <= webhook.count else {
            printError("error: \(webhookSecretFile.count) --webhook-secret-file for \(webhook.count) --webhook")
            throw ExitCode(ExitStatus.invalidInput)
        }
        var out: [(url: String, secret: String)] = []
        for (k, url) in webhook.enumerated() {
            if let problem = WebhookAddress.problem(url) {
                printError("error: --webhook '\(printable(url))': \(problem)")
                throw ExitCode(ExitStatus.invalidInput)
            }
            if k < webhookSecretFile.count {
                let text = try String(contentsOfFile: webhookSecretFile[k], encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
                guard text.utf8.count >= 16 else {
                    printError("error: the secret in \(webhookSecretFile[k]) is shorter than 16 characters")
                    throw ExitCode(ExitStatus.invalidInput)
                }
                out.append((url, text))
            } else {
                let folder = database.map { URL(fileURLWithPath: $0).deletingLastPathComponent().path } ?? "."
                let digest = SHA256.hash(data: Array(url.utf8)).prefix(6).map { String(format: "%02x", $0) }.joined()
                let file = "\(folder.hasPrefix("postgres") ? "." : folder)/webhook-\(digest).secret"
                if let kept = try? String(contentsOfFile: file, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines), kept.utf8.count >= 16 {
                    out.append((url, kept))
                } else {
                    var g = SystemRandomNumberGenerator()
                    let secret = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &g)) }.joined()
                    try writeOutput(Array((secret + "\n").utf8), to: file, secret: true)
                    FileHandle.standardError.write(Data("webhook \(printable(url)): bodies are signed with the secret in \(file)\n".utf8))
                    out.append((url, secret))
                }
            }
        }
        return out
    }

    /// Creates the demo production once; its sign-ins are kept in a 0600 file beside the
    /// database so a reused demo prints them again (only their hashes are in the database).
    func demoLogins(hub: ProductionHub, store: any LogStore, signer: NoteSigner?, hasher: PasswordHasher) async throws -> [(String, String, String)] {
        let file = "\(demoDir)/logins.txt"
        if try await !store.productionIDs().contains(Demo.productionID) {
            // A sign-in file left from an earlier demo database is stale: its passwords are
            // replaced, and the new file is created afresh (mode 0600, never written through).
            try? FileManager.default.removeItem(atPath: file)
            try await hub.create(Demo.productionID, try Demo.log(now: Date(), signer: signer))
            let lines = try await SignIns.newPasswords(store, production: Demo.productionID, people: Demo.people, hasher: hasher)
            try writeOutput(Array(lines.utf8), to: file, secret: true)
        }
        let text = (try? String(contentsOfFile: file, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { line in
            let f = line.split(separator: " ").map(String.init)
            return f.count == 3 ? (f[0], f[1], f[2]) : nil
        }
    }

    /// Warns when an existing SQLite database can be read by others: it holds password
    /// hashes and session digests, and SQLite gives its -wal and -shm files the same mode.
    /// (New databases are made 0600 by the umask `armory` sets.)
    static func warnIfShared(database location: String, logger: Logger) {
        guard !location.hasPrefix("postgres://"), !location.hasPrefix("postgresql://"),
              let attributes = try? FileManager.default.attributesOfItem(atPath: location),
              let mode = (attributes[.posixPermissions] as? NSNumber)?.intValue, mode & 0o077 != 0
        else { return }
        logger.warning("database \(location) is readable by others (mode \(String(mode, radix: 8))); it holds password hashes: chmod 600 it and its -wal and -shm files")
    }
}
