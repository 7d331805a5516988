import ArmoryLedger
import Foundation

/// A signed-in session as kept across restarts: the SHA-256 of its token (never the token),
/// whose it is, and when it ends (Unix seconds). Roles are not kept: they are the
/// production's, read from its log when the session is next used.
public struct StoredSession: Sendable, Equatable {
    public let digest: String
    public let production: String
    public let person: String
    public let expires: Int64
    /// How its person signed in: `password` or `pin` (every entry the session makes says so).
    public let via: String
    public init(digest: String, production: String, person: String, expires: Int64, via: String = "password") {
        self.digest = digest
        self.production = production
        self.person = person
        self.expires = expires
        self.via = via
    }
}

/// An entry as the read models give it back.
public struct StoredEntry: Sendable, Equatable {
    public let index: Int
    public let entry: LogEntry
    public init(index: Int, entry: LogEntry) {
        self.index = index
        self.entry = entry
    }
    public init(index: Int, bytes: [UInt8]) throws {
        self.index = index
        self.entry = try LogEntry(decoding: bytes)
    }
}

/// An entry as stored, not decoded: its index and its canonical bytes. What a reader that
/// only writes entries out takes (the API's entry JSON, written from the bytes in place
/// with `EntryLayout`), where decoding each into a `LogEntry` would be most of its work.
public struct StoredBytes: Sendable, Equatable {
    public let index: Int
    public let bytes: [UInt8]
    public init(index: Int, bytes: [UInt8]) {
        self.index = index
        self.bytes = bytes
    }
    /// The entry, decoded.
    public func decoded() throws -> StoredEntry { try StoredEntry(index: index, bytes: bytes) }
}

/// A firearm's or lot's current state, as JSON (`ProductionState.snapshot`).
public struct ItemState: Sendable, Equatable {
    public let id: String
    public let json: String
    public init(id: String, json: String) {
        self.id = id
        self.json = json
    }
}

/// What an entry's history is asked about.
public enum Subject: Sendable, Hashable {
    case firearm(String)
    case lot(String)
    var key: String {
        switch self {
        case .firearm(let id): return "firearm:" + id
        case .lot(let id): return "lot:" + id
        }
    }
}

/// Durable storage of productions' logs, whatever the database. Implementations keep
/// each production's log append-only; append atomically (entries, Merkle nodes,
/// checkpoints and read models in one transaction, only if the log is still the size the
/// writer decided against); verify a log before handing it out; and answer the read
/// models (current state, a day's timeline, a firearm's history, alarms) from indexes,
/// without replaying the log.
/// A store that more than one server process may share: each learns of the appends the
/// others make, to show their entries live and to decide against them.
public protocol ChangeFeed: Sendable {
    /// Calls `changed(production, size)` for every append committed from now on, by any
    /// process, until the calling task is cancelled; `changed(nil, 0)` whenever appends may
    /// have been missed (at the start, after a lost connection).
    func followChanges(_ changed: @escaping @Sendable (String?, Int) async -> Void) async
    /// The size of each production's stored log.
    func storedSizes() async throws -> [String: Int]
}

public protocol LogStore: Sendable {
    /// The ids of the productions held, in order.
    func productionIDs() async throws -> [String]
    /// Stores a new production's log.
    func create(_ id: String, _ log: ProductionLog) async throws
    /// Stores a new production's log handed over a batch at a time, in one transaction:
    /// nothing is stored unless every batch is (an entry that does not stand up, a read
    /// that fails, or a production of that id already there leaves the database as it was).
    func create(_ id: String, importing log: LogImport) async throws
    /// Appends a batch (what a log holds beyond the mark its writer decided against), or
    /// throws `StoreError.conflict` if the stored log is no longer that size.
    func append(_ id: String, _ batch: AppendBatch) async throws
    /// Loads and verifies a production's log, or throws `StoreError.tampered`.
    /// `readOnlyAtFault`: an entry that cannot be read or decided (one an older server
    /// wrote), whose bytes are still those the tree and checkpoints commit to, opens the
    /// log read-only with that entry as its `fault` instead of throwing. Altered entries,
    /// nodes and checkpoints are still refused.
    func load(_ id: String, logKey: NoteVerifierKey?, readOnlyAtFault: Bool) async throws -> ProductionLog

    /// Every firearm's current state, in id order.
    func firearms(_ production: String) async throws -> [ItemState]
    /// One firearm's current state.
    func firearm(_ production: String, _ id: String) async throws -> ItemState?
    /// Every lot's current state, in id order.
    func lots(_ production: String) async throws -> [ItemState]
    /// One lot's current state.
    func lot(_ production: String, _ id: String) async throws -> ItemState?
    /// Every entry of one day (the date as written in its time, `YYYY-MM-DD`), in order.
    func timeline(_ production: String, day: String) async throws -> [StoredEntry]
    /// The days that have entries, in order.
    func days(_ production: String) async throws -> [String]
    /// The latest `limit` entries before entry `before` naming a firearm or lot (its custody
    /// chain and loads), oldest first.
    func history(_ production: String, of subject: Subject, before: Int, limit: Int) async throws -> [StoredEntry]
    /// A firearm's or lot's current state and its `history`, read together (one read where
    /// the store can: the page and API read both on every look at a firearm); nil when it
    /// is not known.
    func item(_ production: String, _ subject: Subject, historyBefore before: Int, limit: Int) async throws -> (ItemState, [StoredEntry])?
    /// `item`, with the history's entries as stored (not decoded).
    func itemAsStored(_ production: String, _ subject: Subject, historyBefore before: Int, limit: Int) async throws -> (ItemState, [StoredBytes])?
    /// Alarms recorded after entry `after`, in order.
    func alarms(_ production: String, after: Int, limit: Int) async throws -> [StoredEntry]
    /// The latest `limit` alarms, oldest first.
    func recentAlarms(_ production: String, limit: Int) async throws -> [StoredEntry]
    /// Entries `from..<from+limit`.
    func entries(_ production: String, from: Int, limit: Int) async throws -> [StoredEntry]
    /// Entries `from..<from+limit` as stored (not decoded).
    func entriesAsStored(_ production: String, from: Int, limit: Int) async throws -> [StoredBytes]
    /// The entries at these indices (those that exist), in index order.
    func entries(_ production: String, at indices: [Int]) async throws -> [StoredEntry]
    /// The stored Merkle nodes at these places (those that are complete): what a proof
    /// over entries a server no longer holds in memory reads (`MerkleQuery.nodesNeeded`).
    func nodes(_ production: String, _ keys: [NodeKey]) async throws -> [NodeKey: Hash]

    /// Keeps a signed state snapshot of the production at `size` entries (`ProductionLog.snapshot`):
    /// extra to the log, never changed once kept (one already kept at that size stays).
    func saveSnapshot(_ id: String, size: Int, _ snapshot: StoredSnapshot) async throws
    /// The newest `limit` snapshots within the stored log, newest first, with the log's origin and size.
    func snapshotCandidates(_ id: String, limit: Int) async throws -> SnapshotCandidates
    /// What opening from a snapshot reads, in one read (`LogStore.loadFromSnapshot`).
    func openingRows(_ id: String, from first: Int) async throws -> OpeningRows

    /// Sets a person's sign-in secret (a password hash; never the password).
    func setSecret(_ production: String, person: String, secret: String) async throws
    /// A person's sign-in secret, if one was set.
    func secret(_ production: String, person: String) async throws -> String?

    /// Keeps a session, so a restarted server does not sign everyone out.
    func saveSession(_ session: StoredSession) async throws
    /// Forgets a session (signed out).
    func deleteSession(digest: String) async throws
    /// Forgets every session of a person (a stolen tablet, a new password); returns their digests.
    func deleteSessions(_ production: String, person: String) async throws -> [String]
    /// The sessions still valid at `now` (Unix seconds); the ended ones are forgotten.
    func sessions(validAt now: Int64) async throws -> [StoredSession]
}

/// Opens the store a database option names: a `postgres://` URL, or a SQLite file path.
public func openStore(_ location: String) async throws -> any LogStore {
    if location.hasPrefix("postgres://") || location.hasPrefix("postgresql://") { return try await PostgresLogStore(url: location) }
    return try SQLiteLogStore(path: location)
}

extension LogStore {
    /// `item` as two reads.
    public func item(_ production: String, _ subject: Subject, historyBefore before: Int, limit: Int) async throws -> (ItemState, [StoredEntry])? {
        let found: ItemState?
        switch subject {
        case .firearm(let id): found = try await firearm(production, id)
        case .lot(let id): found = try await lot(production, id)
        }
        guard let found else { return nil }
        return (found, try await history(production, of: subject, before: before, limit: limit))
    }

    /// `itemAsStored` from the decoded entries (a store that keeps no bytes of its own).
    public func itemAsStored(_ production: String, _ subject: Subject, historyBefore before: Int, limit: Int) async throws -> (ItemState, [StoredBytes])? {
        guard let (found, history) = try await item(production, subject, historyBefore: before, limit: limit) else { return nil }
        return (found, history.map { StoredBytes(index: $0.index, bytes: $0.entry.encoded()) })
    }

    /// `entriesAsStored` from the decoded entries.
    public func entriesAsStored(_ production: String, from: Int, limit: Int) async throws -> [StoredBytes] {
        try await entries(production, from: from, limit: limit).map { StoredBytes(index: $0.index, bytes: $0.entry.encoded()) }
    }

    /// Loads and verifies a production's log; any entry that does not stand up is refused.
    public func load(_ id: String, logKey: NoteVerifierKey?) async throws -> ProductionLog {
        try await load(id, logKey: logKey, readOnlyAtFault: false)
    }

    /// Every alarm after entry `after`, oldest first.
    public func alarms(_ production: String, after: Int) async throws -> [StoredEntry] {
        try await alarms(production, after: after, limit: Int(Int32.max))
    }

    /// Every entry naming a firearm or lot, oldest first.
    public func history(_ production: String, of subject: Subject) async throws -> [StoredEntry] {
        try await history(production, of: subject, before: .max, limit: .max)
    }

    /// Appends what `new` holds beyond the `mark` the writer decided against.
    public func append(_ id: String, from mark: ProductionLog.Mark, to new: ProductionLog) async throws {
        try await append(id, AppendBatch(new, from: mark))
    }

    /// Appends what `new` holds beyond `old`.
    public func append(_ id: String, from old: ProductionLog, to new: ProductionLog) async throws {
        try await append(id, from: old.mark, to: new)
    }
}

extension SQLiteLogStore: LogStore {}
extension PostgresLogStore: LogStore {}

/// Runs long or blocking work (replaying a whole log, scrypt, returning memory to the
/// system) on a dispatch queue instead of the cooperative pool, whose few threads serve
/// every request meanwhile.
package func offPool<T: Sendable, E: Error>(qos: DispatchQoS.QoSClass = .userInitiated,
                                            _ work: @escaping @Sendable () throws(E) -> T) async throws(E) -> T {
    let result: Result<T, E> = await withCheckedContinuation { done in
        DispatchQueue.global(qos: qos).async { done.resume(returning: Result(catching: work)) }
    }
    return try result.get()
}
