import ArmoryCore
import ArmoryLedger
import Foundation

/// Why a production was not opened from a state snapshot: it is then opened by replaying
/// its whole log, as before snapshots were kept.
public struct SnapshotUnusable: Error, Sendable, Equatable, CustomStringConvertible {
    public let production: String
    public let reason: String
    public init(production: String, reason: String) {
        self.production = production
        self.reason = reason
    }
    public var description: String { "production \(production) not opened from a snapshot: \(reason)" }
    /// The reason when the store holds no snapshot of the production (not a fault).
    public static let noneStored = "no snapshot is stored"
}

/// The newest snapshots a store holds for a production, with the log they go with.
public struct SnapshotCandidates: Sendable {
    public let origin: String
    /// How many entries the stored log holds.
    public let size: Int
    /// Newest first, only those within the stored log.
    public let snapshots: [StoredSnapshot]
    public init(origin: String, size: Int, snapshots: [StoredSnapshot]) {
        self.origin = origin
        self.size = size
        self.snapshots = snapshots
    }
}

/// What opening from a snapshot reads of the log, in one read: the header (entry 0), the
/// entries from `first` on, the signed checkpoints, and the read models' states.
public struct OpeningRows: Sendable {
    public let header: [UInt8]
    public let entries: [[UInt8]]
    public let notes: [String]
    public let firearms: [String: String]
    public let lots: [String: String]
    /// Per entry read, the tree nodes its leaf completed, packed as `EntryRow.nodes` (nil: the
    /// store keeps its nodes apart from its entries, and they are read by `nodes`).
    public let packedNodes: [[UInt8]]?
    public init(header: [UInt8], entries: [[UInt8]], notes: [String], firearms: [String: String], lots: [String: String],
                packedNodes: [[UInt8]]? = nil) {
        self.header = header
        self.entries = entries
        self.packedNodes = packedNodes
        self.notes = notes
        self.firearms = firearms
        self.lots = lots
    }
}

/// How many stored snapshots opening tries, newest first, before replaying the whole log.
public let snapshotsTried = 3

extension LogStore {
    /// Opens a production from its newest stored snapshot that stands up: signed with
    /// `logKey`, of this production, decided under the current protocol revision, its state
    /// hashing to what it names, its root the tree's at its size. Reads only the entries from
    /// where the last `window` entries (or the snapshot, if older) begin, hashing them into
    /// the tree's right edge as stored and comparing their stored nodes, re-decides those
    /// after the snapshot, checks the last signed checkpoint's root and the read models.
    /// Throws `SnapshotUnusable` when none stands up (open by `load` then); the log's
    /// entries are as they were either way.
    public func loadFromSnapshot(_ id: String, logKey: NoteVerifierKey?, keeping window: Int) async throws -> (log: ProductionLog, snapshotSize: Int) {
        let opened = try await openFromSnapshot(id, logKey: logKey, keeping: window)
        return (opened.log, opened.snapshotSize)
    }

    /// `loadFromSnapshot`, also saying why each newer snapshot than the one opened from was
    /// passed over: a stored snapshot that does not stand up is worth a warning even when an
    /// older one does.
    public func openFromSnapshot(_ id: String, logKey: NoteVerifierKey?, keeping window: Int) async throws
        -> (log: ProductionLog, snapshotSize: Int, passedOver: [String]) {
        func unusable(_ why: String) -> SnapshotUnusable { SnapshotUnusable(production: id, reason: why) }
        let candidates = try await snapshotCandidates(id, limit: snapshotsTried)
        guard !candidates.snapshots.isEmpty else { throw unusable(SnapshotUnusable.noneStored) }
        var reasons: [String] = []
        for stored in candidates.snapshots {
            let chosen: (StateSnapshot, ProductionState)
            do { chosen = try ProductionLog.readSnapshot(stored, origin: candidates.origin, logKey: logKey) } catch {
                reasons.append(error.message)
                continue
            }
            do {
                return (try await open(id, origin: candidates.origin, size: candidates.size, snapshot: chosen.0, state: chosen.1, logKey: logKey, window: window),
                        chosen.0.size, reasons)
            } catch let e as SnapshotUnusable {
                reasons.append(e.reason)
            }
        }
        throw unusable(reasons.joined(separator: "; "))
    }

    func open(_ id: String, origin: String, size: Int, snapshot: StateSnapshot, state: ProductionState, logKey: NoteVerifierKey?, window: Int) async throws -> ProductionLog {
        func unusable(_ why: String) -> SnapshotUnusable { SnapshotUnusable(production: id, reason: why) }
        let first = min(max(0, size - window), snapshot.size)
        let rows = try await openingRows(id, from: first)
        guard first + rows.entries.count >= snapshot.size else { throw unusable("the snapshot covers more entries than are stored") }
        let notes: [SignedNote]
        do { notes = try rows.notes.map { try SignedNote(parsing: $0) } } catch { throw unusable("a stored checkpoint is malformed") }
        if let logKey, let last = notes.last {
            do { try last.verify(with: [logKey]) } catch { throw unusable("the last checkpoint's signature: \(error)") }
        }
        let header: ProductionHeader
        do {
            let e = try LogEntry(decoding: rows.header)
            header = try ProductionHeader(json: try JSON.parse(e.body))
        } catch {
            throw unusable("the production header cannot be read")
        }
        // The stored nodes: the tree's right edge where the read entries begin, those the read
        // entries completed, and (when older than them) those of the last checkpoint's root.
        var keys = StateSnapshot.edgeKeys(first: first)
        if let p = rows.packedNodes {
            guard p.count == rows.entries.count else { throw unusable("the entries' stored tree nodes are missing") }
        } else {
            for index in first..<(first + rows.entries.count) {
                for level in 0...(~index).trailingZeroBitCount { keys.append(NodeKey(level: level, index: index >> level)) }
            }
        }
        var checkpointKeys: [NodeKey] = []
        var checkpointSize = 0
        if let last = notes.last, let cp = try? Checkpoint(text: last.text), cp.size < first {
            checkpointSize = cp.size
            checkpointKeys = (try? MerkleQuery.root(size: cp.size).nodesNeeded(size: cp.size)) ?? []
        }
        let stored = try await nodes(id, keys + checkpointKeys)
        var packed: [Int: [UInt8]] = [:]
        for index in first..<(first + rows.entries.count) {
            if let p = rows.packedNodes {
                packed[index] = p[index - first]
                continue
            }
            var p: [UInt8] = []
            for level in 0...(~index).trailingZeroBitCount {
                guard let h = stored[NodeKey(level: level, index: index >> level)] else { throw unusable("entry \(index)'s stored tree nodes are missing") }
                p += h
            }
            packed[index] = p
        }
        var checkpointRoot: Hash?
        if !checkpointKeys.isEmpty || checkpointSize > 0 {
            let sparse = MerkleTree(store: SparseNodeStore(leafCount: checkpointSize, nodes: stored.filter { checkpointKeys.contains($0.key) }))
            checkpointRoot = try? sparse.rootHash(size: checkpointSize)
        }
        let entries = rows.entries, nodesByEntry = packed, root = checkpointRoot
        let log: ProductionLog = try await offPool { () throws(SnapshotUnusable) -> ProductionLog in
            do {
                return try ProductionLog(origin: origin, header: header, snapshot: snapshot, state: state, first: first, entries: entries,
                                         edge: stored, storedNodes: nodesByEntry, checkpoints: notes, checkpointRoot: root)
            } catch {
                throw SnapshotUnusable(production: id, reason: "\(error)")
            }
        }
        do { try checkReadModels(id: id, log: log, firearms: rows.firearms, lots: rows.lots) } catch { throw unusable("\(error)") }
        return log
    }
}
