import ArmoryCore
import ArmoryLedger

/// A production's log built a batch at a time from entries read elsewhere (a verified
/// bundle, `armory import`), for a store to write in one transaction
/// (`LogStore.create(_:importing:)`). Each batch is decided as a replay decides it,
/// handed over as rows, and let go: an import holds the production's state, the tree's
/// right edge and one batch, never the whole log. The checkpoints go with the last batch,
/// once the tree shows they cover every entry.
public final class LogImport: @unchecked Sendable {
    /// How many entries a batch holds, unless told otherwise.
    public static let batchEntries = 2048

    let origin: String
    let batchEntries: Int
    let checkpoints: [SignedNote]
    /// The next entries in order, at most the count asked for; none at the end.
    let read: (Int) throws -> [[UInt8]]
    var log: ProductionLog?
    /// The batch read ahead, to know whether the one being built is the last.
    var ahead: [[UInt8]] = []
    /// The entries handed over so far.
    public private(set) var size = 0

    /// One store reads it, a batch at a time, inside its transaction: used by one thread at a time.
    public init(origin: String, checkpoints: [SignedNote], batchEntries: Int = LogImport.batchEntries, read: @escaping (Int) throws -> [[UInt8]]) {
        precondition(batchEntries > 0)
        self.origin = origin
        self.batchEntries = batchEntries
        self.checkpoints = checkpoints
        self.read = read
    }

    /// The rows of the next batch and the size the stored log has before them; nil once
    /// every entry has been handed over. Throws `LogReplayError` where an entry does not
    /// stand up or the checkpoints do not cover the entries, and whatever `read` throws.
    func next() throws -> (rows: LogRows, expected: Int)? {
        let entries = log == nil ? try read(batchEntries) : ahead
        guard log == nil || !entries.isEmpty else { return nil }
        // An empty first batch is refused by the log itself (no header).
        ahead = try read(batchEntries)
        let last = ahead.isEmpty
        let rows: LogRows
        let expected = size
        if var log {
            let mark = log.mark
            try log.appendVerified(entries)
            if last { try cover(&log) }
            rows = LogRows(AppendBatch.Taken(log, from: mark))
            self.log = log
        } else {
            var log = try ProductionLog(origin: origin, entries: entries, checkpoints: [])
            if last { try cover(&log) }
            rows = LogRows(log)
            self.log = log
        }
        size = expected + entries.count
        // Handed over: the store has them from here.
        log?.forget(keeping: 0, stored: size)
        return (rows, expected)
    }

    func cover(_ log: inout ProductionLog) throws(LogReplayError) {
        for note in checkpoints where !log.addCheckpoint(note) {
            throw LogReplayError(index: UInt64(log.size), message: "the checkpoint does not cover these \(log.size) entries (its size or root differs)")
        }
    }
}
