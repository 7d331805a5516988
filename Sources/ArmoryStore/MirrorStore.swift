import ArmoryCore
import ArmoryLedger
import Foundation
import GRDB
import PostgresNIO
import Synchronization

/// A safety concern raised at the studio for a production recorded on its set (the
/// anonymous page, SCENE-2): queued at the studio until the set takes it, records it, and
/// says at which entry.
public struct StudioConcern: Sendable, Equatable {
    public let id: Int64
    public let production: String
    /// When the studio received it (RFC 3339, UTC).
    public let raised: String
    public let text: String
    public let scene: String?
    /// The set's entry that records it; nil while it waits for the set.
    public var recorded: Int?
    /// Unix seconds: when the set said so.
    public var recordedAt: Int64?
    public init(id: Int64, production: String, raised: String, text: String, scene: String?, recorded: Int? = nil, recordedAt: Int64? = nil) {
        self.id = id
        self.production = production
        self.raised = raised
        self.text = text
        self.scene = scene
        self.recorded = recorded
        self.recordedAt = recordedAt
    }
}

/// A request from a set refused at the studio because it shows the set's log and the
/// studio's copy disagree (a fork), kept whole as evidence.
public struct StoredFork: Sendable, Equatable {
    public let id: Int64
    public let production: String
    /// Unix seconds: when it was refused.
    public let at: Int64
    public let reason: String
    /// The SHA-256 of the request, hex, and its length: kept beside it, so the forks can be
    /// listed without reading every request back.
    public let digest: String
    public let bytes: Int
    /// The request as received (empty when the forks were listed without their requests).
    public let request: [UInt8]
    public init(id: Int64, production: String, at: Int64, reason: String, digest: String, bytes: Int, request: [UInt8]) {
        self.id = id
        self.production = production
        self.at = at
        self.reason = reason
        self.digest = digest
        self.bytes = bytes
        self.request = request
    }

    /// The index a fork's alarm deliveries carry in the outbox: below every entry's, so an
    /// alarm of the studio's own is never taken for an entry of the set's log.
    public var alarmIndex: Int { -Int(id) }
    /// The fork an outbox index names, if it names one.
    public static func id(ofAlarmIndex index: Int) -> Int64? { index < 0 ? Int64(-index) : nil }
}

/// What the studio keeps of the productions mirrored to it, beside their logs: how each
/// stands (the latest checkpoint held whole and when it arrived, so a restarted studio
/// still says how far behind it is), the requests refused as evidence of a fork (each
/// with its critical alarm's deliveries, in one transaction), and the concerns raised at
/// the studio waiting for their set.
public protocol MirrorStore: Sendable {
    /// Records that the production's checkpoint of `size` entries is held whole, received at `received` (Unix seconds).
    func setStanding(_ production: String, size: Int, received: Int64) async throws
    /// How each mirrored production stands.
    func standings() async throws -> [String: (size: Int, received: Int64)]

    /// Keeps a refused request as evidence of a fork, with its SHA-256 (`digest`, hex); with
    /// `alarm`, in the same transaction, the deliveries of its critical alarm to those
    /// people's contacts and every webhook. Returns the fork as stored.
    func recordFork(_ production: String, at: Int64, reason: String, request: [UInt8], digest: String, alarm: [String]?) async throws -> StoredFork
    /// The forks kept for a production, oldest first, without their requests' bytes when `withRequests` is false.
    func forks(_ production: String, withRequests: Bool) async throws -> [StoredFork]
    /// One fork, with its request.
    func fork(_ production: String, id: Int64) async throws -> StoredFork?

    /// Queues a concern raised at the studio; returns it with its id.
    func queueConcern(_ production: String, raised: String, text: String, scene: String?) async throws -> StudioConcern
    /// The concerns the set has not said it recorded, oldest first.
    func concernsToForward(_ production: String, limit: Int) async throws -> [StudioConcern]
    /// Records the entries the set recorded concerns at (a concern already marked keeps its first entry).
    func concernsRecorded(_ production: String, _ recorded: [(id: Int64, index: Int)], at: Int64) async throws
    /// Every concern raised at the studio for a production, oldest first.
    func studioConcerns(_ production: String) async throws -> [StudioConcern]
}

// MARK: SQLite

extension SQLiteLogStore: MirrorStore {
    static let mirrorSchema = """
        CREATE TABLE mirror_standing (production TEXT NOT NULL PRIMARY KEY, size INTEGER NOT NULL, received INTEGER NOT NULL);
        CREATE TABLE mirror_fork (id INTEGER PRIMARY KEY AUTOINCREMENT, production TEXT NOT NULL, at INTEGER NOT NULL,
                                  reason TEXT NOT NULL, digest TEXT NOT NULL, bytes INTEGER NOT NULL, request BLOB NOT NULL);
        CREATE INDEX mirror_fork_production ON mirror_fork (production, id);
        CREATE TABLE studio_concern (id INTEGER PRIMARY KEY AUTOINCREMENT, production TEXT NOT NULL, raised TEXT NOT NULL,
                                     text TEXT NOT NULL, scene TEXT, recorded INTEGER, recorded_at INTEGER);
        CREATE INDEX studio_concern_production ON studio_concern (production, id);
        """

    public func setStanding(_ production: String, size: Int, received: Int64) async throws {
        try await pool.write { db in
            try db.execute(sql: """
                INSERT INTO mirror_standing (production, size, received) VALUES (?, ?, ?)
                ON CONFLICT (production) DO UPDATE SET size = excluded.size, received = excluded.received
                """, arguments: [production, size, received])
        }
    }

    public func standings() async throws -> [String: (size: Int, received: Int64)] {
        try await pool.read { db in
            var out: [String: (size: Int, received: Int64)] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT production, size, received FROM mirror_standing") {
                out[row["production"]] = (row["size"], row["received"])
            }
            return out
        }
    }

    public func recordFork(_ production: String, at: Int64, reason: String, request: [UInt8], digest: String, alarm: [String]?) async throws -> StoredFork {
        try await pool.write { db in
            try db.execute(sql: "INSERT INTO mirror_fork (production, at, reason, digest, bytes, request) VALUES (?, ?, ?, ?, ?, ?)",
                           arguments: [production, at, reason, digest, request.count, Data(request)])
            let fork = StoredFork(id: db.lastInsertedRowID, production: production, at: at, reason: reason, digest: digest, bytes: request.count,
                                  request: request)
            if let alarm {
                try SQLiteLogStore.writeDeliveries(db, production, AlarmRecipients(index: fork.alarmIndex, people: alarm, critical: true), round: 0, at: at)
            }
            return fork
        }
    }

    public func forks(_ production: String, withRequests: Bool) async throws -> [StoredFork] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT id, at, reason, digest, bytes, \(withRequests ? "request" : "x''") AS request FROM mirror_fork WHERE production = ? ORDER BY id",
                             arguments: [production]).map { SQLiteLogStore.fork($0, production) }
        }
    }

    public func fork(_ production: String, id: Int64) async throws -> StoredFork? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT id, at, reason, digest, bytes, request FROM mirror_fork WHERE production = ? AND id = ?", arguments: [production, id])
                .map { SQLiteLogStore.fork($0, production) }
        }
    }

    static func fork(_ row: Row, _ production: String) -> StoredFork {
        StoredFork(id: row["id"], production: production, at: row["at"], reason: row["reason"], digest: row["digest"], bytes: row["bytes"],
                   request: [UInt8](row["request"] as Data? ?? Data()))
    }

    public func queueConcern(_ production: String, raised: String, text: String, scene: String?) async throws -> StudioConcern {
        try await pool.write { db in
            try db.execute(sql: "INSERT INTO studio_concern (production, raised, text, scene) VALUES (?, ?, ?, ?)",
                           arguments: [production, raised, text, scene])
            return StudioConcern(id: db.lastInsertedRowID, production: production, raised: raised, text: text, scene: scene)
        }
    }

    public func concernsToForward(_ production: String, limit: Int) async throws -> [StudioConcern] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM studio_concern WHERE production = ? AND recorded IS NULL ORDER BY id LIMIT ?",
                             arguments: [production, limit]).map(SQLiteLogStore.concern)
        }
    }

    public func concernsRecorded(_ production: String, _ recorded: [(id: Int64, index: Int)], at: Int64) async throws {
        guard !recorded.isEmpty else { return }
        try await pool.write { db in
            for r in recorded {
                try db.execute(sql: "UPDATE studio_concern SET recorded = ?, recorded_at = ? WHERE production = ? AND id = ? AND recorded IS NULL",
                               arguments: [r.index, at, production, r.id])
            }
        }
    }

    public func studioConcerns(_ production: String) async throws -> [StudioConcern] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM studio_concern WHERE production = ? ORDER BY id", arguments: [production]).map(SQLiteLogStore.concern)
        }
    }

    static func concern(_ row: Row) -> StudioConcern {
        StudioConcern(id: row["id"], production: row["production"], raised: row["raised"], text: row["text"], scene: row["scene"],
                      recorded: row["recorded"], recordedAt: row["recorded_at"])
    }
}

// MARK: PostgreSQL

extension PostgresLogStore: MirrorStore {
    static let mirrorSchema = [
        "CREATE TABLE mirror_standing (production TEXT NOT NULL PRIMARY KEY, size BIGINT NOT NULL, received BIGINT NOT NULL)",
        """
        CREATE TABLE mirror_fork (id BIGSERIAL PRIMARY KEY, production TEXT NOT NULL, at BIGINT NOT NULL, reason TEXT NOT NULL,
                                  digest TEXT NOT NULL, bytes BIGINT NOT NULL, request BYTEA NOT NULL)
        """,
        "CREATE INDEX mirror_fork_production ON mirror_fork (production, id)",
        """
        CREATE TABLE studio_concern (id BIGSERIAL PRIMARY KEY, production TEXT NOT NULL, raised TEXT NOT NULL, text TEXT NOT NULL,
                                     scene TEXT, recorded BIGINT, recorded_at BIGINT)
        """,
        "CREATE INDEX studio_concern_production ON studio_concern (production, id)",
    ]

    public func setStanding(_ production: String, size: Int, received: Int64) async throws {
        try await query("""
            INSERT INTO mirror_standing (production, size, received) VALUES (\(production), \(size), \(received))
            ON CONFLICT (production) DO UPDATE SET size = EXCLUDED.size, received = EXCLUDED.received
            """)
    }

    public func standings() async throws -> [String: (size: Int, received: Int64)] {
        var out: [String: (size: Int, received: Int64)] = [:]
        for (production, size, received) in try await query("SELECT production, size, received FROM mirror_standing").decode((String, Int, Int64).self) {
            out[production] = (size, received)
        }
        return out
    }

    public func recordFork(_ production: String, at: Int64, reason: String, request: [UInt8], digest: String, alarm: [String]?) async throws -> StoredFork {
        let id = Mutex<Int64>(0)
        try await transaction { [logger] c in
            for try await n in try await c.query("""
                INSERT INTO mirror_fork (production, at, reason, digest, bytes, request)
                VALUES (\(production), \(at), \(reason), \(digest), \(request.count), \(ByteBuffer(bytes: request))) RETURNING id
                """, logger: logger).decode(Int64.self) {
                id.withLock { $0 = n }
            }
            if let alarm {
                let index = -Int(id.withLock { $0 })
                try await Self.writeDeliveries(c, logger, production, AlarmRecipients(index: index, people: alarm, critical: true), round: 0, at: at)
            }
        }
        return StoredFork(id: id.withLock { $0 }, production: production, at: at, reason: reason, digest: digest, bytes: request.count, request: request)
    }

    public func forks(_ production: String, withRequests: Bool) async throws -> [StoredFork] {
        var out: [StoredFork] = []
        for (id, at, reason, digest, bytes, request) in try await query("""
            SELECT id, at, reason, digest, bytes, CASE WHEN \(withRequests) THEN request ELSE ''::bytea END FROM mirror_fork
            WHERE production = \(production) ORDER BY id
            """).decode((Int64, Int64, String, String, Int, Data).self) {
            out.append(StoredFork(id: id, production: production, at: at, reason: reason, digest: digest, bytes: bytes, request: [UInt8](request)))
        }
        return out
    }

    public func fork(_ production: String, id: Int64) async throws -> StoredFork? {
        for (id, at, reason, digest, bytes, request) in try await query(
            "SELECT id, at, reason, digest, bytes, request FROM mirror_fork WHERE production = \(production) AND id = \(id)"
        ).decode((Int64, Int64, String, String, Int, Data).self) {
            return StoredFork(id: id, production: production, at: at, reason: reason, digest: digest, bytes: bytes, request: [UInt8](request))
        }
        return nil
    }

    public func queueConcern(_ production: String, raised: String, text: String, scene: String?) async throws -> StudioConcern {
        for id in try await query("""
            INSERT INTO studio_concern (production, raised, text, scene) VALUES (\(production), \(raised), \(text), \(scene)) RETURNING id
            """).decode(Int64.self) {
            return StudioConcern(id: id, production: production, raised: raised, text: text, scene: scene)
        }
        throw StoreError.unknownProduction(production)
    }

    func fetchConcerns(_ q: PostgresQuery) async throws -> [StudioConcern] {
        var out: [StudioConcern] = []
        for (id, production, raised, text, scene, recorded, recordedAt) in try await query(q)
            .decode((Int64, String, String, String, String?, Int?, Int64?).self) {
            out.append(StudioConcern(id: id, production: production, raised: raised, text: text, scene: scene, recorded: recorded, recordedAt: recordedAt))
        }
        return out
    }

    public func concernsToForward(_ production: String, limit: Int) async throws -> [StudioConcern] {
        try await fetchConcerns("""
            SELECT id, production, raised, text, scene, recorded, recorded_at FROM studio_concern
            WHERE production = \(production) AND recorded IS NULL ORDER BY id LIMIT \(limit)
            """)
    }

    public func concernsRecorded(_ production: String, _ recorded: [(id: Int64, index: Int)], at: Int64) async throws {
        guard !recorded.isEmpty else { return }
        try await query("""
            UPDATE studio_concern s SET recorded = r.i, recorded_at = \(at)
            FROM unnest(\(recorded.map(\.id))::bigint[], \(recorded.map { Int64($0.index) })::bigint[]) AS r(id, i)
            WHERE s.production = \(production) AND s.id = r.id AND s.recorded IS NULL
            """)
    }

    public func studioConcerns(_ production: String) async throws -> [StudioConcern] {
        try await fetchConcerns("""
            SELECT id, production, raised, text, scene, recorded, recorded_at FROM studio_concern WHERE production = \(production) ORDER BY id
            """)
    }
}
