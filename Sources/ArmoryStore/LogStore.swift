import ArmoryLedger

/// Durable storage of productions' logs, whatever the database. Implementations keep
/// each production's log append-only, append atomically (entries, Merkle nodes and
/// checkpoints in one transaction, only if the log is still the size the writer decided
/// against), and verify a log before handing it out.
public protocol LogStore: Sendable {
    /// The ids of the productions held, in order.
    func productionIDs() async throws -> [String]
    /// Stores a new production's log.
    func create(_ id: String, _ log: ProductionLog) async throws
    /// Appends what `new` holds beyond the `mark` the writer decided against, or throws `StoreError.conflict`.
    func append(_ id: String, from mark: ProductionLog.Mark, to new: ProductionLog) async throws
    /// Loads and verifies a production's log, or throws `StoreError.tampered`.
    func load(_ id: String, logKey: NoteVerifierKey?) async throws -> ProductionLog
}

extension LogStore {
    /// Appends what `new` holds beyond `old`.
    public func append(_ id: String, from old: ProductionLog, to new: ProductionLog) async throws {
        try await append(id, from: old.mark, to: new)
    }
}

extension SQLiteLogStore: LogStore {}
extension PostgresLogStore: LogStore {}
