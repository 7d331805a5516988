import ArmoryCore
import ArmoryLedger
import Foundation
import Synchronization

/// One new entry's row: its bytes, and what the read models index it by.
struct EntryRow {
    let index: Int
    let bytes: [UInt8]
    /// The entry itself, decoded once for its columns and for whoever publishes it.
    let entry: LogEntry
    /// The calendar date of its time, as the person on set wrote it: a day's timeline.
    let day: String
    let outcome: String
    /// The firearms and lots it names: their histories.
    let subjects: [String]
    /// The Merkle nodes this leaf completed, concatenated: its own hash (level 0), then
    /// each parent it closed, one level up at a time.
    var nodes: [UInt8] = []
}

/// A firearm's or lot's current state, as the read models hold it.
struct ItemRow: Sendable {
    let id: String
    let custodian: String?
    let condition: String
    let json: String
}

/// What one append writes: everything a log holds beyond the mark its writer decided
/// against. Taking it from the log is quick (the new entries, their tree nodes, the rows
/// of the firearms and lots they changed), so a log that goes on deciding is held only
/// that long; the entries' rows (decoding, JSON) are built once, where the store writes
/// them, and the decoded entries are then there for whoever publishes them.
public final class AppendBatch: Sendable {
    let taken: Taken
    private let built = Mutex<LogRows?>(nil)
    /// The size the stored log must still have.
    public var expectedSize: Int { taken.start }

    /// What `log` holds beyond `mark`.
    public init(_ log: ProductionLog, from mark: ProductionLog.Mark) {
        taken = Taken(log, from: mark)
    }

    /// The rows to write, built on first use.
    var rows: LogRows {
        built.withLock { rows in
            if let rows { return rows }
            let new = LogRows(taken)
            rows = new
            return new
        }
    }

    /// The new entries, decoded.
    public var entries: [(index: Int, entry: LogEntry)] { rows.entries.map { ($0.index, $0.entry) } }

    /// What a batch needs from the log.
    struct Taken: Sendable {
        let start: Int
        let entries: [[UInt8]]
        /// The entries' facts, as recorded where the log holds them (read from the bytes otherwise).
        let facts: [EntryFacts?]
        /// Per new entry, the nodes its leaf completed, packed as its row holds them (`EntryRow.nodes`).
        let nodes: [[UInt8]]
        let checkpoints: [(position: Int, size: Int, note: String)]
        /// The rows of the firearms and lots changed since the mark. Made here rather than
        /// from a copy of the state: a copy held while the log goes on deciding would make
        /// the next decision copy the whole state.
        let firearms: [ItemRow]
        let lots: [ItemRow]
        /// The new alarms and who each goes to: their deliveries are written with them.
        let alarms: [AlarmRecipients]

        init(_ log: ProductionLog, from mark: ProductionLog.Mark) {
            self.init(log, from: mark.size, storedCheckpoints: mark.checkpoints, revision: mark.revision,
                      checkpointsChanged: mark.checkpointEdits != log.checkpointEdits)
        }

        init(_ log: ProductionLog, from start: Int, storedCheckpoints stored: [SignedNote], revision: Int, checkpointsChanged: Bool) {
            self.start = start
            entries = Array(log.entries.since(start))
            facts = (start..<log.size).map { log.facts(at: $0) }
            nodes = (start..<log.size).map { index in
                // The nodes this leaf completed: itself, then each parent it closes.
                (0...(~index).trailingZeroBitCount).flatMap { level in log.tree.store.node(level: level, index: index >> level)! }
            }
            var checkpoints: [(position: Int, size: Int, note: String)] = []
            if checkpointsChanged {
                for (position, note) in log.checkpoints.enumerated() where position >= stored.count || stored[position] != note {
                    checkpoints.append((position, (try? Checkpoint(text: note.text))?.size ?? 0, note.formatted))
                }
            }
            self.checkpoints = checkpoints
            (firearms, lots) = LogRows.itemRows(log.state, changedSince: revision)
            alarms = (start..<log.size).compactMap { AlarmRecipients.of(log.state, index: $0) }
        }
    }
}

/// What an append writes, whatever the database: the new entries with their read-model
/// columns, the Merkle nodes they complete, the checkpoints that are new or newly
/// cosigned, and the current state of every firearm and lot the entries changed.
struct LogRows: Sendable {
    var entries: [EntryRow] = []
    var checkpoints: [(position: Int, size: Int, note: String)] = []
    var firearms: [ItemRow] = []
    var lots: [ItemRow] = []
    var alarms: [AlarmRecipients] = []
    var size = 0

    /// The rows of the whole log.
    init(_ log: ProductionLog) {
        self.init(AppendBatch.Taken(log, from: 0, storedCheckpoints: [], revision: 0, checkpointsChanged: true))
    }

    init(_ t: AppendBatch.Taken) {
        size = t.start + t.entries.count
        for (k, bytes) in t.entries.enumerated() {
            let index = t.start + k
            var row = LogRows.entryRow(index, bytes, t.facts[k])
            row.nodes = t.nodes[k]
            entries.append(row)
        }
        checkpoints = t.checkpoints
        (firearms, lots) = (t.firearms, t.lots)
        alarms = t.alarms
    }

    /// When the entry at `index` (one of these rows) says it happened, in Unix seconds.
    func seconds(of index: Int) -> Int64 {
        entries.first { $0.index == index }.flatMap { Timestamp(rfc3339: $0.entry.at)?.seconds } ?? 0
    }

    /// The Merkle nodes the new entries complete, each with its place in the tree (for a
    /// database that keeps them in a table of their own).
    var nodes: [(level: Int, index: Int, hash: [UInt8])] { entries.flatMap { LogRows.nodes(ofEntry: $0.index, $0.nodes) } }

    /// The read-model rows of the firearms and lots changed after `revision` (0: all of them).
    static func itemRows(_ state: ProductionState, changedSince revision: Int) -> (firearms: [ItemRow], lots: [ItemRow]) {
        let (firearmIDs, lotIDs) = state.changed(since: revision)
        let firearms = firearmIDs.map { id in
            let f = state.firearms[id]!
            return ItemRow(id: id, custodian: f.custodian, condition: state.condition(of: f).rawValue, json: state.snapshot(of: f).compactText)
        }
        let lots = lotIDs.map { id in
            let l = state.lots[id]!
            return ItemRow(id: id, custodian: nil, condition: l.kind.rawValue, json: state.snapshot(of: l).compactText)
        }
        return (firearms, lots)
    }

    /// The nodes an entry's row holds (`EntryRow.nodes`), with their places in the tree.
    static func nodes(ofEntry index: Int, _ packed: [UInt8]) -> [(level: Int, index: Int, hash: [UInt8])] {
        stride(from: 0, to: packed.count, by: 32).enumerated().map { level, start in
            (level, index >> level, Array(packed[start..<min(start + 32, packed.count)]))
        }
    }

    /// An entry's row. The bytes were written by this process, so they decode.
    static func entryRow(_ index: Int, _ bytes: [UInt8], _ recorded: EntryFacts? = nil) -> EntryRow {
        let facts = recorded ?? EntryFacts(decoding: bytes)!
        return EntryRow(index: index, bytes: bytes, entry: facts.entry, day: facts.day, outcome: facts.entry.outcome.rawValue, subjects: facts.subjects)
    }
}

func verifiedLog(id: String, origin: String, size: Int, entries: [[UInt8]], nodes: [(level: Int, index: Int, hash: [UInt8])],
                 notes: [String], logKey: NoteVerifierKey?, readOnlyAtFault: Bool = false) throws -> ProductionLog {
    func tampered(_ why: String) -> StoreError { .tampered(production: id, reason: why) }
    guard entries.count == size else { throw tampered("\(entries.count) entries stored, the log says \(size)") }
    let checkpoints: [SignedNote]
    do { checkpoints = try notes.map { try SignedNote(parsing: $0) } } catch { throw tampered("a stored checkpoint is malformed: \(error)") }
    let log: ProductionLog
    do { log = try ProductionLog(origin: origin, entries: entries, checkpoints: checkpoints, readOnlyAtFault: readOnlyAtFault) } catch {
        throw tampered(error.description)
    }
    for n in nodes where log.tree.store.node(level: n.level, index: n.index) != n.hash {
        throw tampered("stored tree node (\(n.level), \(n.index)) does not match the entries")
    }
    if let last = checkpoints.last {
        do {
            if let logKey { try last.verify(with: [logKey]) }
            let cp = try Checkpoint(text: last.text)
            guard cp.origin == origin, cp.size <= log.size, try log.tree.rootHash(size: cp.size) == cp.rootHash else {
                throw NoteError("the entries no longer hash to the last signed checkpoint (size \(cp.size))")
            }
        } catch {
            throw tampered("\(error)")
        }
    }
    return log
}

/// Checks a store's read models against the verified log they were written from.
func checkReadModels(id: String, log: ProductionLog, firearms: [String: String], lots: [String: String]) throws {
    // A log opened read-only at a faulty entry: its read models were written from states
    // that included that entry, so they cannot be checked against the state before it.
    guard log.fault == nil else { return }
    // Only the state rows: the entries were checked when the log was rebuilt from them.
    let expected = LogRows.itemRows(log.state, changedSince: 0)
    func tampered(_ why: String) -> StoreError { .tampered(production: id, reason: why) }
    guard firearms.count == expected.firearms.count, lots.count == expected.lots.count else {
        throw tampered("the stored firearm and lot states do not match the log's")
    }
    for f in expected.firearms where firearms[f.id] != f.json { throw tampered("the stored state of firearm \(f.id) does not match the log") }
    for l in expected.lots where lots[l.id] != l.json { throw tampered("the stored state of lot \(l.id) does not match the log") }
}
