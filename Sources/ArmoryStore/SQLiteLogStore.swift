import ArmoryCore
import ArmoryLedger
import Foundation
import GRDB

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

    public var description: String {
        switch self {
        case .unknownProduction(let id): return "no production '\(id)' in this database"
        case .productionExists(let id): return "production '\(id)' already exists"
        case let .conflict(id, expected, stored):
            return "production '\(id)' changed underneath (expected \(expected) entries, found \(stored)); decide again against the new state"
        case let .tampered(id, reason): return "production '\(id)' does not verify and will not be served: \(reason)"
        case .badURL: return "the database URL must look like postgres://user[:password]@host[:port]/database"
        case let .unreachable(host, port): return "no PostgreSQL server answered at \(host):\(port) within 15 seconds"
        }
    }
}

/// A single-file store (SQLite in WAL mode, one writer, many readers) holding any number of
/// productions, each its own log: entries, Merkle nodes and signed checkpoints. An append
/// writes the new entries, their tree nodes and checkpoints in one transaction, and only
/// if the log is still the size the writer decided against, so of two writers handing
/// over the same firearm at once exactly one wins. `synchronous = FULL`: an acknowledged
/// append has been fsynced and survives power loss.
public final class SQLiteLogStore: Sendable {
    let pool: DatabasePool

    /// Opens (creating if needed) the database file at `path` and brings its schema up to date.
    public init(path: String) throws {
        var config = Configuration()
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        pool = try DatabasePool(path: path, configuration: config)
        try SQLiteLogStore.migrator.migrate(pool)
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
        return m
    }

    /// The ids of the productions held, in order.
    public func productionIDs() throws -> [String] {
        try pool.read { db in try String.fetchAll(db, sql: "SELECT id FROM production ORDER BY id") }
    }

    /// Stores a new production's log (its header, and anything already in it).
    public func create(_ id: String, _ log: ProductionLog) throws {
        try pool.write { db in
            if try Int.fetchOne(db, sql: "SELECT 1 FROM production WHERE id = ?", arguments: [id]) != nil {
                throw StoreError.productionExists(id)
            }
            try db.execute(sql: "INSERT INTO production (id, origin, size) VALUES (?, ?, 0)", arguments: [id, log.origin])
            try SQLiteLogStore.write(db, id: id, from: 0, fromCheckpoints: [], to: log)
        }
    }

    /// Appends what `new` holds beyond `old` (entries, their nodes, new or newly cosigned
    /// checkpoints) in one transaction, if the stored log is still `old`'s size.
    public func append(_ id: String, from mark: ProductionLog.Mark, to new: ProductionLog) throws {
        try pool.write { db in
            guard let stored = try Int.fetchOne(db.cachedStatement(sql: "SELECT size FROM production WHERE id = ?"), arguments: [id]) else {
                throw StoreError.unknownProduction(id)
            }
            guard stored == mark.size else { throw StoreError.conflict(production: id, expectedSize: mark.size, storedSize: stored) }
            try SQLiteLogStore.write(db, id: id, from: mark.size, fromCheckpoints: mark.checkpoints, to: new)
        }
    }

    /// Appends what `new` holds beyond `old`.
    public func append(_ id: String, from old: ProductionLog, to new: ProductionLog) throws {
        try append(id, from: old.mark, to: new)
    }

    static func write(_ db: Database, id: String, from start: Int, fromCheckpoints: [SignedNote], to log: ProductionLog) throws {
        let rows = LogRows(log, from: start, storedCheckpoints: fromCheckpoints)
        // Cached statements: an append runs the same few statements thousands of times a day.
        let insertEntry = try db.cachedStatement(sql: "INSERT INTO entry (production, idx, bytes) VALUES (?, ?, ?)")
        for e in rows.entries { try insertEntry.execute(arguments: [id, e.index, Data(e.bytes)]) }
        let insertNode = try db.cachedStatement(sql: "INSERT INTO node (production, level, idx, hash) VALUES (?, ?, ?, ?)")
        for n in rows.nodes { try insertNode.execute(arguments: [id, n.level, n.index, Data(n.hash)]) }
        for c in rows.checkpoints {
            try db.execute(sql: "INSERT OR REPLACE INTO checkpoint (production, position, size, note) VALUES (?, ?, ?, ?)",
                           arguments: [id, c.position, c.size, c.note])
        }
        try db.cachedStatement(sql: "UPDATE production SET size = ? WHERE id = ?").execute(arguments: [rows.size, id])
    }

    /// Loads a production's log and checks it before serving it: every entry re-decided by
    /// the engine, the tree recomputed from the entries and compared with the stored nodes,
    /// and the last signed checkpoint's root found again. Nothing is overwritten either way.
    public func load(_ id: String, logKey: NoteVerifierKey? = nil) throws -> ProductionLog {
        let (origin, size, entries, nodes, notes) = try pool.read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT origin, size FROM production WHERE id = ?", arguments: [id]) else {
                throw StoreError.unknownProduction(id)
            }
            let entries = try Data.fetchAll(db, sql: "SELECT bytes FROM entry WHERE production = ? ORDER BY idx", arguments: [id]).map { [UInt8]($0) }
            let nodes = try Row.fetchAll(db, sql: "SELECT level, idx, hash FROM node WHERE production = ?", arguments: [id])
                .map { (level: $0["level"] as Int, index: $0["idx"] as Int, hash: [UInt8]($0["hash"] as Data)) }
            let notes = try String.fetchAll(db, sql: "SELECT note FROM checkpoint WHERE production = ? ORDER BY position", arguments: [id])
            return (row["origin"] as String, row["size"] as Int, entries, nodes, notes)
        }
        return try verifiedLog(id: id, origin: origin, size: size, entries: entries, nodes: nodes, notes: notes, logKey: logKey)
    }
}
