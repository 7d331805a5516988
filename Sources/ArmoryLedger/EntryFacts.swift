import ArmoryCore

/// What the store and the pages index an entry by, worked out once, when the entry is
/// recorded, from the typed step or transfer: the entry itself, the firearms and lots it
/// names, and its day. An entry read back from bytes gets the same facts by
/// `init(decoding:)`, which reads them from its body.
public struct EntryFacts: Sendable {
    public let entry: LogEntry
    /// `firearm:<id>` and `lot:<id>` for what the entry names, in its body's order.
    public let subjects: [String]

    /// The local date the entry was written on (`YYYY-MM-DD`).
    public var day: String { String(entry.at.prefix(10)) }

    /// The facts of a step's entry.
    public init(_ entry: LogEntry, step: Step) {
        self.entry = entry
        subjects = (step.action.firearm.map { ["firearm:" + $0] } ?? []) + (step.action.lot.map { ["lot:" + $0] } ?? [])
    }

    /// The facts of an evidence transfer's entry.
    public init(_ entry: LogEntry, transfer: EvidenceTransfer) {
        self.entry = entry
        subjects = transfer.firearms.map { "firearm:" + $0 } + transfer.lots.map { "lot:" + $0 }
    }

    /// The facts of an entry that names no firearm or lot (the header, a correction, a PIN).
    public init(naming nothing: LogEntry) {
        entry = nothing
        subjects = []
    }

    /// The facts of stored entry bytes, read from its body; nil when they are not an entry.
    public init?(decoding bytes: [UInt8]) {
        guard let entry = try? LogEntry(decoding: bytes) else { return nil }
        self.entry = entry
        var subjects: [String] = []
        if entry.kind == .step || entry.kind == .transfer, case let .object(o)? = try? JSON.parse(entry.body) {
            for (key, value) in o {
                switch (key, value) {
                case ("firearm", .string(let id)): subjects.append("firearm:" + id)
                case ("lot", .string(let id)): subjects.append("lot:" + id)
                case ("firearms", .array(let ids)): for case .string(let id) in ids { subjects.append("firearm:" + id) }
                case ("lots", .array(let ids)): for case .string(let id) in ids { subjects.append("lot:" + id) }
                default: break
                }
            }
        }
        self.subjects = subjects
    }
}

/// The facts of the most recent entries, kept beside the log until the store has them
/// (`ProductionLog.forget(keeping:stored:)`): at most `limit`, the oldest let go first
/// (the store then reads them from the bytes).
struct RecentFacts: Sendable {
    static let limit = 256
    private(set) var first = 0
    private var held: [EntryFacts] = []

    func facts(at index: Int) -> EntryFacts? {
        index >= first && index < first + held.count ? held[index - first] : nil
    }

    /// Lets go of the facts of the entries before `index`.
    mutating func forget(before index: Int) {
        let n = min(max(index - first, 0), held.count)
        held.removeFirst(n)
        first += n
    }

    /// Adds the facts of entry `index`, the next one after those held (or starts afresh).
    mutating func add(_ facts: EntryFacts, at index: Int) {
        if index != first + held.count {
            held.removeAll()
            first = index
        }
        held.append(facts)
        if held.count > Self.limit {
            held.removeFirst(Self.limit / 2)
            first += Self.limit / 2
        }
    }
}
