import ArmoryCore
import ArmoryLedger
import Foundation
import GRDB
import Synchronization

/// Why the store will not do what was asked.
public enum StoreError: Error, Equatable, Sendable, CustomStringConvertible {
    /// No production with this id.
    case unknownProduction(String)
    /// A production with this id already exists.
    case productionExists(String)
    /// Another writer appended first: decide again against the new state.
    case conflict(production: String, expectedSize: Int, storedSize: Int)
    /// The stored log does not stand up (altered underneath, or damaged): it is not served.
    case tampered(production: String, reason: String)
    /// A database URL that cannot be used.
    case badURL(String)
    /// No PostgreSQL server answered there.
    case unreachable(host: String, port: Int)
    /// The database does not answer just now (PostgreSQL down or restarting): nothing was done.
    case unavailable(String)

    public var description: String {
        switch self {
        case .unknownProduction(let id): return "no production '\(id)' in this database"
        case .productionExists(let id): return "production '\(id)' already exists"
        case let .conflict(id, expected, stored):
            return "production '\(id)' changed underneath (expected \(expected) entries, found \(stored)); decide again against the new state"
        case let .tampered(id, reason): return "production '\(id)' does not verify and will not be served: \(reason)"
        case .badURL: return "the database URL must look like postgres://user[:password]@host[:port]/database"
        case let .unreachable(host, port): return "no PostgreSQL server answered at \(host):\(port) within 15 seconds"
        case .unavailable(let why): return "the database does not answer just now (\(why)); nothing was done, try again shortly"
        }
    }
}

/// A single-file store (SQLite in WAL mode, one writer, many readers) holding any number of
/// productions, each its own log: entries, Merkle nodes, signed checkpoints and the read
/// models. An append writes the new entries, their tree nodes, checkpoints and read-model
/// changes in one transaction, and only if the log is still the size the writer decided
/// against, so of two writers handing over the same firearm at once exactly one wins.
/// `synchronous = FULL`: an acknowledged append has been fsynced and survives power loss.
/// Readers see the last committed state and never block the writer (WAL).
public final class SQLiteLogStore: Sendable {
    let pool: DatabasePool
    let checkpointer: Checkpointer

    /// Opens (creating if needed) the database file at `path` and brings its schema up to date.
    public init(path: String) throws {
        var config = Configuration()
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            // The WAL is copied back into the database beside the writer (`Checkpointer`).
            // The writer does it only if the WAL reaches ~32 MB anyway, which takes an
            // append that never pauses; what it then copies is what the last copy missed.
            try db.execute(sql: "PRAGMA wal_autocheckpoint = 8192")
        }
        pool = try DatabasePool(path: path, configuration: config)
        try SQLiteLogStore.migrator.migrate(pool)
        checkpointer = try Checkpointer(path: path, configuration: config)
    }

    /// The schema, versioned and append-only: a migration once shipped is never edited.
    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1: productions, entries, nodes, checkpoints") { db in
            try db.create(table: "production") { t in
                t.primaryKey("id", .text)
                t.column("origin", .text).notNull()
                t.column("size", .integer).notNull()
            }
            try db.create(table: "entry") { t in
                t.column("production", .text).notNull().references("production")
                t.column("idx", .integer).notNull()
                t.column("bytes", .blob).notNull()
                t.primaryKey(["production", "idx"])
            }
            try db.create(table: "node") { t in
                t.column("production", .text).notNull().references("production")
                t.column("level", .integer).notNull()
                t.column("idx", .integer).notNull()
                t.column("hash", .blob).notNull()
                t.primaryKey(["production", "level", "idx"])
            }
            try db.create(table: "checkpoint") { t in
                t.column("production", .text).notNull().references("production")
                t.column("position", .integer).notNull()
                t.column("size", .integer).notNull()
                t.column("note", .text).notNull()
                t.primaryKey(["production", "position"])
            }
        }
        m.registerMigration("v2: read models") { db in
            try db.execute(sql: """
                ALTER TABLE entry ADD COLUMN day TEXT;
                ALTER TABLE entry ADD COLUMN outcome TEXT;
                CREATE INDEX entry_day ON entry (production, day, idx);
                CREATE INDEX entry_alarm ON entry (production, idx) WHERE outcome = 'alarm';
                CREATE TABLE subject (production TEXT NOT NULL, subject TEXT NOT NULL, idx INTEGER NOT NULL,
                                      PRIMARY KEY (production, subject, idx)) WITHOUT ROWID;
                CREATE TABLE firearm_state (production TEXT NOT NULL, id TEXT NOT NULL, custodian TEXT, condition TEXT NOT NULL,
                                            state TEXT NOT NULL, PRIMARY KEY (production, id)) WITHOUT ROWID;
                CREATE TABLE lot_state (production TEXT NOT NULL, id TEXT NOT NULL, kind TEXT NOT NULL,
                                        state TEXT NOT NULL, PRIMARY KEY (production, id)) WITHOUT ROWID;
                """)
            // Logs stored before the read models existed: derive them from the entries.
            for row in try Row.fetchAll(db, sql: "SELECT id, origin FROM production") {
                let id: String = row["id"]
                let bytes = try Data.fetchAll(db, sql: "SELECT bytes FROM entry WHERE production = ? ORDER BY idx", arguments: [id]).map { [UInt8]($0) }
                // A log that no longer replays is refused when loaded; it gets no read models.
                guard let log = try? ProductionLog(origin: row["origin"], entries: bytes, checkpoints: []) else { continue }
                let rows = LogRows(log)
                for e in rows.entries {
                    try db.execute(sql: "UPDATE entry SET day = ?, outcome = ? WHERE production = ? AND idx = ?", arguments: [e.day, e.outcome, id, e.index])
                    for s in e.subjects {
                        try db.execute(sql: "INSERT INTO subject (production, subject, idx) VALUES (?, ?, ?)", arguments: [id, s, e.index])
                    }
                }
                try writeReadModels(db, id: id, rows: rows)
            }
        }
        m.registerMigration("v3: sign-in secrets") { db in
            try db.execute(sql: """
                CREATE TABLE credential (production TEXT NOT NULL REFERENCES production, person TEXT NOT NULL,
                                         secret TEXT NOT NULL, PRIMARY KEY (production, person)) WITHOUT ROWID
                """)
        }
        m.registerMigration("v4: one row per entry, with its tree nodes") { db in
            // An append wrote a row into about seven B-trees (production size, entry, its
            // primary-key index, its day index, nodes and their index, subjects, state); each
            // is a page written and synced. Entries become one WITHOUT ROWID table carrying
            // the nodes their leaf completed, and the stored size gives way to the last
            // entry's index (a size is no harder to alter than the entries it counts).
            try db.execute(sql: """
                CREATE TABLE entry_v4 (production TEXT NOT NULL REFERENCES production, idx INTEGER NOT NULL, bytes BLOB NOT NULL,
                                       day TEXT, outcome TEXT, nodes BLOB NOT NULL, PRIMARY KEY (production, idx)) WITHOUT ROWID
                """)
            // The stored nodes move as they are (not recomputed): an altered one stays detectable.
            let node = try db.makeStatement(sql: "SELECT hash FROM node WHERE production = ? AND level = ? AND idx = ?")
            let insert = try db.makeStatement(sql: "INSERT INTO entry_v4 (production, idx, bytes, day, outcome, nodes) VALUES (?, ?, ?, ?, ?, ?)")
            let rows = try Row.fetchCursor(db, sql: "SELECT production, idx, bytes, day, outcome FROM entry ORDER BY production, idx")
            while let row = try rows.next() {
                let production: String = row["production"], index: Int = row["idx"]
                var packed = Data()
                for level in 0...((~index).trailingZeroBitCount) {
                    guard let hash = try Data.fetchOne(node, arguments: [production, level, index >> level]) else { break }
                    packed += hash
                }
                try insert.execute(arguments: [production, index, row["bytes"] as Data, row["day"] as String?, row["outcome"] as String?, packed])
            }
            try db.execute(sql: """
                DROP TABLE entry;
                DROP TABLE node;
                ALTER TABLE entry_v4 RENAME TO entry;
                CREATE INDEX entry_day ON entry (production, day, idx);
                CREATE INDEX entry_alarm ON entry (production, idx) WHERE outcome = 'alarm';
                ALTER TABLE production DROP COLUMN size;
                """)
        }
        m.registerMigration("v5: sessions") { db in
            try db.execute(sql: """
                CREATE TABLE session (digest TEXT NOT NULL PRIMARY KEY, production TEXT NOT NULL REFERENCES production,
                                      person TEXT NOT NULL, expires INTEGER NOT NULL) WITHOUT ROWID
                """)
        }
        m.registerMigration("v6: how a session signed in") { db in
            try db.execute(sql: "ALTER TABLE session ADD COLUMN via TEXT NOT NULL DEFAULT 'password'")
        }
        m.registerMigration("v7: the delivery outbox") { db in
            try db.execute(sql: SQLiteLogStore.outboxSchema)
        }
        m.registerMigration("v8: the studio's mirrors: standing, forks, concerns for the set") { db in
            try db.execute(sql: SQLiteLogStore.mirrorSchema)
        }
        m.registerMigration("v9: signed state snapshots") { db in
            // Extra to the log, so opening a production need not replay it whole.
            try db.execute(sql: """
                CREATE TABLE snapshot (production TEXT NOT NULL REFERENCES production, size INTEGER NOT NULL, note TEXT NOT NULL,
                                       state BLOB NOT NULL, PRIMARY KEY (production, size))
                """)
        }
        return m
    }

    /// Sets a person's sign-in secret (a password hash; never the password).
    public func setSecret(_ production: String, person: String, secret: String) throws {
        try pool.write { db in
            try db.execute(sql: "INSERT OR REPLACE INTO credential (production, person, secret) VALUES (?, ?, ?)", arguments: [production, person, secret])
        }
    }

    // Sign-ins and sign-outs wait for the writer (and its sync) without holding a thread.
    public func saveSession(_ s: StoredSession) async throws {
        try await pool.write { db in
            try db.execute(sql: "INSERT OR REPLACE INTO session (digest, production, person, expires, via) VALUES (?, ?, ?, ?, ?)",
                           arguments: [s.digest, s.production, s.person, s.expires, s.via])
        }
    }

    public func deleteSession(digest: String) async throws {
        try await pool.write { db in try db.execute(sql: "DELETE FROM session WHERE digest = ?", arguments: [digest]) }
    }

    public func deleteSessions(_ production: String, person: String) async throws -> [String] {
        try await pool.write { db in
            let digests = try String.fetchAll(db, sql: "SELECT digest FROM session WHERE production = ? AND person = ? ORDER BY digest",
                                              arguments: [production, person])
            try db.execute(sql: "DELETE FROM session WHERE production = ? AND person = ?", arguments: [production, person])
            return digests
        }
    }

    /// Read once, as the server starts.
    public func sessions(validAt now: Int64) throws -> [StoredSession] {
        try pool.write { db in
            try db.execute(sql: "DELETE FROM session WHERE expires <= ?", arguments: [now])
            return try Row.fetchAll(db, sql: "SELECT digest, production, person, expires, via FROM session ORDER BY digest").map {
                StoredSession(digest: $0["digest"], production: $0["production"], person: $0["person"], expires: $0["expires"], via: $0["via"])
            }
        }
    }

    /// A person's sign-in secret, if one was set.
    public func secret(_ production: String, person: String) async throws -> String? {
        try await pool.read { db in
            try String.fetchOne(db, sql: "SELECT secret FROM credential WHERE production = ? AND person = ?", arguments: [production, person])
        }
    }

    /// The ids of the productions held, in order.
    public func productionIDs() async throws -> [String] {
        try await pool.read { db in try String.fetchAll(db, sql: "SELECT id FROM production ORDER BY id") }
    }

    /// Stores a new production's log (its header, and anything already in it).
    public func create(_ id: String, _ log: ProductionLog) throws {
        let rows = LogRows(log)
        try pool.write { db in
            try SQLiteLogStore.open(db, id, origin: log.origin)
            try SQLiteLogStore.write(db, id: id, rows: rows)
        }
    }

    /// Stores a log handed over a batch at a time, in one write transaction (the batches
    /// are built on the database's writer, not on the cooperative pool).
    public func create(_ id: String, importing log: LogImport) async throws {
        try await pool.write { db in
            try SQLiteLogStore.open(db, id, origin: log.origin)
            while let (rows, _) = try log.next() { try SQLiteLogStore.write(db, id: id, rows: rows) }
        }
    }

    /// The production's row, refused if there is one of that id.
    static func open(_ db: Database, _ id: String, origin: String) throws {
        if try Int.fetchOne(db, sql: "SELECT 1 FROM production WHERE id = ?", arguments: [id]) != nil {
            throw StoreError.productionExists(id)
        }
        try db.execute(sql: "INSERT INTO production (id, origin) VALUES (?, ?)", arguments: [id, origin])
    }

    /// Appends what `new` holds beyond `mark` (entries, their nodes, new or newly cosigned
    /// checkpoints, read models) in one transaction, if the stored log is still `mark`'s size.
    public func append(_ id: String, from mark: ProductionLog.Mark, to new: ProductionLog) throws {
        let batch = AppendBatch(new, from: mark)
        try pool.write { db in try SQLiteLogStore.append(db, id: id, batch) }
        checkpointer.appended()
    }

    /// Appends what `new` holds beyond `old`.
    public func append(_ id: String, from old: ProductionLog, to new: ProductionLog) throws {
        try append(id, from: old.mark, to: new)
    }

    /// Appends a batch, waiting for the database's writer without holding a thread meanwhile.
    public func append(_ id: String, _ batch: AppendBatch) async throws {
        try await pool.write { db in try SQLiteLogStore.append(db, id: id, batch) }
        checkpointer.appended()
    }

    static func append(_ db: Database, id: String, _ batch: AppendBatch) throws {
        // Written only onto the size the writer decided against (the last entry's index
        // plus one: every log holds at least its header entry).
        guard let stored = try Int.fetchOne(db.cachedStatement(sql: "SELECT MAX(idx) + 1 FROM entry WHERE production = ?"), arguments: [id]) else {
            throw StoreError.unknownProduction(id)
        }
        guard stored == batch.expectedSize else { throw StoreError.conflict(production: id, expectedSize: batch.expectedSize, storedSize: stored) }
        let rows = batch.rows
        try write(db, id: id, rows: rows)
        // The new alarms' deliveries, in the same transaction: a crash loses none.
        for alarm in rows.alarms {
            try writeDeliveries(db, id, alarm, round: 0, at: rows.seconds(of: alarm.index))
        }
    }

    /// Inserts `count` rows of `width` values with one cached statement.
    static func insert(_ db: Database, _ prefix: String, width: Int, count: Int, _ values: [any DatabaseValueConvertible]) throws {
        guard count > 0 else { return }
        let tuple = "(" + Array(repeating: "?", count: width).joined(separator: ", ") + ")"
        let sql = prefix + " VALUES " + Array(repeating: tuple, count: count).joined(separator: ", ")
        try db.cachedStatement(sql: sql).execute(arguments: StatementArguments(values.map { $0.databaseValue }))
    }

    static func write(_ db: Database, id: String, rows: LogRows) throws {
        // Cached statements: an append runs the same few statements thousands of times a day.
        let insertEntry = try db.cachedStatement(sql: "INSERT INTO entry (production, idx, bytes, day, outcome, nodes) VALUES (?, ?, ?, ?, ?, ?)")
        var subjects: [any DatabaseValueConvertible] = []
        for e in rows.entries {
            try insertEntry.execute(arguments: [id, e.index, Data(e.bytes), e.day, e.outcome, Data(e.nodes)])
            for s in e.subjects { subjects += [id, s, e.index] }
        }
        // Rows batched by the hundred keep each statement's text (and cache) small.
        for chunk in stride(from: 0, to: subjects.count, by: 300) {
            let part = Array(subjects[chunk..<min(chunk + 300, subjects.count)])
            try insert(db, "INSERT INTO subject (production, subject, idx)", width: 3, count: part.count / 3, part)
        }
        for c in rows.checkpoints {
            try db.execute(sql: "INSERT OR REPLACE INTO checkpoint (production, position, size, note) VALUES (?, ?, ?, ?)",
                           arguments: [id, c.position, c.size, c.note])
        }
        try writeReadModels(db, id: id, rows: rows)
    }

    static func writeReadModels(_ db: Database, id: String, rows: LogRows) throws {
        let firearm = try db.cachedStatement(sql: "INSERT OR REPLACE INTO firearm_state (production, id, custodian, condition, state) VALUES (?, ?, ?, ?, ?)")
        for f in rows.firearms { try firearm.execute(arguments: [id, f.id, f.custodian, f.condition, f.json]) }
        let lot = try db.cachedStatement(sql: "INSERT OR REPLACE INTO lot_state (production, id, kind, state) VALUES (?, ?, ?, ?)")
        for l in rows.lots { try lot.execute(arguments: [id, l.id, l.condition, l.json]) }
    }

    /// Loads and verifies a production's log; any entry that does not stand up is refused.
    public func load(_ id: String, logKey: NoteVerifierKey? = nil) async throws -> ProductionLog {
        try await load(id, logKey: logKey, readOnlyAtFault: false)
    }

    /// Loads a production's log and checks it before serving it: every entry re-decided by
    /// the engine, the tree recomputed from the entries and compared with the stored nodes,
    /// the last signed checkpoint's root found again, and the read models compared with
    /// the log. Nothing is overwritten either way.
    public func load(_ id: String, logKey: NoteVerifierKey?, readOnlyAtFault: Bool) async throws -> ProductionLog {
        let (origin, entries, nodes, notes, firearms, lots) = try await pool.read { db in
            guard let origin = try String.fetchOne(db, sql: "SELECT origin FROM production WHERE id = ?", arguments: [id]) else {
                throw StoreError.unknownProduction(id)
            }
            var entries: [[UInt8]] = [], nodes: [(level: Int, index: Int, hash: [UInt8])] = []
            let rows = try Row.fetchCursor(db, sql: "SELECT idx, bytes, nodes FROM entry WHERE production = ? ORDER BY idx", arguments: [id])
            while let row = try rows.next() {
                let index: Int = row["idx"], packed = [UInt8](row["nodes"] as Data)
                // A leaf completes itself and one parent per trailing 1 bit of its index.
                guard index == entries.count, packed.count == 32 * (1 + (~index).trailingZeroBitCount) else {
                    throw StoreError.tampered(production: id, reason: "entry \(entries.count) is missing, or its stored tree nodes are")
                }
                entries.append([UInt8](row["bytes"] as Data))
                nodes += LogRows.nodes(ofEntry: index, packed)
            }
            let notes = try String.fetchAll(db, sql: "SELECT note FROM checkpoint WHERE production = ? ORDER BY position", arguments: [id])
            func states(_ table: String) throws -> [String: String] {
                var out: [String: String] = [:]
                for r in try Row.fetchAll(db, sql: "SELECT id, state FROM \(table) WHERE production = ?", arguments: [id]) { out[r["id"]] = r["state"] }
                return out
            }
            return (origin, entries, nodes, notes, try states("firearm_state"), try states("lot_state"))
        }
        // Replaying a whole log is seconds of work for a long production: done off the
        // cooperative pool, which serves every request meanwhile.
        return try await offPool {
            let log = try verifiedLog(id: id, origin: origin, size: entries.count, entries: entries, nodes: nodes, notes: notes,
                                      logKey: logKey, readOnlyAtFault: readOnlyAtFault)
            try checkReadModels(id: id, log: log, firearms: firearms, lots: lots)
            return log
        }
    }

    // MARK: Read models: answered from indexes, never by replaying the log.

    func items(_ table: String, _ production: String, _ id: String?) async throws -> [ItemState] {
        try await pool.read { db in
            let sql = "SELECT id, state FROM \(table) WHERE production = ?" + (id == nil ? " ORDER BY id" : " AND id = ?")
            let args: StatementArguments = id.map { [production, $0] } ?? [production]
            return try Row.fetchAll(db.cachedStatement(sql: sql), arguments: args).map { ItemState(id: $0["id"], json: $0["state"]) }
        }
    }

    func entries(_ sql: String, _ arguments: StatementArguments) async throws -> [StoredEntry] {
        try await pool.read { db in try Self.storedBytes(db, sql, arguments) }.map { try $0.decoded() }
    }

    /// The rows `sql` selects (`idx, bytes`), each entry's bytes copied once, straight out of SQLite.
    static func storedBytes(_ db: Database, _ sql: String, _ arguments: StatementArguments) throws -> [StoredBytes] {
        let rows = try Row.fetchCursor(db.cachedStatement(sql: sql), arguments: arguments)
        var out: [StoredBytes] = []
        while let row = try rows.next() {
            out.append(StoredBytes(index: row[0], bytes: try row.withUnsafeData(atIndex: 1) { $0.map { [UInt8]($0) } ?? [] }))
        }
        return out
    }

    public func firearms(_ production: String) async throws -> [ItemState] { try await items("firearm_state", production, nil) }
    public func firearm(_ production: String, _ id: String) async throws -> ItemState? { try await items("firearm_state", production, id).first }
    public func lots(_ production: String) async throws -> [ItemState] { try await items("lot_state", production, nil) }
    public func lot(_ production: String, _ id: String) async throws -> ItemState? { try await items("lot_state", production, id).first }

    public func timeline(_ production: String, day: String) async throws -> [StoredEntry] {
        // Named: without statistics, SQLite would rather walk every entry of the production
        // along the primary key (seconds at ten million entries) than use the day index.
        try await entries(Self.timelineSQL, [production, day])
    }

    static let timelineSQL = "SELECT idx, bytes FROM entry INDEXED BY entry_day WHERE production = ? AND day = ? ORDER BY idx"

    public func days(_ production: String) async throws -> [String] {
        // Skips from one day to the next along the index instead of reading every entry.
        try await pool.read { db in
            var out: [String] = []
            let next = try db.cachedStatement(sql: "SELECT MIN(day) FROM entry WHERE production = ? AND day > ?")
            while let day = try String.fetchOne(next, arguments: [production, out.last ?? ""]) { out.append(day) }
            return out
        }
    }

    public func history(_ production: String, of subject: Subject, before: Int, limit: Int) async throws -> [StoredEntry] {
        try await entries(Self.historySQL, [production, subject.key, before, limit]).reversed()
    }

    /// The latest entries naming a subject before an index, newest first.
    static let historySQL = """
        SELECT e.idx, e.bytes FROM subject s JOIN entry e ON e.production = s.production AND e.idx = s.idx
        WHERE s.production = ? AND s.subject = ? AND s.idx < ? ORDER BY s.idx DESC LIMIT ?
        """

    public func history(_ production: String, of subject: Subject) async throws -> [StoredEntry] {
        try await history(production, of: subject, before: .max, limit: .max)
    }

    public func item(_ production: String, _ subject: Subject, historyBefore before: Int, limit: Int) async throws -> (ItemState, [StoredEntry])? {
        guard let (found, history) = try await itemAsStored(production, subject, historyBefore: before, limit: limit) else { return nil }
        return (found, try history.map { try $0.decoded() })
    }

    /// The item's row and its history in one read: one wait for a reader, not two.
    public func itemAsStored(_ production: String, _ subject: Subject, historyBefore before: Int, limit: Int) async throws -> (ItemState, [StoredBytes])? {
        let (table, id): (String, String)
        switch subject {
        case .firearm(let f): (table, id) = ("firearm_state", f)
        case .lot(let l): (table, id) = ("lot_state", l)
        }
        return try await pool.read { db -> (ItemState, [StoredBytes])? in
            guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT id, state FROM \(table) WHERE production = ? AND id = ?"), arguments: [production, id]) else {
                return nil
            }
            let history = try Self.storedBytes(db, Self.historySQL, [production, subject.key, before, limit])
            return (ItemState(id: row["id"], json: row["state"]), history.reversed())
        }
    }

    public func alarms(_ production: String, after: Int, limit: Int) async throws -> [StoredEntry] {
        try await entries("SELECT idx, bytes FROM entry WHERE production = ? AND outcome = 'alarm' AND idx > ? ORDER BY idx LIMIT ?", [production, after, limit])
    }

    public func recentAlarms(_ production: String, limit: Int) async throws -> [StoredEntry] {
        try await entries("SELECT idx, bytes FROM entry WHERE production = ? AND outcome = 'alarm' ORDER BY idx DESC LIMIT ?", [production, limit]).reversed()
    }

    public func entries(_ production: String, from: Int, limit: Int) async throws -> [StoredEntry] {
        try await entriesAsStored(production, from: from, limit: limit).map { try $0.decoded() }
    }

    public func entriesAsStored(_ production: String, from: Int, limit: Int) async throws -> [StoredBytes] {
        try await pool.read { db in
            try Self.storedBytes(db, "SELECT idx, bytes FROM entry WHERE production = ? AND idx >= ? ORDER BY idx LIMIT ?", [production, from, limit])
        }
    }

    public func entries(_ production: String, at indices: [Int]) async throws -> [StoredEntry] {
        var out: [StoredEntry] = []
        for chunk in Self.chunks(Set(indices).sorted()) {
            out += try await entries("SELECT idx, bytes FROM entry WHERE production = ? AND idx IN (\(Self.marks(chunk.count))) ORDER BY idx",
                                     StatementArguments([production] + chunk))
        }
        return out
    }

    public func nodes(_ production: String, _ keys: [NodeKey]) async throws -> [NodeKey: Hash] {
        // Each node is kept in the row of the entry whose leaf completed it.
        let wanted = Set(keys)
        var out: [NodeKey: Hash] = [:]
        for chunk in Self.chunks(Set(keys.map(\.completedBy)).sorted()) {
            let rows = try await pool.read { db in
                try Row.fetchAll(db, sql: "SELECT idx, nodes FROM entry WHERE production = ? AND idx IN (\(Self.marks(chunk.count)))",
                                 arguments: StatementArguments([production] + chunk)).map { ($0["idx"] as Int, [UInt8]($0["nodes"] as Data)) }
            }
            for (index, packed) in rows {
                for n in LogRows.nodes(ofEntry: index, packed) where wanted.contains(NodeKey(level: n.level, index: n.index)) {
                    out[NodeKey(level: n.level, index: n.index)] = n.hash
                }
            }
        }
        return out
    }

    // MARK: State snapshots

    /// Keeps a signed state snapshot at `size`; one already kept at that size stays as it is.
    public func saveSnapshot(_ id: String, size: Int, _ snapshot: StoredSnapshot) async throws {
        try await pool.write { db in
            try db.execute(sql: "INSERT OR IGNORE INTO snapshot (production, size, note, state) VALUES (?, ?, ?, ?)",
                           arguments: [id, size, snapshot.note, Data(snapshot.state)])
        }
    }

    public func snapshotCandidates(_ id: String, limit: Int) async throws -> SnapshotCandidates {
        try await pool.read { db in
            guard let origin = try String.fetchOne(db, sql: "SELECT origin FROM production WHERE id = ?", arguments: [id]) else {
                throw StoreError.unknownProduction(id)
            }
            let size = (try Int.fetchOne(db, sql: "SELECT MAX(idx) FROM entry WHERE production = ?", arguments: [id])).map { $0 + 1 } ?? 0
            let snapshots = try Row.fetchAll(db, sql: "SELECT note, state FROM snapshot WHERE production = ? AND size <= ? ORDER BY size DESC LIMIT ?",
                                             arguments: [id, size, limit]).map { StoredSnapshot(note: $0["note"], state: [UInt8]($0["state"] as Data)) }
            return SnapshotCandidates(origin: origin, size: size, snapshots: snapshots)
        }
    }

    public func openingRows(_ id: String, from first: Int) async throws -> OpeningRows {
        try await pool.read { db in
            let header = try Data.fetchOne(db, sql: "SELECT bytes FROM entry WHERE production = ? AND idx = 0", arguments: [id]).map { [UInt8]($0) } ?? []
            var entries: [[UInt8]] = [], packed: [[UInt8]] = []
            let rows = try Row.fetchCursor(db, sql: "SELECT bytes, nodes FROM entry WHERE production = ? AND idx >= ? ORDER BY idx", arguments: [id, first])
            while let row = try rows.next() {
                entries.append([UInt8](row["bytes"] as Data))
                packed.append([UInt8](row["nodes"] as Data))
            }
            let notes = try String.fetchAll(db, sql: "SELECT note FROM checkpoint WHERE production = ? ORDER BY position", arguments: [id])
            func states(_ table: String) throws -> [String: String] {
                var out: [String: String] = [:]
                for r in try Row.fetchAll(db, sql: "SELECT id, state FROM \(table) WHERE production = ?", arguments: [id]) { out[r["id"]] = r["state"] }
                return out
            }
            return OpeningRows(header: header, entries: entries, notes: notes, firearms: try states("firearm_state"), lots: try states("lot_state"),
                               packedNodes: packed)
        }
    }

    /// At most 500 values a statement, well below SQLite's limit on parameters.
    static func chunks(_ values: [Int]) -> [[Int]] {
        stride(from: 0, to: values.count, by: 500).map { Array(values[$0..<min($0 + 500, values.count)]) }
    }

    static func marks(_ n: Int) -> String { Array(repeating: "?", count: n).joined(separator: ", ") }
}

/// Copies the WAL back into the database file (a checkpoint) on a connection of its own,
/// beside the writer. Left to the writer, the copy runs inside the append that crosses
/// SQLite's threshold: that append, and every step waiting on it, waited some 20 ms
/// (p99 at saturation, against 2 ms without it). A passive checkpoint takes no lock the
/// writer or the readers wait for, and syncs the WAL before it copies, so nothing
/// acknowledged is put at risk.
final class Checkpointer: Sendable {
    /// Appends between two checkpoints: hours of a set...
    static let every = 256
    /// ...and at most ten a second on a busy server: each one's fsync of the database file
    /// slows the appends syncing beside it. Under nonstop appends a checkpoint never
    /// catches up with the writer, so the writer still copies at its threshold, but only
    /// what arrived since the last one: a tenth of a second (with half a second, a
    /// saturated server's p99 went from 3.7 back to 16 ms).
    static let interval = Duration.milliseconds(100)
    let connection: DatabaseQueue
    let queue = DispatchQueue(label: "armory.sqlite.checkpoint", qos: .utility)
    let state = Mutex<(appends: Int, running: Bool, last: ContinuousClock.Instant?, copied: Int)>((0, false, nil, 0))

    init(path: String, configuration: Configuration) throws {
        connection = try DatabaseQueue(path: path, configuration: configuration)
    }

    /// Counts an append, and starts a checkpoint once enough have been made (unless one is
    /// running, or one started less than `interval` ago).
    func appended() {
        let start = state.withLock { s in
            s.appends += 1
            guard s.appends >= Self.every, !s.running else { return false }
            let now = ContinuousClock.now
            if let last = s.last, now - last < Self.interval { return false }
            s.appends = 0
            s.running = true
            s.last = now
            return true
        }
        guard start else { return }
        queue.async { [self] in
            // Busy (another checkpoint under way) only means not now: the next one copies it.
            let copied = (try? connection.inDatabase { try $0.checkpoint(.passive) })?.checkpointedFrameCount ?? 0
            state.withLock { s in
                s.running = false
                s.copied += copied
            }
        }
    }

    /// How many WAL frames (pages) the checkpoints have copied into the database file.
    var copied: Int { state.withLock { $0.copied } }
}

// MARK: The delivery outbox

extension SQLiteLogStore: DeliveryStore {
    static let outboxSchema = """
        CREATE TABLE contact (id INTEGER PRIMARY KEY AUTOINCREMENT, production TEXT NOT NULL REFERENCES production,
                              person TEXT NOT NULL, channel TEXT NOT NULL, address TEXT NOT NULL,
                              UNIQUE (production, person, channel, address));
        CREATE TABLE webhook (id INTEGER PRIMARY KEY AUTOINCREMENT, production TEXT NOT NULL, url TEXT NOT NULL,
                              secret TEXT NOT NULL, UNIQUE (production, url));
        CREATE TABLE delivery (key TEXT NOT NULL PRIMARY KEY, production TEXT NOT NULL, idx INTEGER NOT NULL, round INTEGER NOT NULL,
                               recipient TEXT NOT NULL, channel TEXT NOT NULL, address TEXT NOT NULL, target INTEGER NOT NULL,
                               state TEXT NOT NULL, attempts INTEGER NOT NULL, next_at INTEGER NOT NULL, last_error TEXT,
                               failing_since INTEGER, delivered_at INTEGER, created_at INTEGER NOT NULL) WITHOUT ROWID;
        CREATE INDEX delivery_due ON delivery (next_at) WHERE state = 'pending';
        CREATE INDEX delivery_alarm ON delivery (production, idx);
        """

    /// One round of an alarm's deliveries: each recipient's contacts, and every webhook of
    /// the production and of the server. Written once (a key already there is kept).
    static func writeDeliveries(_ db: Database, _ id: String, _ alarm: AlarmRecipients, round: Int, at: Int64) throws {
        let prefix = "\(id)/\(alarm.index)/\(round)/"
        let people = JSON.strings(alarm.people).compactText
        try db.cachedStatement(sql: """
            INSERT OR IGNORE INTO delivery (key, production, idx, round, recipient, channel, address, target, state, attempts, next_at, created_at)
            SELECT ? || person || '/' || channel || '/' || id, production, ?, ?, person, channel, address, id, 'pending', 0, 0, ?
            FROM contact WHERE production = ? AND person IN (SELECT value FROM json_each(?))
            """).execute(arguments: [prefix, alarm.index, round, at, id, people])
        try db.cachedStatement(sql: """
            INSERT OR IGNORE INTO delivery (key, production, idx, round, recipient, channel, address, target, state, attempts, next_at, created_at)
            SELECT ? || 'webhook/webhook/' || id, ?, ?, ?, 'webhook', 'webhook', url, id, 'pending', 0, 0, ?
            FROM webhook WHERE production IN ('*', ?)
            """).execute(arguments: [prefix, id, alarm.index, round, at, id])
    }

    static func delivery(_ row: Row) -> Delivery {
        Delivery(key: row["key"], production: row["production"], index: row["idx"], round: row["round"], recipient: row["recipient"],
                 channel: DeliveryChannel(rawValue: row["channel"]) ?? .webhook, address: row["address"], target: row["target"],
                 state: Delivery.State(rawValue: row["state"]) ?? .pending, attempts: row["attempts"], nextAt: row["next_at"],
                 lastError: row["last_error"], failingSince: row["failing_since"], deliveredAt: row["delivered_at"])
    }

    public func contacts(_ production: String, person: String?) async throws -> [Contact] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT id, production, person, channel, address FROM contact WHERE production = ? AND (? IS NULL OR person = ?) ORDER BY person, id",
                             arguments: [production, person, person]).map {
                Contact(id: $0["id"], production: $0["production"], person: $0["person"],
                        channel: DeliveryChannel(rawValue: $0["channel"]) ?? .email, address: $0["address"])
            }
        }
    }

    public func addContact(_ c: Contact) async throws -> Contact {
        try await pool.write { db in
            guard try Int.fetchOne(db, sql: "SELECT 1 FROM production WHERE id = ?", arguments: [c.production]) != nil else {
                throw StoreError.unknownProduction(c.production)
            }
            try db.execute(sql: "INSERT OR IGNORE INTO contact (production, person, channel, address) VALUES (?, ?, ?, ?)",
                           arguments: [c.production, c.person, c.channel.rawValue, c.address])
            let id = try Int64.fetchOne(db, sql: "SELECT id FROM contact WHERE production = ? AND person = ? AND channel = ? AND address = ?",
                                        arguments: [c.production, c.person, c.channel.rawValue, c.address]) ?? 0
            return Contact(id: id, production: c.production, person: c.person, channel: c.channel, address: c.address)
        }
    }

    public func removeContact(_ production: String, id: Int64) async throws {
        try await pool.write { db in try db.execute(sql: "DELETE FROM contact WHERE production = ? AND id = ?", arguments: [production, id]) }
    }

    public func setServerWebhooks(_ hooks: [(url: String, secret: String)]) async throws {
        try await pool.write { db in
            let urls = JSON.strings(hooks.map(\.url)).compactText
            try db.execute(sql: "DELETE FROM webhook WHERE production = '*' AND url NOT IN (SELECT value FROM json_each(?))", arguments: [urls])
            for h in hooks {
                try db.execute(sql: "INSERT INTO webhook (production, url, secret) VALUES ('*', ?, ?) ON CONFLICT (production, url) DO UPDATE SET secret = excluded.secret",
                               arguments: [h.url, h.secret])
            }
        }
    }

    public func webhooks(_ production: String) async throws -> [Webhook] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT id, production, url, secret FROM webhook WHERE production IN ('*', ?) ORDER BY id", arguments: [production]).map {
                Webhook(id: $0["id"], production: $0["production"], url: $0["url"], secret: $0["secret"])
            }
        }
    }

    public func addWebhook(_ h: Webhook) async throws -> Webhook {
        try await pool.write { db in
            try db.execute(sql: "INSERT OR IGNORE INTO webhook (production, url, secret) VALUES (?, ?, ?)", arguments: [h.production, h.url, h.secret])
            let row = try Row.fetchOne(db, sql: "SELECT id, secret FROM webhook WHERE production = ? AND url = ?", arguments: [h.production, h.url])
            return Webhook(id: row?["id"] ?? 0, production: h.production, url: h.url, secret: row?["secret"] ?? h.secret)
        }
    }

    public func removeWebhook(_ production: String, id: Int64) async throws {
        try await pool.write { db in try db.execute(sql: "DELETE FROM webhook WHERE production = ? AND id = ?", arguments: [production, id]) }
    }

    public func escalate(_ production: String, _ rounds: [EscalationRound], at: Int64) async throws {
        guard !rounds.isEmpty else { return }
        try await pool.write { db in
            for r in rounds { try SQLiteLogStore.writeDeliveries(db, production, r.recipients, round: r.round, at: at) }
        }
    }

    public func escalationRounds(_ production: String) async throws -> [Int: Int] {
        try await pool.read { db in
            var out: [Int: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT idx, MAX(round) AS r FROM delivery WHERE production = ? GROUP BY idx", arguments: [production]) {
                out[row["idx"]] = row["r"]
            }
            return out
        }
    }

    public func dueDeliveries(now: Int64, limit: Int) async throws -> [Delivery] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM delivery WHERE state = 'pending' AND next_at <= ? ORDER BY next_at, created_at, key LIMIT ?",
                             arguments: [now, limit]).map(SQLiteLogStore.delivery)
        }
    }

    public func updateDelivery(_ d: Delivery) async throws { try await updateDeliveries([d]) }

    public func updateDeliveries(_ list: [Delivery]) async throws {
        guard !list.isEmpty else { return }
        try await pool.write { db in
            let update = try db.cachedStatement(sql: """
                UPDATE delivery SET state = ?, attempts = ?, next_at = ?, last_error = ?, failing_since = ?, delivered_at = ? WHERE key = ?
                """)
            for d in list {
                try update.execute(arguments: [d.state.rawValue, d.attempts, d.nextAt, d.lastError, d.failingSince, d.deliveredAt, d.key])
            }
        }
    }

    public func deliveries(_ production: String, index: Int?) async throws -> [Delivery] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM delivery WHERE production = ? AND (? IS NULL OR idx = ?) ORDER BY idx, round, recipient, channel, key",
                             arguments: [production, index, index]).map(SQLiteLogStore.delivery)
        }
    }

    public func outboxStats() async throws -> OutboxStats {
        try await pool.read { db in
            let row = try Row.fetchOne(db, sql: "SELECT COUNT(*) AS n, MIN(created_at) AS oldest FROM delivery WHERE state = 'pending'")
            return OutboxStats(pending: row?["n"] ?? 0, oldestPendingSince: row?["oldest"])
        }
    }
}
