import ArmoryLedger
import Foundation

/// What an append writes, whatever the database: the new entries, the Merkle nodes they
/// complete, and the checkpoints that are new or newly cosigned.
struct LogRows {
    var entries: [(index: Int, bytes: [UInt8])] = []
    var nodes: [(level: Int, index: Int, hash: [UInt8])] = []
    var checkpoints: [(position: Int, size: Int, note: String)] = []
    var size = 0

    /// The rows `log` holds beyond its first `start` entries and the checkpoints `stored`.
    init(_ log: ProductionLog, from start: Int, storedCheckpoints stored: [SignedNote]) {
        size = log.size
        for index in start..<log.size {
            entries.append((index, log.entries[index]))
            // The nodes this leaf completed: itself, then each parent it closes.
            var level = 0, i = index
            while true {
                nodes.append((level, i, log.tree.store.node(level: level, index: i)!))
                guard i % 2 == 1 else { break }
                level += 1
                i /= 2
            }
        }
        for (position, note) in log.checkpoints.enumerated() where position >= stored.count || stored[position] != note {
            checkpoints.append((position, (try? Checkpoint(text: note.text))?.size ?? 0, note.formatted))
        }
    }
}

/// Rebuilds a stored production's log and checks it before it is served: every entry
/// re-decided by the engine, the tree recomputed from the entries and compared with the
/// stored nodes, and the last signed checkpoint's root found again.
func verifiedLog(id: String, origin: String, size: Int, entries: [[UInt8]], nodes: [(level: Int, index: Int, hash: [UInt8])],
                 notes: [String], logKey: NoteVerifierKey?) throws -> ProductionLog {
    func tampered(_ why: String) -> StoreError { .tampered(production: id, reason: why) }
    guard entries.count == size else { throw tampered("\(entries.count) entries stored, the log says \(size)") }
    let checkpoints: [SignedNote]
    do { checkpoints = try notes.map { try SignedNote(parsing: $0) } } catch { throw tampered("a stored checkpoint is malformed: \(error)") }
    let log: ProductionLog
    do { log = try ProductionLog(origin: origin, entries: entries, checkpoints: checkpoints) } catch {
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
