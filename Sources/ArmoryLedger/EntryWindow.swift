/// The canonical bytes of a log's entries: all of them (a replay, an export), or on a
/// server only the most recent ones, older entries being read from the store when asked
/// for. Indices are the entries' own, whichever are held.
public struct EntryWindow: Sendable, Equatable {
    /// The index of the first entry held.
    public private(set) var first = 0
    var held: [[UInt8]] = []

    public init() {}

    /// How many entries the log holds, in memory or not.
    public var count: Int { first + held.count }

    /// Whether every entry is in memory.
    public var isWhole: Bool { first == 0 }

    /// The entry's bytes, or nil when it is not held (or there is no such entry).
    public func bytes(at index: Int) -> [UInt8]? {
        index >= first && index < count ? held[index - first] : nil
    }

    /// The held entries from `index` on; `index` must be held, or the end.
    public func since(_ index: Int) -> ArraySlice<[UInt8]> {
        precondition(index >= first && index <= count, "entry \(index) is not held (held: \(first)..<\(count))")
        return held[(index - first)...]
    }

    /// The last `n` entries held, at most.
    public func last(_ n: Int) -> ArraySlice<[UInt8]> { held.suffix(n) }

    /// Every entry, from entry 0: only a whole log has them.
    public var all: [[UInt8]]? { isWhole ? held : nil }

    mutating func append(_ bytes: [UInt8]) { held.append(bytes) }

    /// Lets go of the entries before `index`.
    mutating func forget(before index: Int) {
        let n = min(index, count) - first
        guard n > 0 else { return }
        held.removeFirst(n)
        first += n
    }
}

extension EntryWindow {
    /// An empty window whose first entry will be entry `index` (the earlier ones are in the store).
    mutating func start(at index: Int) {
        held = []
        first = index
    }
}
