import ArmoryLedger
import Foundation
import Logging
import PostgresNIO
import Synchronization

/// The studio server's store: many productions in one PostgreSQL database, each its own
/// log, with the same guarantees as the embedded store. An append runs in one transaction
/// that locks the production's row (`FOR UPDATE`), so writers to one production are
/// serialised and a writer who decided against an older log gets `.conflict`; a commit is
/// acknowledged only once PostgreSQL has flushed it (`synchronous_commit = on`).
public final class PostgresLogStore: Sendable {
    let client: PostgresClient
    let runner: Task<Void, Never>
    /// Where the server is, for the one connection outside the pool: the one that listens.
    let listenerConfiguration: PostgresConnection.Configuration
    let logger = Logger(label: "armory.store.postgres")

    /// Connects to `postgres://user[:password]@host[:port]/database` and brings the schema up to date.
    public init(url: String) async throws {
        guard let u = URLComponents(string: url), u.scheme == "postgres" || u.scheme == "postgresql",
              let host = u.host, let user = u.user
        else { throw StoreError.badURL(url) }
        var config = PostgresClient.Configuration(host: host, port: u.port ?? 5432, username: user, password: u.password,
                                                  database: u.path.isEmpty ? nil : String(u.path.dropFirst()), tls: .disable)
        config.options.minimumConnections = 0
        config.options.connectTimeout = .seconds(5)
        // The pool's own chatter (retries, a lease before run() starts) is not for the
        // person at the terminal; failures reach them as errors.
        var poolLogger = Logger(label: "armory.store.postgres.pool")
        poolLogger.logLevel = .critical
        listenerConfiguration = PostgresConnection.Configuration(host: host, port: u.port ?? 5432, username: user, password: u.password,
                                                                 database: u.path.isEmpty ? nil : String(u.path.dropFirst()), tls: .disable)
        let client = PostgresClient(configuration: config, backgroundLogger: poolLogger)
        self.client = client
        self.runner = Task { await client.run() }
        // The pool retries a refused connection for ever; a person at a terminal or a
        // server starting up needs a clear error instead.
        let deadline = Duration.seconds(15)
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await self.migrate() }
                group.addTask {
                    try await Task.sleep(for: deadline)
                    throw StoreError.unreachable(host: host, port: u.port ?? 5432)
                }
                try await group.next()
                group.cancelAll()
            }
        } catch {
            runner.cancel()
            throw error
        }
    }

    /// How long a request waits for a connection. The pool waits for PostgreSQL's return
    /// (up to a minute), so with PostgreSQL down or restarting every request would hang
    /// and /health would not answer; instead the store says it is unavailable (a 503 and
    /// Retry-After) and nothing is done.
    static let connectionWait = Duration.seconds(2)

    /// Whether a bounded lease (`leased`) started its statement or gave up first.
    enum Lease { case waiting, started, gaveUp }
    final class LeaseState: Sendable {
        let state = Mutex(Lease.waiting)
        /// Moves from waiting to `next`; false if the other side moved first.
        func claim(_ next: Lease) -> Bool {
            state.withLock { state in
                guard state == .waiting else { return false }
                state = next
                return true
            }
        }
    }

    /// Runs `body` on a connection the pool hands out within `connectionWait`, or throws
    /// `StoreError.unavailable` having run nothing. The wait and the statement share one
    /// lease: with a check first and a second lease for the statement, PostgreSQL stopping
    /// in between left the statement waiting for its return. Once `body` has started it is
    /// never timed out (its outcome would be unknown).
    func leased<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        let lease = LeaseState()
        let unavailable = StoreError.unavailable("no connection to PostgreSQL within \(Self.connectionWait)")
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                try await self.client.withConnection { c in
                    lease.claim(.started) ? try await Self.answered(on: c) { try await body(c) } : nil
                }
            }
            group.addTask {
                try await Task.sleep(for: Self.connectionWait)
                if lease.claim(.gaveUp) { throw unavailable }
                return nil
            }
            while let result = try await group.next() {
                if let value = result {
                    group.cancelAll()
                    return value
                }
            }
            throw unavailable
        }
    }

    /// How often a statement under way looks whether its connection closed.
    static let closedCheck = Duration.milliseconds(100)

    /// What `body` (statements on `c`) answers, or `StoreError.unavailable` once `c` has been
    /// closed for two looks without an answer. A statement written just as its connection
    /// closes can be lost by the driver without ever being answered (seen as PostgreSQL
    /// restarted under load): without this, the request, and every step queued behind it,
    /// would wait for ever. A statement on an open connection is never timed out (its
    /// outcome would be unknown); one given up on here may have been stored, which the hub
    /// learns as it reloads the log.
    static func answered<T: Sendable>(on c: PostgresConnection, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let reply = Reply<T>()
        return try await withCheckedThrowingContinuation { k in
            reply.waiting.withLock { $0 = k }
            // One task per statement; the connections of every statement waiting are looked
            // at by one watcher for the whole process, not one sleeping task each.
            let ticket = watch.add(c) { error in reply.waiting.withLock { $0.take() }?.resume(throwing: error) }
            Task {
                do {
                    let value = try await body()
                    reply.waiting.withLock { $0.take() }?.resume(returning: value)
                } catch {
                    reply.waiting.withLock { $0.take() }?.resume(throwing: error)
                }
                watch.remove(ticket)
            }
        }
    }

    /// The connections of the statements waiting for an answer.
    static let watch = ConnectionWatch(every: closedCheck)

    /// Looks, every `every`, at the connection of each statement waiting for its answer, and
    /// gives up on the statement once its connection has been seen closed twice running.
    /// Runs only while statements wait.
    final class ConnectionWatch: Sendable {
        struct Waiting {
            let connection: PostgresConnection
            let giveUp: @Sendable (any Error) -> Void
            var closedLooks = 0
        }
        struct Book {
            var next = 0
            var waiting: [Int: Waiting] = [:]
            var running = false
        }
        let every: Duration
        let book = Mutex(Book())

        init(every: Duration) { self.every = every }

        /// Watches `connection` until `remove`; `giveUp` is called if it closes first.
        func add(_ connection: PostgresConnection, giveUp: @escaping @Sendable (any Error) -> Void) -> Int {
            let (ticket, start) = book.withLock { b in
                b.next += 1
                b.waiting[b.next] = Waiting(connection: connection, giveUp: giveUp)
                defer { b.running = true }
                return (b.next, !b.running)
            }
            if start { Task { await self.run() } }
            return ticket
        }

        func remove(_ ticket: Int) { _ = book.withLock { $0.waiting.removeValue(forKey: ticket) } }

        func run() async {
            while true {
                try? await Task.sleep(for: every)
                let (closed, done) = book.withLock { b -> ([Waiting], Bool) in
                    var closed: [Waiting] = []
                    for (ticket, var w) in b.waiting {
                        w.closedLooks = w.connection.isClosed ? w.closedLooks + 1 : 0
                        if w.closedLooks >= 2 {
                            closed.append(w)
                            b.waiting[ticket] = nil
                        } else {
                            b.waiting[ticket] = w
                        }
                    }
                    if b.waiting.isEmpty { b.running = false }
                    return (closed, !b.running)
                }
                for w in closed {
                    w.giveUp(StoreError.unavailable("the connection to PostgreSQL closed before it answered (what was being stored may or may not be)"))
                }
                if done { return }
            }
        }
    }

    /// The caller of `answered`, until the statement or the check answers it.
    final class Reply<T: Sendable>: Sendable {
        let waiting = Mutex<CheckedContinuation<T, any Error>?>(nil)
    }

    /// The rows of one statement, read whole on the lease it ran on.
    struct Rows: Sendable {
        let rows: [PostgresRow]
        func decode<each Column: PostgresDecodable>(_ type: (repeat each Column).Type) throws -> [(repeat each Column)] {
            try rows.map { try $0.decode(type) }
        }
    }

    /// One statement on one bounded lease (`leased`): a statement never waits for a
    /// connection after its lease was given (PostgreSQL stopping between a check and a
    /// second lease left the request waiting for its return).
    @discardableResult
    func query(_ query: PostgresQuery) async throws -> Rows {
        let logger = self.logger
        return Rows(rows: try await leased { c in try await c.query(query, logger: logger).collect() })
    }

    /// Runs `body` in a transaction on one bounded lease, rethrowing the store's own errors as themselves.
    func transaction(_ body: @escaping @Sendable (PostgresConnection) async throws -> Void) async throws {
        let logger = self.logger
        do {
            try await leased { c in try await c.withTransaction(logger: logger) { c in try await body(c) } }
        } catch let e as PostgresTransactionError {
            // The body's own error (a conflict, an import's entry that does not stand up), rolled back.
            if let own = e.closureError { throw own }
            throw e
        }
    }

    /// Stops the connection pool.
    public func shutdown() { runner.cancel() }

    /// The channel every append is announced on, at its commit: `<production> <new size>`.
    static let changesChannel = "armory_log"

    /// The schema, versioned and append-only: a migration once shipped is never edited.
    func migrate() async throws {
        try await migration(1) { c in
            try await c.query("CREATE TABLE production (id TEXT PRIMARY KEY, origin TEXT NOT NULL, size BIGINT NOT NULL)", logger: logger)
            try await c.query("""
                CREATE TABLE entry (production TEXT NOT NULL REFERENCES production, idx BIGINT NOT NULL,
                                    bytes BYTEA NOT NULL, PRIMARY KEY (production, idx))
                """, logger: logger)
            try await c.query("""
                CREATE TABLE node (production TEXT NOT NULL REFERENCES production, level INTEGER NOT NULL,
                                   idx BIGINT NOT NULL, hash BYTEA NOT NULL, PRIMARY KEY (production, level, idx))
                """, logger: logger)
            try await c.query("""
                CREATE TABLE checkpoint (production TEXT NOT NULL REFERENCES production, position INTEGER NOT NULL,
                                         size BIGINT NOT NULL, note TEXT NOT NULL, PRIMARY KEY (production, position))
                """, logger: logger)
        }
        try await migration(2) { c in
            for sql in [
                "ALTER TABLE entry ADD COLUMN day TEXT",
                "ALTER TABLE entry ADD COLUMN outcome TEXT",
                "CREATE INDEX entry_day ON entry (production, day, idx)",
                "CREATE INDEX entry_alarm ON entry (production, idx) WHERE outcome = 'alarm'",
                """
                CREATE TABLE subject (production TEXT NOT NULL REFERENCES production, subject TEXT NOT NULL, idx BIGINT NOT NULL,
                                      PRIMARY KEY (production, subject, idx))
                """,
                """
                CREATE TABLE firearm_state (production TEXT NOT NULL REFERENCES production, id TEXT NOT NULL, custodian TEXT,
                                            condition TEXT NOT NULL, state TEXT NOT NULL, PRIMARY KEY (production, id))
                """,
                """
                CREATE TABLE lot_state (production TEXT NOT NULL REFERENCES production, id TEXT NOT NULL, kind TEXT NOT NULL,
                                        state TEXT NOT NULL, PRIMARY KEY (production, id))
                """,
            ] {
                try await c.query(PostgresQuery(unsafeSQL: sql), logger: logger)
            }
            // Logs stored before the read models existed: derive them from the entries.
            var productions: [(String, String)] = []
            for try await row in try await c.query("SELECT id, origin FROM production", logger: logger).decode((String, String).self) {
                productions.append(row)
            }
            for (id, origin) in productions {
                var bytes: [[UInt8]] = []
                for try await b in try await c.query("SELECT bytes FROM entry WHERE production = \(id) ORDER BY idx", logger: logger).decode(Data.self) {
                    bytes.append([UInt8](b))
                }
                // A log that no longer replays is refused when loaded; it gets no read models.
                guard let log = try? ProductionLog(origin: origin, entries: bytes, checkpoints: []) else { continue }
                let rows = LogRows(log)
                for e in rows.entries {
                    try await c.query("UPDATE entry SET day = \(e.day), outcome = \(e.outcome) WHERE production = \(id) AND idx = \(e.index)", logger: logger)
                    for s in e.subjects {
                        try await c.query("INSERT INTO subject (production, subject, idx) VALUES (\(id), \(s), \(e.index))", logger: logger)
                    }
                }
                try await Self.writeReadModels(c, id: id, rows: rows, logger: logger)
            }
        }
        try await migration(3) { c in
            try await c.query("""
                CREATE TABLE credential (production TEXT NOT NULL REFERENCES production, person TEXT NOT NULL,
                                         secret TEXT NOT NULL, PRIMARY KEY (production, person))
                """, logger: logger)
        }
        try await migration(4) { c in
            try await c.query("""
                CREATE TABLE session (digest TEXT NOT NULL PRIMARY KEY, production TEXT NOT NULL REFERENCES production,
                                      person TEXT NOT NULL, expires BIGINT NOT NULL)
                """, logger: logger)
        }
        try await migration(5) { c in
            try await c.query("ALTER TABLE session ADD COLUMN via TEXT NOT NULL DEFAULT 'password'", logger: logger)
        }
        try await migration(6) { c in
            for statement in Self.outboxSchema { try await c.query(PostgresQuery(unsafeSQL: statement), logger: logger) }
        }
        try await migration(7) { c in
            for statement in Self.mirrorSchema { try await c.query(PostgresQuery(unsafeSQL: statement), logger: logger) }
        }
        try await migration(8) { c in
            // Signed state snapshots: extra to the log, so opening a production need not replay it whole.
            try await c.query("""
                CREATE TABLE snapshot (production TEXT NOT NULL REFERENCES production, size BIGINT NOT NULL, note TEXT NOT NULL,
                                       state BYTEA NOT NULL, PRIMARY KEY (production, size))
                """, logger: logger)
        }
    }

    /// Runs schema migration `version` once: in one transaction under the schema lock (so two
    /// processes starting together do not both run it), skipped when `armory_schema` records
    /// it, recorded there with its changes.
    func migration(_ version: Int, _ changes: (PostgresConnection) async throws -> Void) async throws {
        try await client.withTransaction(logger: logger) { c in
            try await c.query("SELECT pg_advisory_xact_lock(7202621)", logger: logger)
            if version == 1 { try await c.query("CREATE TABLE IF NOT EXISTS armory_schema (version INTEGER PRIMARY KEY)", logger: logger) }
            let rows = try await c.query("SELECT version FROM armory_schema WHERE version = \(version)", logger: logger).collect()
            guard rows.isEmpty else { return }
            try await changes(c)
            try await c.query("INSERT INTO armory_schema (version) VALUES (\(version))", logger: logger)
        }
    }

    public func saveSession(_ s: StoredSession) async throws {
        try await query("""
            INSERT INTO session (digest, production, person, expires, via) VALUES (\(s.digest), \(s.production), \(s.person), \(s.expires), \(s.via))
            ON CONFLICT (digest) DO UPDATE SET expires = EXCLUDED.expires
            """)
    }

    public func deleteSession(digest: String) async throws {
        try await query("DELETE FROM session WHERE digest = \(digest)")
    }

    public func sessions(validAt now: Int64) async throws -> [StoredSession] {
        try await query("DELETE FROM session WHERE expires <= \(now)")
        var out: [StoredSession] = []
        for (digest, production, person, expires, via) in try await query(
            "SELECT digest, production, person, expires, via FROM session ORDER BY digest"
        ).decode((String, String, String, Int64, String).self) {
            out.append(StoredSession(digest: digest, production: production, person: person, expires: expires, via: via))
        }
        return out
    }

    public func deleteSessions(_ production: String, person: String) async throws -> [String] {
        var out: [String] = []
        for digest in try await query(
            "DELETE FROM session WHERE production = \(production) AND person = \(person) RETURNING digest"
        ).decode(String.self) {
            out.append(digest)
        }
        return out.sorted()
    }

    /// Sets a person's sign-in secret (a password hash; never the password).
    public func setSecret(_ production: String, person: String, secret: String) async throws {
        try await query("""
            INSERT INTO credential (production, person, secret) VALUES (\(production), \(person), \(secret))
            ON CONFLICT (production, person) DO UPDATE SET secret = EXCLUDED.secret
            """)
    }

    /// A person's sign-in secret, if one was set.
    public func secret(_ production: String, person: String) async throws -> String? {
        var out: String?
        for s in try await query("SELECT secret FROM credential WHERE production = \(production) AND person = \(person)").decode(String.self) {
            out = s
        }
        return out
    }

    public func productionIDs() async throws -> [String] {
        var out: [String] = []
        for id in try await query("SELECT id FROM production ORDER BY id").decode(String.self) {
            out.append(id)
        }
        return out
    }

    public func create(_ id: String, _ log: ProductionLog) async throws {
        let rows = LogRows(log)
        try await transaction { [logger] c in
            try await Self.open(c, id, origin: log.origin, logger: logger)
            try await Self.write(c, id, rows, expected: 0, logger: logger)
        }
    }

    /// Stores a log handed over a batch at a time, in one transaction: each batch is built
    /// off the cooperative pool and written as one statement.
    public func create(_ id: String, importing log: LogImport) async throws {
        try await transaction { [logger] c in
            try await Self.open(c, id, origin: log.origin, logger: logger)
            while let (rows, expected) = try await offPool({ try log.next() }) {
                try await Self.write(c, id, rows, expected: expected, logger: logger)
            }
        }
    }

    /// The production's row, refused if there is one of that id.
    static func open(_ c: PostgresConnection, _ id: String, origin: String, logger: Logger) async throws {
        let existing = try await c.query("SELECT 1 FROM production WHERE id = \(id)", logger: logger).collect()
        guard existing.isEmpty else { throw StoreError.productionExists(id) }
        try await c.query("INSERT INTO production (id, origin, size) VALUES (\(id), \(origin), 0)", logger: logger)
    }

    /// Writes rows onto a production being created. A production opened with a log already
    /// in it (an import, a replay): its alarms are history, not news, so no deliveries.
    static func write(_ c: PostgresConnection, _ id: String, _ rows: LogRows, expected: Int, logger: Logger) async throws {
        guard try await wrote(c.query(appendQuery(id: id, rows: rows, expected: expected, deliveries: false), logger: logger)) else {
            throw StoreError.conflict(production: id, expectedSize: expected, storedSize: -1)
        }
    }

    /// One statement, so one round trip and its own transaction: the size moves on from the
    /// size the writer decided against (the row lock serialises writers to a production),
    /// and only then are the entries, nodes, checkpoints and read models written.
    public func append(_ id: String, _ batch: AppendBatch) async throws {
        let statement = Self.appendQuery(id: id, rows: batch.rows, expected: batch.expectedSize)
        let logger = self.logger
        guard try await leased({ c in try await Self.wrote(c.query(statement, logger: logger)) }) else {
            var stored: Int?
            for size in try await query("SELECT size FROM production WHERE id = \(id)").decode(Int.self) {
                stored = size
            }
            guard let stored else { throw StoreError.unknownProduction(id) }
            throw StoreError.conflict(production: id, expectedSize: batch.expectedSize, storedSize: stored)
        }
    }

    /// Whether the append statement wrote (its one row counts the production rows it moved on).
    static func wrote(_ rows: PostgresRowSequence) async throws -> Bool {
        var written: [Int] = []
        for try await n in rows.decode(Int.self) { written.append(n) }
        return written == [1]
    }

    static func appendQuery(id: String, rows: LogRows, expected: Int, deliveries: Bool = true) -> PostgresQuery {
        var b = PostgresBindings()
        b.append(id)
        b.append(rows.size)
        b.append(expected)
        b.append(rows.entries.map(\.index))
        b.append(rows.entries.map { ByteBuffer(bytes: $0.bytes) })
        b.append(rows.entries.map(\.day))
        b.append(rows.entries.map(\.outcome))
        let subjects = rows.entries.flatMap { e in e.subjects.map { (e.index, $0) } }
        b.append(subjects.map(\.1))
        b.append(subjects.map(\.0))
        b.append(rows.nodes.map(\.level))
        b.append(rows.nodes.map(\.index))
        b.append(rows.nodes.map { ByteBuffer(bytes: $0.hash) })
        b.append(rows.checkpoints.map(\.position))
        b.append(rows.checkpoints.map(\.size))
        b.append(rows.checkpoints.map(\.note))
        b.append(rows.firearms.map(\.id))
        b.append(rows.firearms.map { $0.custodian ?? "" })
        b.append(rows.firearms.map(\.condition))
        b.append(rows.firearms.map(\.json))
        b.append(rows.lots.map(\.id))
        b.append(rows.lots.map(\.condition))
        b.append(rows.lots.map(\.json))
        // The new alarms' deliveries (round 0), in the same statement: a crash loses none.
        let alarms = deliveries ? rows.alarms : []
        let recipients = alarms.flatMap { a in a.people.map { (a.index, $0, rows.seconds(of: a.index)) } }
        b.append(recipients.map(\.0))
        b.append(recipients.map(\.1))
        b.append(recipients.map(\.2))
        b.append(alarms.map(\.index))
        b.append(alarms.map { rows.seconds(of: $0.index) })
        return PostgresQuery(unsafeSQL: """
            WITH up AS (UPDATE production SET size = $2 WHERE id = $1 AND size = $3 RETURNING id),
            e AS (INSERT INTO entry (production, idx, bytes, day, outcome)
                  SELECT up.id, t.* FROM up, unnest($4::bigint[], $5::bytea[], $6::text[], $7::text[]) AS t),
            s AS (INSERT INTO subject (production, subject, idx) SELECT up.id, t.* FROM up, unnest($8::text[], $9::bigint[]) AS t),
            n AS (INSERT INTO node (production, level, idx, hash) SELECT up.id, t.* FROM up, unnest($10::bigint[], $11::bigint[], $12::bytea[]) AS t),
            c AS (INSERT INTO checkpoint (production, position, size, note) SELECT up.id, t.* FROM up, unnest($13::bigint[], $14::bigint[], $15::text[]) AS t
                  ON CONFLICT (production, position) DO UPDATE SET size = EXCLUDED.size, note = EXCLUDED.note),
            f AS (INSERT INTO firearm_state (production, id, custodian, condition, state)
                  SELECT up.id, t.i, NULLIF(t.c, ''), t.k, t.s FROM up, unnest($16::text[], $17::text[], $18::text[], $19::text[]) AS t(i, c, k, s)
                  ON CONFLICT (production, id) DO UPDATE SET custodian = EXCLUDED.custodian, condition = EXCLUDED.condition, state = EXCLUDED.state),
            l AS (INSERT INTO lot_state (production, id, kind, state) SELECT up.id, t.* FROM up, unnest($20::text[], $21::text[], $22::text[]) AS t
                  ON CONFLICT (production, id) DO UPDATE SET state = EXCLUDED.state),
            d AS (INSERT INTO delivery (key, production, idx, round, recipient, channel, address, target, state, attempts, next_at, created_at)
                  SELECT up.id || '/' || r.i || '/0/' || k.person || '/' || k.channel || '/' || k.id, up.id, r.i, 0, k.person, k.channel,
                         k.address, k.id, 'pending', 0, 0, r.t
                  FROM up CROSS JOIN unnest($23::bigint[], $24::text[], $25::bigint[]) AS r(i, p, t)
                  JOIN contact k ON k.production = $1 AND k.person = r.p
                  ON CONFLICT (key) DO NOTHING),
            w AS (INSERT INTO delivery (key, production, idx, round, recipient, channel, address, target, state, attempts, next_at, created_at)
                  SELECT up.id || '/' || a.i || '/0/webhook/webhook/' || h.id, up.id, a.i, 0, 'webhook', 'webhook', h.url, h.id, 'pending', 0, 0, a.t
                  FROM up CROSS JOIN unnest($26::bigint[], $27::bigint[]) AS a(i, t)
                  JOIN webhook h ON h.production IN ('*', $1)
                  ON CONFLICT (key) DO NOTHING)
            SELECT count(*)::bigint FROM (SELECT pg_notify('\(changesChannel)', up.id || ' ' || $2::text) FROM up) AS told
            """, binds: b)
    }

    static func writeReadModels(_ c: PostgresConnection, id: String, rows: LogRows, logger: Logger) async throws {
        for f in rows.firearms {
            try await c.query("""
                INSERT INTO firearm_state (production, id, custodian, condition, state) VALUES (\(id), \(f.id), \(f.custodian), \(f.condition), \(f.json))
                ON CONFLICT (production, id) DO UPDATE SET custodian = EXCLUDED.custodian, condition = EXCLUDED.condition, state = EXCLUDED.state
                """, logger: logger)
        }
        for l in rows.lots {
            try await c.query("""
                INSERT INTO lot_state (production, id, kind, state) VALUES (\(id), \(l.id), \(l.condition), \(l.json))
                ON CONFLICT (production, id) DO UPDATE SET state = EXCLUDED.state
                """, logger: logger)
        }
    }

    /// Runs `body` in one read-only, repeatable-read transaction, so that all it reads is
    /// one snapshot of the database: another process appending meanwhile is not seen halfway.
    func inOneSnapshot<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        let logger = self.logger
        return try await leased { c in
            try await c.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", logger: logger)
            do {
                let read = try await body(c)
                try await c.query("COMMIT", logger: logger)
                return read
            } catch {
                _ = try? await c.query("ROLLBACK", logger: logger)
                throw error
            }
        }
    }

    /// A production's signed checkpoints in order, and its firearms' and lots' stored states.
    static func checkpointsAndStates(_ c: PostgresConnection, _ id: String, logger: Logger) async throws
        -> (notes: [String], firearms: [String: String], lots: [String: String]) {
        var notes: [String] = [], firearms: [String: String] = [:], lots: [String: String] = [:]
        for try await note in try await c.query("SELECT note FROM checkpoint WHERE production = \(id) ORDER BY position", logger: logger).decode(String.self) {
            notes.append(note)
        }
        for try await (i, state) in try await c.query("SELECT id, state FROM firearm_state WHERE production = \(id)", logger: logger).decode((String, String).self) {
            firearms[i] = state
        }
        for try await (i, state) in try await c.query("SELECT id, state FROM lot_state WHERE production = \(id)", logger: logger).decode((String, String).self) {
            lots[i] = state
        }
        return (notes, firearms, lots)
    }

    /// Loads and verifies a production's log; any entry that does not stand up is refused.
    public func load(_ id: String, logKey: NoteVerifierKey? = nil) async throws -> ProductionLog {
        try await load(id, logKey: logKey, readOnlyAtFault: false)
    }

    /// Loads and verifies a production's log, exactly as the embedded store does. Everything
    /// is read in one snapshot (a read-only, repeatable-read transaction): another process
    /// appending meanwhile is not mistaken for a log altered underneath.
    public func load(_ id: String, logKey: NoteVerifierKey?, readOnlyAtFault: Bool) async throws -> ProductionLog {
        struct Read: Sendable {
            var header: (String, Int)?
            var entries: [[UInt8]] = []
            var nodes: [(level: Int, index: Int, hash: [UInt8])] = []
            var notes: [String] = []
            var firearms: [String: String] = [:]
            var lots: [String: String] = [:]
        }
        let logger = self.logger
        let read = try await inOneSnapshot { c -> Read in
            var r = Read()
            for try await row in try await c.query("SELECT origin, size FROM production WHERE id = \(id)", logger: logger).decode((String, Int).self) {
                r.header = row
            }
            if r.header != nil {
                for try await bytes in try await c.query("SELECT bytes FROM entry WHERE production = \(id) ORDER BY idx", logger: logger).decode(Data.self) {
                    r.entries.append([UInt8](bytes))
                }
                for try await (level, index, hash) in try await c.query("SELECT level, idx, hash FROM node WHERE production = \(id)", logger: logger)
                    .decode((Int, Int, Data).self) {
                    r.nodes.append((level, index, [UInt8](hash)))
                }
                (r.notes, r.firearms, r.lots) = try await Self.checkpointsAndStates(c, id, logger: logger)
            }
            return r
        }
        guard let (origin, size) = read.header else { throw StoreError.unknownProduction(id) }
        // Replaying a whole log is seconds of work for a long production: done off the cooperative pool.
        return try await offPool {
            let log = try verifiedLog(id: id, origin: origin, size: size, entries: read.entries, nodes: read.nodes, notes: read.notes,
                                      logKey: logKey, readOnlyAtFault: readOnlyAtFault)
            try checkReadModels(id: id, log: log, firearms: read.firearms, lots: read.lots)
            return log
        }
    }

    // MARK: Read models: answered from indexes, never by replaying the log.

    func items(_ table: String, _ production: String, _ id: String?) async throws -> [ItemState] {
        var q = PostgresQuery(unsafeSQL: "SELECT id, state FROM \(table) WHERE production = $1" + (id == nil ? " ORDER BY id" : " AND id = $2"))
        q.binds.append(production)
        if let id { q.binds.append(id) }
        var out: [ItemState] = []
        for (i, state) in try await query(q).decode((String, String).self) { out.append(ItemState(id: i, json: state)) }
        return out
    }

    func entries(_ query: PostgresQuery) async throws -> [StoredEntry] {
        try await storedBytes(query).map { try $0.decoded() }
    }

    /// The rows `query` selects (`idx, bytes`), not decoded.
    func storedBytes(_ query: PostgresQuery) async throws -> [StoredBytes] {
        var out: [StoredBytes] = []
        for (index, bytes) in try await self.query(query).decode((Int, ByteBuffer).self) {
            out.append(StoredBytes(index: index, bytes: Array(bytes.readableBytesView)))
        }
        return out
    }

    public func firearms(_ production: String) async throws -> [ItemState] { try await items("firearm_state", production, nil) }
    public func firearm(_ production: String, _ id: String) async throws -> ItemState? { try await items("firearm_state", production, id).first }
    public func lots(_ production: String) async throws -> [ItemState] { try await items("lot_state", production, nil) }
    public func lot(_ production: String, _ id: String) async throws -> ItemState? { try await items("lot_state", production, id).first }

    public func timeline(_ production: String, day: String) async throws -> [StoredEntry] {
        try await entries("SELECT idx, bytes FROM entry WHERE production = \(production) AND day = \(day) ORDER BY idx")
    }

    public func days(_ production: String) async throws -> [String] {
        var out: [String] = []
        while true {
            var next: String?
            for day in try await query("SELECT MIN(day) FROM entry WHERE production = \(production) AND day > \(out.last ?? "")").decode(String?.self) {
                next = day
            }
            guard let next else { return out }
            out.append(next)
        }
    }

    public func history(_ production: String, of subject: Subject, before: Int, limit: Int) async throws -> [StoredEntry] {
        try await historyAsStored(production, of: subject, before: before, limit: limit).map { try $0.decoded() }
    }

    func historyAsStored(_ production: String, of subject: Subject, before: Int, limit: Int) async throws -> [StoredBytes] {
        try await storedBytes("""
            SELECT e.idx, e.bytes FROM subject s JOIN entry e ON e.production = s.production AND e.idx = s.idx
            WHERE s.production = \(production) AND s.subject = \(subject.key) AND s.idx < \(before) ORDER BY s.idx DESC LIMIT \(limit)
            """).reversed()
    }

    public func itemAsStored(_ production: String, _ subject: Subject, historyBefore before: Int, limit: Int) async throws -> (ItemState, [StoredBytes])? {
        let found: ItemState?
        switch subject {
        case .firearm(let id): found = try await firearm(production, id)
        case .lot(let id): found = try await lot(production, id)
        }
        guard let found else { return nil }
        return (found, try await historyAsStored(production, of: subject, before: before, limit: limit))
    }

    public func alarms(_ production: String, after: Int, limit: Int) async throws -> [StoredEntry] {
        try await entries("SELECT idx, bytes FROM entry WHERE production = \(production) AND outcome = 'alarm' AND idx > \(after) ORDER BY idx LIMIT \(limit)")
    }

    public func recentAlarms(_ production: String, limit: Int) async throws -> [StoredEntry] {
        try await entries("SELECT idx, bytes FROM entry WHERE production = \(production) AND outcome = 'alarm' ORDER BY idx DESC LIMIT \(limit)").reversed()
    }

    public func entries(_ production: String, from: Int, limit: Int) async throws -> [StoredEntry] {
        try await entriesAsStored(production, from: from, limit: limit).map { try $0.decoded() }
    }

    public func entriesAsStored(_ production: String, from: Int, limit: Int) async throws -> [StoredBytes] {
        try await storedBytes("SELECT idx, bytes FROM entry WHERE production = \(production) AND idx >= \(from) ORDER BY idx LIMIT \(limit)")
    }

    public func entries(_ production: String, at indices: [Int]) async throws -> [StoredEntry] {
        try await entries("SELECT idx, bytes FROM entry WHERE production = \(production) AND idx = ANY(\(Set(indices).sorted())) ORDER BY idx")
    }

    // MARK: State snapshots

    /// Keeps a signed state snapshot at `size`; one already kept at that size stays as it is.
    public func saveSnapshot(_ id: String, size: Int, _ snapshot: StoredSnapshot) async throws {
        try await query("""
            INSERT INTO snapshot (production, size, note, state) VALUES (\(id), \(size), \(snapshot.note), \(Data(snapshot.state)))
            ON CONFLICT (production, size) DO NOTHING
            """)
    }

    public func snapshotCandidates(_ id: String, limit: Int) async throws -> SnapshotCandidates {
        var header: (String, Int)?
        for row in try await query("SELECT origin, size FROM production WHERE id = \(id)").decode((String, Int).self) { header = row }
        guard let (origin, size) = header else { throw StoreError.unknownProduction(id) }
        var snapshots: [StoredSnapshot] = []
        for (note, state) in try await query("""
            SELECT note, state FROM snapshot WHERE production = \(id) AND size <= \(size) ORDER BY size DESC LIMIT \(limit)
            """).decode((String, Data).self) {
            snapshots.append(StoredSnapshot(note: note, state: [UInt8](state)))
        }
        return SnapshotCandidates(origin: origin, size: size, snapshots: snapshots)
    }

    public func openingRows(_ id: String, from first: Int) async throws -> OpeningRows {
        struct Read: Sendable {
            var header: [UInt8] = []
            var entries: [[UInt8]] = []
            var notes: [String] = []
            var firearms: [String: String] = [:]
            var lots: [String: String] = [:]
        }
        let logger = self.logger
        let r = try await inOneSnapshot { c -> Read in
            var r = Read()
            for try await bytes in try await c.query("SELECT bytes FROM entry WHERE production = \(id) AND idx = 0", logger: logger).decode(Data.self) {
                r.header = [UInt8](bytes)
            }
            for try await bytes in try await c.query("SELECT bytes FROM entry WHERE production = \(id) AND idx >= \(first) ORDER BY idx", logger: logger).decode(Data.self) {
                r.entries.append([UInt8](bytes))
            }
            (r.notes, r.firearms, r.lots) = try await Self.checkpointsAndStates(c, id, logger: logger)
            return r
        }
        return OpeningRows(header: r.header, entries: r.entries, notes: r.notes, firearms: r.firearms, lots: r.lots)
    }

    public func nodes(_ production: String, _ keys: [NodeKey]) async throws -> [NodeKey: Hash] {
        let wanted = Set(keys)
        var out: [NodeKey: Hash] = [:]
        let rows = try await query("""
            SELECT level, idx, hash FROM node WHERE production = \(production) AND idx = ANY(\(Set(keys.map(\.index)).sorted()))
            """).decode((Int, Int, Data).self)
        for (level, index, hash) in rows where wanted.contains(NodeKey(level: level, index: index)) {
            out[NodeKey(level: level, index: index)] = [UInt8](hash)
        }
        return out
    }
}

// MARK: The delivery outbox

extension PostgresLogStore: DeliveryStore {
    static let outboxSchema = [
        """
        CREATE TABLE contact (id BIGSERIAL PRIMARY KEY, production TEXT NOT NULL REFERENCES production, person TEXT NOT NULL,
                              channel TEXT NOT NULL, address TEXT NOT NULL, UNIQUE (production, person, channel, address))
        """,
        """
        CREATE TABLE webhook (id BIGSERIAL PRIMARY KEY, production TEXT NOT NULL, url TEXT NOT NULL, secret TEXT NOT NULL,
                              UNIQUE (production, url))
        """,
        """
        CREATE TABLE delivery (key TEXT NOT NULL PRIMARY KEY, production TEXT NOT NULL, idx BIGINT NOT NULL, round INTEGER NOT NULL,
                               recipient TEXT NOT NULL, channel TEXT NOT NULL, address TEXT NOT NULL, target BIGINT NOT NULL,
                               state TEXT NOT NULL, attempts INTEGER NOT NULL, next_at BIGINT NOT NULL, last_error TEXT,
                               failing_since BIGINT, delivered_at BIGINT, created_at BIGINT NOT NULL)
        """,
        "CREATE INDEX delivery_due ON delivery (next_at) WHERE state = 'pending'",
        "CREATE INDEX delivery_alarm ON delivery (production, idx)",
    ]

    static let deliveryColumns = "key, production, idx, round, recipient, channel, address, target, state, attempts, next_at, last_error, failing_since, delivered_at"

    func fetchDeliveries(_ q: PostgresQuery) async throws -> [Delivery] {
        var out: [Delivery] = []
        for (key, production, idx, round, recipient, channel, address, target, state, attempts, nextAt, error, since, delivered) in try await query(q)
            .decode((String, String, Int, Int, String, String, String, Int64, String, Int, Int64, String?, Int64?, Int64?).self) {
            out.append(Delivery(key: key, production: production, index: idx, round: round, recipient: recipient,
                                channel: DeliveryChannel(rawValue: channel) ?? .webhook, address: address, target: target,
                                state: Delivery.State(rawValue: state) ?? .pending, attempts: attempts, nextAt: nextAt,
                                lastError: error, failingSince: since, deliveredAt: delivered))
        }
        return out
    }

    public func contacts(_ production: String, person: String?) async throws -> [Contact] {
        var out: [Contact] = []
        for (id, p, channel, address) in try await query("""
            SELECT id, person, channel, address FROM contact WHERE production = \(production) AND (\(person)::text IS NULL OR person = \(person)) ORDER BY person, id
            """).decode((Int64, String, String, String).self) {
            out.append(Contact(id: id, production: production, person: p, channel: DeliveryChannel(rawValue: channel) ?? .email, address: address))
        }
        return out
    }

    public func addContact(_ c: Contact) async throws -> Contact {
        var found = false
        for _ in try await query("SELECT 1 FROM production WHERE id = \(c.production)").decode(Int.self) { found = true }
        guard found else { throw StoreError.unknownProduction(c.production) }
        try await query("""
            INSERT INTO contact (production, person, channel, address) VALUES (\(c.production), \(c.person), \(c.channel.rawValue), \(c.address))
            ON CONFLICT DO NOTHING
            """)
        var id: Int64 = 0
        for n in try await query("""
            SELECT id FROM contact WHERE production = \(c.production) AND person = \(c.person) AND channel = \(c.channel.rawValue) AND address = \(c.address)
            """).decode(Int64.self) { id = n }
        return Contact(id: id, production: c.production, person: c.person, channel: c.channel, address: c.address)
    }

    public func removeContact(_ production: String, id: Int64) async throws {
        try await query("DELETE FROM contact WHERE production = \(production) AND id = \(id)")
    }

    public func setServerWebhooks(_ hooks: [(url: String, secret: String)]) async throws {
        let urls = hooks.map(\.url)
        try await transaction { [logger] c in
            try await c.query("DELETE FROM webhook WHERE production = '*' AND NOT (url = ANY(\(urls)::text[]))", logger: logger)
            for h in hooks {
                try await c.query("""
                    INSERT INTO webhook (production, url, secret) VALUES ('*', \(h.url), \(h.secret))
                    ON CONFLICT (production, url) DO UPDATE SET secret = EXCLUDED.secret
                    """, logger: logger)
            }
        }
    }

    public func webhooks(_ production: String) async throws -> [Webhook] {
        var out: [Webhook] = []
        for (id, p, url, secret) in try await query(
            "SELECT id, production, url, secret FROM webhook WHERE production IN ('*', \(production)) ORDER BY id"
        ).decode((Int64, String, String, String).self) {
            out.append(Webhook(id: id, production: p, url: url, secret: secret))
        }
        return out
    }

    public func addWebhook(_ h: Webhook) async throws -> Webhook {
        try await query("INSERT INTO webhook (production, url, secret) VALUES (\(h.production), \(h.url), \(h.secret)) ON CONFLICT DO NOTHING")
        var out = h
        for (id, secret) in try await query("SELECT id, secret FROM webhook WHERE production = \(h.production) AND url = \(h.url)")
            .decode((Int64, String).self) {
            out = Webhook(id: id, production: h.production, url: h.url, secret: secret)
        }
        return out
    }

    public func removeWebhook(_ production: String, id: Int64) async throws {
        try await query("DELETE FROM webhook WHERE production = \(production) AND id = \(id)")
    }

    public func escalate(_ production: String, _ rounds: [EscalationRound], at: Int64) async throws {
        guard !rounds.isEmpty else { return }
        try await transaction { [logger] c in
            for r in rounds { try await Self.writeDeliveries(c, logger, production, r.recipients, round: r.round, at: at) }
        }
    }

    /// One round of an alarm's deliveries: each recipient's contacts, and every webhook of
    /// the production and of the server. Written once (a key already there is kept).
    static func writeDeliveries(_ c: PostgresConnection, _ logger: Logger, _ production: String, _ alarm: AlarmRecipients, round: Int, at: Int64) async throws {
        let prefix = "\(production)/\(alarm.index)/\(round)/"
        let people = alarm.people
        let index = alarm.index
        try await c.query("""
            INSERT INTO delivery (key, production, idx, round, recipient, channel, address, target, state, attempts, next_at, created_at)
            SELECT \(prefix) || person || '/' || channel || '/' || id, production, \(index), \(round), person, channel, address, id, 'pending', 0, 0, \(at)
            FROM contact WHERE production = \(production) AND person = ANY(\(people)::text[])
            ON CONFLICT (key) DO NOTHING
            """, logger: logger)
        try await c.query("""
            INSERT INTO delivery (key, production, idx, round, recipient, channel, address, target, state, attempts, next_at, created_at)
            SELECT \(prefix) || 'webhook/webhook/' || id, \(production), \(index), \(round), 'webhook', 'webhook', url, id, 'pending', 0, 0, \(at)
            FROM webhook WHERE production IN ('*', \(production))
            ON CONFLICT (key) DO NOTHING
            """, logger: logger)
    }

    public func escalationRounds(_ production: String) async throws -> [Int: Int] {
        var out: [Int: Int] = [:]
        for (idx, r) in try await query("SELECT idx, MAX(round) FROM delivery WHERE production = \(production) GROUP BY idx").decode((Int, Int).self) {
            out[idx] = r
        }
        return out
    }

    public func dueDeliveries(now: Int64, limit: Int) async throws -> [Delivery] {
        try await fetchDeliveries("""
            SELECT \(unescaped: Self.deliveryColumns) FROM delivery WHERE state = 'pending' AND next_at <= \(now) ORDER BY next_at, created_at, key LIMIT \(limit)
            """)
    }

    public func updateDelivery(_ d: Delivery) async throws { try await updateDeliveries([d]) }

    /// One statement for them all: the rows' new values as arrays, matched by key.
    public func updateDeliveries(_ list: [Delivery]) async throws {
        guard !list.isEmpty else { return }
        let keys = list.map(\.key), states = list.map(\.state.rawValue), attempts = list.map(\.attempts), next = list.map(\.nextAt)
        let errors = list.map { $0.lastError ?? "" }, since = list.map { $0.failingSince ?? -1 }, delivered = list.map { $0.deliveredAt ?? -1 }
        try await query("""
            UPDATE delivery d SET state = u.s, attempts = u.a, next_at = u.n, last_error = NULLIF(u.e, ''),
                   failing_since = NULLIF(u.f, -1), delivered_at = NULLIF(u.t, -1)
            FROM unnest(\(keys)::text[], \(states)::text[], \(attempts)::integer[], \(next)::bigint[], \(errors)::text[], \(since)::bigint[], \(delivered)::bigint[])
                 AS u(k, s, a, n, e, f, t)
            WHERE d.key = u.k
            """)
    }

    public func deliveries(_ production: String, index: Int?) async throws -> [Delivery] {
        try await fetchDeliveries("""
            SELECT \(unescaped: Self.deliveryColumns) FROM delivery WHERE production = \(production) AND (\(index)::bigint IS NULL OR idx = \(index))
            ORDER BY idx, round, recipient, channel, key
            """)
    }

    public func outboxStats() async throws -> OutboxStats {
        var out = OutboxStats(pending: 0, oldestPendingSince: nil)
        for (n, oldest) in try await query("SELECT count(*)::bigint, MIN(created_at) FROM delivery WHERE state = 'pending'").decode((Int, Int64?).self) {
            out = OutboxStats(pending: n, oldestPendingSince: oldest)
        }
        return out
    }
}

// MARK: Appends made by other processes

extension PostgresLogStore: ChangeFeed {
    /// Listens on a connection of its own, outside the pool (a listening connection is never
    /// handed to a request), for every append committed, by any process, until the task is
    /// cancelled. Whenever it (re)connects, `changed(nil, 0)` first: what was appended while
    /// it was not listening is to be looked for.
    public func followChanges(_ changed: @escaping @Sendable (String?, Int) async -> Void) async {
        var attempt = 0
        while !Task.isCancelled {
            attempt += 1
            var connection: PostgresConnection?
            do {
                let c = try await PostgresConnection.connect(configuration: listenerConfiguration, id: attempt, logger: logger)
                connection = c
                try await c.listen(on: Self.changesChannel) { notifications in
                    await changed(nil, 0)
                    for try await n in notifications {
                        let parts = n.payload.split(separator: " ")
                        guard parts.count == 2, let size = Int(parts[1]) else { continue }
                        await changed(String(parts[0]), size)
                    }
                }
            } catch {
                logger.debug("no longer listening for other processes' appends: \(error)")
            }
            try? await connection?.close()
            try? await Task.sleep(for: .seconds(1))
        }
    }

    /// The size of each production's stored log.
    public func storedSizes() async throws -> [String: Int] {
        var out: [String: Int] = [:]
        for (id, size) in try await query("SELECT id, size FROM production").decode((String, Int).self) { out[id] = size }
        return out
    }
}

