import ArmoryCore
import ArmoryLedger
import ArmoryStore
import Foundation
import Logging

/// One recorded entry, as live subscribers receive it.
public struct LiveEvent: Sendable {
    public let index: Int
    public let entry: LogEntry
}

/// What a live stream carries: entries, and a heartbeat every 15 seconds so a dropped
/// connection is noticed (the write fails) and proxies keep the stream open.
public enum LiveMessage: Sendable {
    case entry(LiveEvent)
    case heartbeat

    public var event: LiveEvent? { if case let .entry(e) = self { return e } else { return nil } }
}

/// Why the hub did not record something.
public enum HubError: Error, Sendable, CustomStringConvertible {
    /// What a person is told about a production open read-only.
    public static func readOnlyMessage(_ production: String, _ fault: LogReplayError) -> String {
        "production '\(production)' is open read-only: entry \(fault.index) cannot be read (\(fault.message)); "
            + "everything before it can be read and exported, and nothing more can be recorded until it is repaired"
    }

    /// The step is not valid input (unknown id, time out of order...): nothing recorded.
    case invalid(StepFormatError)
    /// The stored log does not verify, or the store failed: nothing recorded.
    case store(any Error)
    /// A checkpoint was asked for, but this server was started without a signing key.
    case noSigningKey
    /// The production's log holds an entry that cannot be read or decided (written by an
    /// older server): it is open read-only, and nothing is recorded after that entry.
    case readOnly(production: String, fault: LogReplayError)
    /// The person signed in may not record this step for the person it names (`field`): nothing recorded.
    case notAllowed(String, field: String)
    /// An idempotency key already answered a different step: nothing recorded.
    case keyReused(String)
    /// The production is mirrored here from its set: it is recorded on the set only.
    case mirrored(production: String)

    public var description: String {
        switch self {
        case .invalid(let e): return e.message
        case .notAllowed(let m, _), .keyReused(let m): return m
        case .store(let e): return "\(e)"
        case .noSigningKey: return "this server has no signing key"
        case .mirrored(let production):
            return "production '\(production)' is mirrored here from its set: it is recorded on the set, and this copy only follows it"
        case let .readOnly(production, fault): return Self.readOnlyMessage(production, fault)
        }
    }
}

/// What a write to a production's log gives back once it is stored.
enum Written: Sendable {
    case decided(index: Int, decision: Decision)
    /// A retry: the entry its first attempt recorded, recorded nothing new.
    case repeated(index: Int, decision: Decision)
    /// Nothing recorded: the reason, as the hub throws it.
    case notRecorded(HubError)
    case signed(SignedNote)
}

/// A change decided against the production's log and waiting for the store.
struct PendingWrite {
    /// The change, kept to decide it again if another process wrote to the store first.
    let change: @Sendable (inout ProductionLog) throws(StepFormatError) -> Written
    var result: Written
    let reply: CheckedContinuation<Written, any Error>
}

/// Every production the server holds: its log in memory (loaded and verified from the
/// store on first use), one writer at a time per production, and the live subscribers
/// who get each new entry. A step is decided by the same engine as `armory replay`,
/// appended to the store, and only then acknowledged and published.
///
/// Group commit: each change is decided at once against the log as it stands, including
/// changes decided but not yet stored, and joins the production's queue. One append at a
/// time per production takes everything queued into one transaction; when it commits,
/// every change in it is acknowledged. A busy set's steps share one transaction and one
/// sync instead of paying for one each; a lone step is stored as soon as it is decided.
/// If an append fails, nothing queued is acknowledged and the log is reloaded from the
/// store (the store is the truth).
public actor ProductionHub {
    public let store: any LogStore
    package nonisolated let signer: NoteSigner?
    /// Productions mirrored here from their sets (the studio), with each set's log key.
    /// Their logs grow only by what the set sends (`mirror`); nothing is recorded here.
    public nonisolated let mirrored: [String: NoteVerifierKey]
    let logger: Logger
    /// Each production's log as decided: stored entries, then any still queued.
    var logs: [String: ProductionLog] = [:]
    /// Where each production's stored log ends, while changes are queued or being stored.
    var storedMarks: [String: ProductionLog.Mark] = [:]
    /// Changes decided and waiting for the next append, per production.
    var queued: [String: [PendingWrite]] = [:]
    /// Readers waiting for a production to have nothing waiting for the store: handed the
    /// log then (nil: the append failed, and the log is to be loaded again).
    var drained: [String: [CheckedContinuation<ProductionLog?, Never>]] = [:]
    /// Changes waiting for those readers to be served before they are decided.
    var parked: [String: [CheckedContinuation<Void, Never>]] = [:]
    var subscribers: [String: [UUID: AsyncStream<LiveMessage>.Continuation]] = [:]
    /// Called with every recorded entry's decision (metrics).
    let onRecord: @Sendable (String, Decision, Int) -> Void
    /// Called with the production when a newly signed checkpoint is stored (its witnesses).
    let onCheckpoint: @Sendable (String) -> Void
    /// How many recent entries of each production are kept in memory. Older ones, and the
    /// tree nodes over them, are read from the store when asked for; the state, the
    /// checkpoints and the tree's right edge are always held.
    public nonisolated let window: Int

    /// Entries kept in memory per production unless told otherwise: weeks of a set, a few
    /// minutes of the busiest load.
    public static let defaultWindow = 4096
    /// The fewest entries kept: the pages read the last 80 (the scene in progress).
    public static let smallestWindow = 128

    /// How many productions are held in memory at once. Past it, the least recently used
    /// one that is idle (nothing queued or waiting) and has no alarm left unanswered is let
    /// go; it is opened from the store again when next used.
    public nonisolated let heldCap: Int
    /// Productions held unless told otherwise. One let go opens again from its snapshot in
    /// tens of milliseconds, so few are held: 200 productions of 20,000 entries each, opened
    /// in turn, peaked at 161 MB held 16 at a time and above 530 MB held 64 at a time.
    public static let defaultHeldProductions = 16
    /// When each held production was last used, by a counter that only goes up.
    var lastUsed: [String: UInt64] = [:]
    var uses: UInt64 = 0

    /// A signed snapshot of a production's state is stored once this many entries were
    /// stored after the last one (and when an idle production is let go): opening it then
    /// re-decides at most about this many entries instead of its whole log. 0: none are stored.
    public nonisolated let snapshotInterval: Int
    /// Snapshots unless told otherwise.
    public static let defaultSnapshotInterval = 2048
    /// The size of the newest snapshot stored (or opened from) for each held production.
    var snapshotSizes: [String: Int] = [:]

    public init(store: any LogStore, signer: NoteSigner?, logger: Logger, window: Int = ProductionHub.defaultWindow,
                heldProductions: Int = ProductionHub.defaultHeldProductions, mirrored: [String: NoteVerifierKey] = [:],
                snapshotInterval: Int = ProductionHub.defaultSnapshotInterval,
                onRecord: @escaping @Sendable (String, Decision, Int) -> Void = { _, _, _ in },
                onCheckpoint: @escaping @Sendable (String) -> Void = { _ in }) {
        self.store = store
        self.signer = signer
        self.logger = logger
        self.window = max(window, Self.smallestWindow)
        self.heldCap = max(heldProductions, 1)
        self.snapshotInterval = max(snapshotInterval, 0)
        self.onRecord = onRecord
        self.onCheckpoint = onCheckpoint
        self.mirrored = mirrored
    }

    /// Notes a use of the production (it is the newest), and lets go of the least recently
    /// used idle ones past the cap.
    func used(_ id: String) {
        uses += 1
        lastUsed[id] = uses
        guard logs.count > heldCap else { return }
        let idle = logs.keys.filter { other in
            other != id && isIdle(other) && logs[other]!.state.openAlarmCount == 0
        }.sorted { (lastUsed[$0] ?? 0) < (lastUsed[$1] ?? 0) }
        for other in idle.prefix(logs.count - heldCap) {
            snapshotIfDue(other, every: 1)
            logs[other] = nil
            lastUsed[other] = nil
            snapshotSizes[other] = nil
        }
    }

    /// Nothing of the production's is queued for the store, waiting for it, or parked behind a reader.
    func isIdle(_ id: String) -> Bool { queued[id] == nil && drained[id] == nil && parked[id] == nil }

    /// Lets go of the production's older entries once a quarter window more is held (so the
    /// copying is paid once per quarter window of steps), never of one not yet stored.
    func forgetOlder(_ id: String, stored: Int) {
        guard let held = logs[id]?.entries, held.count - held.first >= window + window / 4 else { return }
        logs[id]!.forget(keeping: window, stored: stored)
    }

    /// The production's log as stored: loaded and verified once, and handed out only when
    /// no change is waiting for the store, so no one sees (or exports, or proves) an entry
    /// or checkpoint that is not yet durable. The wait is for what is queued when the reader
    /// asks: changes arriving meanwhile wait for the reader (`write`), so a stream of steps
    /// cannot keep a report or an export waiting.
    public func log(_ id: String) async throws -> ProductionLog {
        try await load(id)
        guard queued[id] != nil else { return logs[id]! }
        // Handed over as the queue empties, before a change decided afterwards can join it.
        if let log = await withCheckedContinuation({ drained[id, default: []].append($0) }) { return log }
        return try await log(id)
    }

    /// Loads and verifies the production's log, unless it is held already. Returns no copy:
    /// a copy alive while the log changes would make the change copy every entry.
    func load(_ id: String) async throws {
        guard logs[id] == nil else { return used(id) }
        let (opened, snapshotSize) = try await open(id)
        var log = opened
        // Another caller may have loaded it meanwhile; the first copy stays.
        guard logs[id] == nil else { return used(id) }
        log.forget(keeping: window, stored: log.size)
        if published[id] == nil { published[id] = Published(floor: log.size) }
        logs[id] = log
        snapshotSizes[id] = snapshotSize
        // Opened by replaying many entries: a snapshot now spares the next opening that.
        snapshotIfDue(id)
        used(id)
    }

    /// Opens the production from its newest stored snapshot that stands up, re-deciding only
    /// the entries after it; from its whole log, replayed, when there is none (a warning
    /// names the production when one was stored but does not stand up). Returns the size of
    /// the snapshot it opened from (0: none).
    func open(_ id: String) async throws -> (ProductionLog, Int) {
        do {
            let opened = try await store.openFromSnapshot(id, logKey: logKey(id), keeping: window)
            if !opened.passedOver.isEmpty {
                logger.warning("production \(id) opened from its snapshot of \(opened.snapshotSize) entries; newer ones were passed over: \(opened.passedOver.joined(separator: "; "))")
            }
            return (opened.log, opened.snapshotSize)
        } catch let e as SnapshotUnusable {
            if e.reason != SnapshotUnusable.noneStored { logger.warning("\(e.description); replaying its whole log") }
        } catch StoreError.unknownProduction(let missing) {
            throw StoreError.unknownProduction(missing)
        } catch {
            logger.warning("production \(id) not opened from a snapshot: \(error); replaying its whole log")
        }
        return (try await loadStored(id), 0)
    }

    /// Stores a signed snapshot of the held production's state when `every` entries or more
    /// were stored since its last one, nothing of it is waiting for the store, the log is not
    /// read-only, and this server signs its checkpoints (not a set's log mirrored here).
    func snapshotIfDue(_ id: String, every: Int? = nil) {
        let every = every ?? snapshotInterval
        guard snapshotInterval > 0, let signer, logKey(id) == signer.verifierKey, queued[id] == nil,
              let log = logs[id], log.fault == nil, log.size - (snapshotSizes[id] ?? 0) >= every
        else { return }
        snapshotSizes[id] = log.size
        let store = self.store, logger = self.logger, size = log.size
        Task {
            // Encoded, hashed and signed off the actor and the cooperative pool: a long
            // production's state takes milliseconds, and steps go on being decided meanwhile.
            guard let snapshot = await offPool({ log.snapshot(signer: signer) }) else { return }
            do { try await store.saveSnapshot(id, size: size, snapshot) } catch {
                logger.warning("production \(id): the state snapshot at \(size) entries could not be stored: \(error)")
            }
        }
    }

    /// The production's log from the store. An entry no reader can take opens it read-only
    /// (named in the log, refused for writes) instead of making the production unloadable.
    func loadStored(_ id: String) async throws -> ProductionLog {
        let log = try await store.load(id, logKey: logKey(id), readOnlyAtFault: true)
        if let fault = log.fault { logger.error("\(HubError.readOnlyMessage(id, fault))") }
        return log
    }

    /// The key a production's checkpoints are signed with: the set's, for a production
    /// mirrored here from a set; this server's otherwise.
    public nonisolated func logKey(_ id: String) -> NoteVerifierKey? { mirrored[id] ?? signer?.verifierKey }

    /// The productions whose logs are held in memory now.
    public func heldProductions() -> [String] { logs.keys.sorted() }

    /// What `body` reads from the production's log, at once and computed where the log is,
    /// so no copy of it outlives the call (a copy held elsewhere would make the next change
    /// copy it). The log may hold changes not yet stored: for what entries do not change
    /// (the header, the people), or a decision's own input.
    public func read<T: Sendable>(_ id: String, _ body: @Sendable (ProductionLog) throws -> T) async throws -> T {
        try await load(id)
        return try body(logs[id]!)
    }

    /// Creates a production (the demo, an import).
    public func create(_ id: String, _ log: ProductionLog) async throws {
        try await store.create(id, log)
        var log = log
        log.forget(keeping: window, stored: log.size)
        published[id] = Published(floor: log.size)
        logs[id] = log
        used(id)
    }

    // MARK: What is read from the store when it is no longer held

    /// The production's whole log, every entry and node in memory, as stored: for a bundle.
    /// Read again from the store when the held log keeps only its recent entries.
    public func wholeLog(_ id: String) async throws -> ProductionLog {
        let held = try await log(id)
        if held.isWhole { return held }
        return try await store.load(id, logKey: logKey(id), readOnlyAtFault: true)
    }

    /// Stored entries at these indices (nil entries: none stored there): from memory when
    /// held, otherwise from the store.
    public func entries(_ id: String, at indices: [Int]) async throws -> [StoredEntry] {
        try await load(id)
        let log = logs[id]!
        // What is queued is not yet stored: never shown.
        let stored = storedMarks[id]?.size ?? log.size
        var found: [StoredEntry] = [], missing: [Int] = []
        for i in Set(indices).sorted() where i >= 0 && i < stored {
            if let bytes = log.entries.bytes(at: i) { found.append(try StoredEntry(index: i, bytes: bytes)) } else { missing.append(i) }
        }
        if missing.isEmpty { return found }
        return (try await store.entries(id, at: missing) + found).sorted { $0.index < $1.index }
    }

    /// One stored entry, or nil when there is none at `index`.
    public func entry(_ id: String, _ index: Int) async throws -> LogEntry? {
        try await entries(id, at: [index]).first?.entry
    }

    /// The hashes a tile holds (C2SP tlog-tiles): the complete nodes at its tree level, over
    /// the stored log only (what is queued is never shown); nil when the stored log does not
    /// yet hold them all. Held nodes come from memory, older ones from the store. A client
    /// checks them against a signed checkpoint; a stored node missing gives an error.
    public func tileHashes(_ id: String, _ tile: TileAddress) async throws -> [Hash]? {
        guard tile.level != nil else { return nil }
        try await load(id)
        // Read where the log is held, so no copy of it outlives this call.
        let held: [Hash?]? = {
            let log = logs[id]!
            guard tile.isComplete(inTreeOf: storedMarks[id]?.size ?? log.size) else { return nil }
            return (0..<tile.width).map { log.tree.store.node(level: tile.treeLevel, index: tile.firstNode + $0) }
        }()
        guard var hashes = held else { return nil }
        let missing = hashes.indices.filter { hashes[$0] == nil }.map { NodeKey(level: tile.treeLevel, index: tile.firstNode + $0) }
        if !missing.isEmpty {
            let found = try await store.nodes(id, missing)
            for key in missing {
                guard let hash = found[key] else {
                    throw StoreError.tampered(production: id, reason: "the stored tree has no node at level \(key.level), index \(key.index)")
                }
                hashes[key.index - tile.firstNode] = hash
            }
        }
        return hashes.map { $0! }
    }

    /// The canonical bytes of the entries an entry bundle holds (C2SP tlog-tiles), over the
    /// stored log only; nil when it does not yet hold them all.
    public func tileEntries(_ id: String, _ tile: TileAddress) async throws -> [[UInt8]]? {
        guard tile.level == nil else { return nil }
        let found = try await entries(id, at: Array(tile.firstNode..<(tile.firstNode + tile.width)))
        guard found.count == tile.width else { return nil }
        return found.map { $0.entry.encoded() }
    }

    /// A root or proof over the stored log. Over entries no longer held, the nodes it needs
    /// are read from the store, and the answer is checked before it is given: against the
    /// signed checkpoint of each size it names (an inclusion proof with the entry's own
    /// bytes, a consistency proof with both roots), and the nodes against the latest
    /// checkpoint it covers. Stored nodes altered underneath give an error, never a proof.
    public func proof(_ id: String, _ query: MerkleQuery) async throws -> [Hash] {
        try await proofs(id, [query])[0]
    }

    /// Several roots or proofs over the stored log, as `proof` gives each, with the stored
    /// nodes they need read in one go and the checkpoints read once (the packages of entries
    /// a set sends the studio each carry a proof to one checkpoint).
    public func proofs(_ id: String, _ queries: [MerkleQuery]) async throws -> [[Hash]] {
        try await load(id)
        let log = logs[id]!
        var answers: [[Hash]?] = []
        for query in queries {
            do { answers.append(try log.tree.answer(query)) } catch where !error.forgotten { throw error }
            catch { answers.append(nil) }
        }
        let missing = queries.indices.filter { answers[$0] == nil }
        if missing.isEmpty { return answers.map { $0! } }
        let largest = missing.map { queries[$0].size }.max()!
        var roots: [Int: Hash] = [:]
        for note in log.checkpoints {
            if let cp = try? Checkpoint(text: note.text), cp.size > 0, cp.size <= largest { roots[cp.size] = cp.rootHash }
        }
        var checked = Set<Int>()
        var keys = Set<NodeKey>()
        for k in missing {
            let query = queries[k]
            let named: [Int]
            switch query {
            case let .root(size), let .inclusion(_, size): named = [size]
            case let .consistency(from, to): named = [from, to]
            }
            let here = Set(named.filter { roots[$0] != nil } + [roots.keys.filter { $0 <= query.size }.max()].compactMap { $0 })
            checked.formUnion(here)
            keys.formUnion(try query.nodesNeeded(size: query.size))
            for size in here { keys.formUnion(try MerkleQuery.root(size: size).nodesNeeded(size: query.size)) }
        }
        let tree = MerkleTree(store: SparseNodeStore(leafCount: largest, nodes: try await store.nodes(id, Array(keys))))
        func tampered(_ what: String) -> StoreError { .tampered(production: id, reason: "the stored tree nodes \(what)") }
        for size in checked where try tree.rootHash(size: size) != roots[size] { throw tampered("do not give checkpoint \(size)'s root") }
        for k in missing {
            let answer = try tree.answer(queries[k])
            switch queries[k] {
            case let .inclusion(index, size):
                guard let root = roots[size] else { break }
                guard let entry = try await entries(id, at: [index]).first,
                      MerkleProof.verifyInclusion(index: index, size: size, leafHash: MerkleHash.leaf(entry.entry.encoded()), proof: answer, root: root)
                else { throw tampered("give no proof of entry \(index) in checkpoint \(size)") }
            case let .consistency(from, to):
                guard let first = roots[from], let second = roots[to] else { break }
                guard MerkleProof.verifyConsistency(first: from, second: to, firstRoot: first, secondRoot: second, proof: answer)
                else { throw tampered("give no proof that checkpoint \(to) extends checkpoint \(from)") }
            case .root: break
            }
            answers[k] = answer
        }
        return answers.map { $0! }
    }

    /// Decides and records a step; returns its index and decision. A refused command is
    /// recorded too (the attempt is evidence). `stampedNow`: the server gave the step its
    /// time when the request arrived (the tablet sent none). Requests can cross on the way
    /// here; such a step is then given the time of the step decided before it, instead of
    /// being refused as out of time order.
    /// `receipt`: the server's clock when the request arrived and how its sender signed in,
    /// recorded beside the step's own time (a version 2 entry).
    public func record(_ id: String, _ step: Step, stampedNow: Bool = false, receipt: LogEntry.Receipt? = nil) async throws -> (index: Int, decision: Decision) {
        let r = try await record(id, step, stampedNow: stampedNow, receipt: receipt, allowed: nil)
        return (r.index, r.decision)
    }

    /// What recording a step gave: its entry, or for a retry of a keyed command the entry
    /// its first attempt recorded (`repeated`).
    public struct Recorded: Sendable {
        public let index: Int
        public let decision: Decision
        public let repeated: Bool
    }

    /// Records a step, deciding in the same turn as the step (nothing recorded in between):
    /// a retry of a command already recorded under the receipt's idempotency key is answered
    /// with that entry and records nothing; `allowed` says, from the state just before the
    /// step, why its recorder may not record it for the person it names (nil: they may).
    public func record(_ id: String, _ step: Step, stampedNow: Bool, receipt: LogEntry.Receipt?,
                       allowed: (@Sendable (ProductionState, Step) -> String?)?) async throws -> Recorded {
        let signer = self.signer
        let w = try await write(id) { (log: inout ProductionLog) throws(StepFormatError) in
            if let key = receipt?.key, let earlier = log.entry(forKey: key, recorder: receipt?.recorder ?? "") {
                return Self.repeated(log, earlier, step)
            }
            if let allowed, let why = allowed(log.state, step) { return .notRecorded(.notAllowed(why, field: "by")) }
            var step = step
            if stampedNow, let at = Self.stamp(step.at, after: log.state.lastAt) {
                step = Step(at: at, by: step.by, action: step.action)
            }
            let (index, decision) = try log.record(step, signer: signer, receipt: receipt)
            return .decided(index: index, decision: decision)
        }
        switch w {
        case let .decided(index, decision): return Recorded(index: index, decision: decision, repeated: false)
        case let .repeated(index, decision): return Recorded(index: index, decision: decision, repeated: true)
        case let .notRecorded(error): throw error
        case .signed: preconditionFailure("a step is answered with its decision")
        }
    }

    /// The answer to a retry: the entry recorded under the key, if it recorded the same step
    /// (its time aside, which a retry may stamp anew).
    static func repeated(_ log: ProductionLog, _ earlier: Int, _ step: Step) -> Written {
        guard let bytes = log.entries.bytes(at: earlier), let e = try? LogEntry(decoding: bytes), e.kind == .step,
              let body = try? JSON.parse(e.body), let first = try? Step(json: body),
              first.by == step.by, first.action == step.action
        else {
            return .notRecorded(.keyReused("this Idempotency-Key was already used for a different step (entry \(earlier)); send a new key for a new step"))
        }
        return .repeated(index: earlier, decision: Decision(outcome: e.outcome, rules: e.rules, message: e.message))
    }

    /// A time the server stamped, moved up to the step decided before it if requests
    /// crossed on the way here (nil: it stands as it is).
    static func stamp(_ at: Timestamp, after last: Timestamp?) -> Timestamp? {
        guard let last, at < last else { return nil }
        return Timestamp(seconds: last.seconds + (last.nanoseconds > 0 ? 1 : 0), offsetMinutes: at.offsetMinutes)
    }

    /// Decides and records an evidence transfer; its time is the server's, stamped as for steps.
    public func transfer(_ id: String, _ t: EvidenceTransfer, receipt: LogEntry.Receipt? = nil) async throws -> (index: Int, decision: Decision) {
        let signer = self.signer
        return decided(try await write(id) { (log: inout ProductionLog) throws(StepFormatError) in
            var t = t
            if let at = Self.stamp(t.at, after: log.state.lastAt) {
                t = EvidenceTransfer(at: at, by: t.by, caseNumber: t.caseNumber, to: t.to, firearms: t.firearms, lots: t.lots)
            }
            let (index, decision) = try log.transfer(t, signer: signer, receipt: receipt)
            return .decided(index: index, decision: decision)
        })
    }

    /// Records that `by` issued a one-time PIN for `person`, stamped by the server; the
    /// PIN is handed out only once this entry is stored.
    public func recordPIN(_ id: String, for person: String, by: String, at: Timestamp, receipt: LogEntry.Receipt) async throws -> Int {
        let w = try await write(id) { (log: inout ProductionLog) throws(StepFormatError) in
            let at = Self.stamp(at, after: log.state.lastAt) ?? at
            return .decided(index: try log.recordPIN(for: person, by: by, at: at, receipt: receipt),
                            decision: Decision(outcome: .ok, rules: [], message: "PIN issued"))
        }
        return decided(w).index
    }

    func decided(_ w: Written) -> (index: Int, decision: Decision) {
        guard case let .decided(index, decision) = w else { preconditionFailure("a step or transfer is answered with its decision") }
        return (index, decision)
    }

    /// Adds a witness's cosignatures to the production's signed checkpoint whose text is
    /// `text`, and returns it (nil: none such).
    /// The signed text is untouched: a cosignature is one more signature line under it.
    /// Cosignatures it holds already are not added twice.
    public func cosign(_ id: String, text: String, with signatures: [NoteSignature]) async throws -> SignedNote? {
        let w = try await write(id) { (log: inout ProductionLog) throws(StepFormatError) in
            guard let position = log.checkpoints.lastIndex(where: { $0.text == text }) else {
                return .notRecorded(.invalid(StepFormatError("no checkpoint with that text", field: "checkpoint")))
            }
            var note = log.checkpoints[position]
            let new = signatures.filter { !note.signatures.contains($0) }
            if !new.isEmpty {
                guard let added = try? SignedNote(text: note.text, signatures: note.signatures + new),
                      added.signatures.count <= SignedNote.maximumSignatures
                else { return .notRecorded(.invalid(StepFormatError("the checkpoint holds the most signatures a note may", field: "checkpoint"))) }
                note = added
                log.replaceCheckpoint(at: position, with: note)
            }
            return .signed(note)
        }
        switch w {
        case .signed(let note): return note
        case .notRecorded: return nil
        default: preconditionFailure("cosigning is answered with the note")
        }
    }

    /// Appends entries the production's set sent (a mirror), each re-decided as it is taken
    /// (`ProductionLog.appendVerified`), and then `checkpoint`, the set's signed checkpoint
    /// of exactly that size, if given. All or nothing; answers once stored. The first
    /// entries of a production not yet here create it (entry 0, its header, first).
    public func mirror(_ id: String, entries: [[UInt8]], checkpoint: SignedNote?) async throws {
        guard mirrored[id] != nil else { throw HubError.invalid(StepFormatError("production '\(id)' is not mirrored here", field: "origin")) }
        if logs[id] == nil, try await !store.productionIDs().contains(id) {
            guard let header = entries.first else { return }
            let log: ProductionLog
            do { log = try ProductionLog(origin: "armory/" + id, entries: [header], checkpoints: []) } catch {
                throw HubError.invalid(StepFormatError(error.description, field: "entries"))
            }
            try await create(id, log)
            return try await mirror(id, entries: Array(entries.dropFirst()), checkpoint: checkpoint)
        }
        let w = try await write(id, mirroring: true) { (log: inout ProductionLog) throws(StepFormatError) in
            do throws(LogReplayError) { try log.appendVerified(entries) } catch { throw StepFormatError(error.description, field: "entries") }
            if let checkpoint, !log.addCheckpoint(checkpoint) {
                throw StepFormatError("the set's checkpoint does not match the entries received", field: "checkpoint")
            }
            return .decided(index: log.size - 1, decision: Decision(outcome: .ok, rules: [], message: "mirrored"))
        }
        if case .notRecorded(let error) = w { throw error }
    }

    /// Signs a checkpoint of the whole log now.
    public func signCheckpoint(_ id: String) async throws -> SignedNote {
        guard let signer else { throw HubError.noSigningKey }
        let w = try await write(id) { (log: inout ProductionLog) throws(StepFormatError) in .signed(log.signCheckpoint(signer)) }
        guard case let .signed(note) = w else { preconditionFailure("signing is answered with the note") }
        return note
    }

    /// Applies `change` to the production's log now, and answers once it is stored. A
    /// change that records nothing (invalid input, a checkpoint already signed) answers at once.
    func write(_ id: String, mirroring: Bool = false,
               _ change: @escaping @Sendable (inout ProductionLog) throws(StepFormatError) -> Written) async throws -> Written {
        if mirrored[id] != nil && !mirroring { throw HubError.mirrored(production: id) }
        do { try await load(id) } catch { throw HubError.store(error) }
        while drained[id] != nil {
            // Readers are waiting for what is queued to be stored: this change waits for them.
            await withCheckedContinuation { parked[id, default: []].append($0) }
            do { try await load(id) } catch { throw HubError.store(error) }
        }
        if let fault = logs[id]!.fault { throw HubError.readOnly(production: id, fault: fault) }
        // No suspension from here until the change is queued: changes are decided one at a time.
        let (mark, result, unchanged) = try decide(id, change)
        if unchanged && queued[id] == nil { return result }
        return try await withCheckedThrowingContinuation { reply in
            if queued[id] == nil {
                // Nothing queued or being stored: this change starts the production's appends.
                queued[id] = []
                storedMarks[id] = mark
                Task { await self.appendQueued(id) }
            }
            queued[id]!.append(PendingWrite(change: change, result: result, reply: reply))
        }
    }

    /// Applies a change to the held log in place. The log is not kept beyond this call: a
    /// copy held while waiting for the store would make every later change copy it whole.
    func decide(_ id: String, _ change: (inout ProductionLog) throws(StepFormatError) -> Written) throws -> (ProductionLog.Mark, Written, Bool) {
        var log = logs.removeValue(forKey: id)!
        defer { logs[id] = log }
        let mark = log.mark
        let result: Written
        do { result = try change(&log) } catch { throw HubError.invalid(error) }
        return (mark, result, log.size == mark.size && log.checkpointEdits == mark.checkpointEdits)
    }

    /// Stores everything queued for the production, one append at a time, until the queue is empty.
    func appendQueued(_ id: String) async {
        var decidedAgain = 0
        while let batch = queued[id], !batch.isEmpty {
            queued[id] = []
            let from = storedMarks[id]!
            // Taken from the log now: a copy of the log held across the append would make the
            // next change copy every entry. The rows' decoding and JSON happen where the store
            // writes them, while the hub goes on deciding.
            let (appended, stored) = take(id, from: from)
            do {
                try await store.append(id, appended)
            } catch StoreError.conflict where decidedAgain < Self.decideAgainLimit {
                // Another process wrote first: decide everything queued again against what it wrote.
                logger.info("production \(id) changed underneath; deciding again")
                decidedAgain += 1
                do {
                    // Changes arriving meanwhile are decided against the old log and queued; they are decided again below.
                    var fresh = try await loadStored(id)
                    if let fault = fresh.fault { throw HubError.readOnly(production: id, fault: fault) }
                    storedMarks[id] = fresh.mark
                    var again: [PendingWrite] = []
                    for var w in batch + (queued[id] ?? []) {
                        do { w.result = try w.change(&fresh) } catch {
                            w.reply.resume(throwing: HubError.invalid(error))
                            continue
                        }
                        again.append(w)
                    }
                    logs[id] = fresh
                    queued[id] = again
                } catch {
                    fail(id, batch + (queued[id] ?? []), HubError.store(error))
                    return
                }
                continue
            } catch {
                fail(id, batch + (queued[id] ?? []), HubError.store(error))
                return
            }
            storedMarks[id] = stored
            forgetOlder(id, stored: stored.size)
            for (index, entry) in appended.entries {
                onRecord(id, Decision(outcome: entry.outcome, rules: entry.rules, message: entry.message), stored.size)
                publish(id, LiveEvent(index: index, entry: entry))
            }
            for w in batch { w.reply.resume(returning: w.result) }
            if stored.checkpoints.count > from.checkpoints.count { onCheckpoint(id) }
        }
        queued[id] = nil
        storedMarks[id] = nil
        snapshotIfDue(id)
        wakeReaders(id)
    }

    /// Hands the readers the log as stored, then lets the changes that waited for them go on.
    func wakeReaders(_ id: String) {
        for reader in drained.removeValue(forKey: id) ?? [] { reader.resume(returning: logs[id]) }
        for change in parked.removeValue(forKey: id) ?? [] { change.resume() }
    }

    /// What the next append needs from the log, and where the log will then stand.
    func take(_ id: String, from: ProductionLog.Mark) -> (AppendBatch, ProductionLog.Mark) {
        let log = logs[id]!
        return (AppendBatch(log, from: from), log.mark)
    }

    /// Nothing queued is acknowledged; the log is reloaded from the store on next use.
    func fail(_ id: String, _ writes: [PendingWrite], _ error: HubError) {
        logs[id] = nil
        queued[id] = nil
        storedMarks[id] = nil
        for w in writes { w.reply.resume(throwing: error) }
        wakeReaders(id)
    }

    /// Publishes an entry to the production's live subscribers, once: an entry this process
    /// stored and another process's announced append may both bring it.
    func publish(_ id: String, _ event: LiveEvent) {
        guard published[id]?.insert(event.index) ?? true else { return }
        for c in (subscribers[id] ?? [:]).values { c.yield(.entry(event)) }
    }

    // MARK: Other processes on the same store

    /// Which entries of each production followed here were published: all below `floor`
    /// (the log as first opened counts as history), and those in `above`.
    struct Published {
        var floor: Int
        var above: Set<Int> = []

        /// Notes `index` as published; false if it already was.
        mutating func insert(_ index: Int) -> Bool {
            guard index >= floor, above.insert(index).inserted else { return false }
            while above.remove(floor) != nil { floor += 1 }
            return true
        }

        /// The entries before `size` not yet published.
        func missing(below size: Int) -> [Int] { (floor..<max(floor, size)).filter { !above.contains($0) } }
    }
    var published: [String: Published] = [:]

    /// Times a batch is decided again because other processes wrote first, before its
    /// steps are answered 503 (each time, another process's append went through).
    static let decideAgainLimit = 16

    /// Entries another process stored that this one publishes in one go, at most: a screen
    /// further behind catches up by itself (`Last-Event-ID`).
    static let catchUpLimit = 1000

    /// Follows the appends other processes make to a shared store: their entries reach
    /// this process's live subscribers, and a held log they moved on is let go, to be opened
    /// again as stored when next used. Runs until cancelled.
    public nonisolated func followOtherProcesses() async {
        guard let feed = store as? any ChangeFeed else { return }
        await feed.followChanges { id, size in await self.changed(id, size: size) }
    }

    /// Whether the store may be shared with other server processes (PostgreSQL).
    public nonisolated var storeIsShared: Bool { store is any ChangeFeed }

    /// An append was committed to the production's stored log, now `size` entries long
    /// (nil: appends may have been missed; every production followed here is looked at).
    func changed(_ id: String?, size: Int) async {
        guard let id else {
            guard let feed = store as? any ChangeFeed, let sizes = try? await feed.storedSizes() else { return }
            for (id, size) in sizes where published[id] != nil { await changed(id, size: size) }
            return
        }
        guard let known = published[id] else { return }
        // Behind the store: opened again when next used. A change queued meanwhile meets the
        // conflict at its append and is decided again, as it would be anyway.
        if let held = logs[id], held.size < size, isIdle(id) {
            logs[id] = nil
        }
        var missing = known.missing(below: size)
        for skipped in missing.dropLast(Self.catchUpLimit) { _ = published[id]?.insert(skipped) }
        missing = Array(missing.suffix(Self.catchUpLimit))
        guard !missing.isEmpty, let entries = try? await store.entries(id, at: missing) else { return }
        for e in entries { publish(id, LiveEvent(index: e.index, entry: e.entry)) }
    }

    /// A stream of every entry recorded from now on.
    public func subscribe(_ id: String, heartbeat: Duration = .seconds(15)) -> AsyncStream<LiveMessage> {
        let key = UUID()
        let (stream, continuation) = AsyncStream<LiveMessage>.makeStream(bufferingPolicy: .bufferingNewest(1000))
        subscribers[id, default: [:]][key] = continuation
        let beat = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: heartbeat)
                continuation.yield(.heartbeat)
            }
        }
        continuation.onTermination = { _ in
            beat.cancel()
            Task { await self.unsubscribe(id, key) }
        }
        return stream
    }

    func unsubscribe(_ id: String, _ key: UUID) { subscribers[id]?[key] = nil }

    /// How many live subscribers a production has.
    public func subscriberCount(_ id: String) -> Int { subscribers[id]?.count ?? 0 }
}
