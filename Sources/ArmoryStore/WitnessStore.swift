import ArmoryLedger
import Foundation
import GRDB

/// A witness's state (C2SP tlog-witness), in SQLite: for each log it follows, the checkpoint
/// it last cosigned; and every signed request that showed the log with two histories, kept as
/// evidence. Each `add-checkpoint` is decided and stored in one write transaction, so two
/// requests for one log are handled one after the other and a cosignature is given only once
/// its checkpoint is durable (`synchronous = FULL`).
public final class WitnessStore: Sendable {
    let pool: DatabasePool

    public init(path: String) throws {
        var config = Configuration()
        config.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        pool = try DatabasePool(path: path, configuration: config)
        try Self.migrator.migrate(pool)
    }

    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1: cosigned checkpoints and evidence of forks") { db in
            try db.execute(sql: """
                CREATE TABLE cosigned (origin TEXT NOT NULL PRIMARY KEY, size INTEGER NOT NULL, note TEXT NOT NULL, at INTEGER NOT NULL);
                CREATE TABLE fork (id INTEGER PRIMARY KEY AUTOINCREMENT, origin TEXT NOT NULL, at INTEGER NOT NULL,
                                   reason TEXT NOT NULL, request BLOB NOT NULL);
                CREATE INDEX fork_origin ON fork (origin, id);
                """)
        }
        return m
    }

    /// One request checked against the origin's last cosigned checkpoint and, when `rules`
    /// cosign it, stored as the latest, in one transaction. A signed request that shows a
    /// fork is kept as evidence and refused. Returns the cosignature lines.
    public func add(_ request: AddCheckpoint, rules: WitnessRules, at timestamp: UInt64) async throws -> Result<String, WitnessRefusal> {
        try await pool.write { db in
            let origin = request.checkpoint.origin
            let latest = try String.fetchOne(db, sql: "SELECT note FROM cosigned WHERE origin = ?", arguments: [origin])
                .map { try Checkpoint(text: SignedNote(parsing: $0).text) }
            let outcome = Result { () throws(WitnessRefusal) -> String in try rules.cosign(request, latest: latest, timestamp: timestamp) }
            switch outcome {
            case let .success(lines):
                try db.execute(sql: "INSERT OR REPLACE INTO cosigned (origin, size, note, at) VALUES (?, ?, ?, ?)",
                               arguments: [origin, request.checkpoint.size, request.note.formatted + lines, Int64(timestamp)])
            case let .failure(refusal) where refusal.isEvidenceOfAFork:
                try db.execute(sql: "INSERT INTO fork (origin, at, reason, request) VALUES (?, ?, ?, ?)",
                               arguments: [origin, Int64(timestamp), refusal.message, Data(request.body.utf8)])
            case .failure:
                break
            }
            return outcome
        }
    }

    /// The checkpoint last cosigned for `origin`, with every signature it carried and this
    /// witness's cosignature; nil if none.
    public func latest(origin: String) async throws -> String? {
        try await pool.read { db in try String.fetchOne(db, sql: "SELECT note FROM cosigned WHERE origin = ?", arguments: [origin]) }
    }

    /// The requests kept as evidence of a fork for `origin`, oldest first.
    public func forks(origin: String) async throws -> [(at: UInt64, reason: String, request: String)] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT at, reason, request FROM fork WHERE origin = ? ORDER BY id", arguments: [origin]).map { r in
                (UInt64(r["at"] as Int64), r["reason"], String(decoding: r["request"] as Data, as: UTF8.self))
            }
        }
    }
}
