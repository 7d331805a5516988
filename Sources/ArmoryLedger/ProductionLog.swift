import ArmoryCore

/// One production's record in memory: the engine's state, the entries' canonical bytes,
/// the Merkle tree over them, and the signed checkpoints. A server holds only a window of
/// recent entries and the nodes over them (`forget(keeping:)`); a replay or export holds all. Recording a step decides it and
/// appends it (refused commands too: the attempt is evidence); a checkpoint is signed at
/// every wrap and at once after an FA-7 alarm (EVID-2), and on demand.
public struct ProductionLog: Sendable {
    /// The checkpoint origin line: `armory/<production id>`.
    public let origin: String
    public let header: ProductionHeader
    public private(set) var entries = EntryWindow()
    public private(set) var tree = MerkleTree()
    public private(set) var state: ProductionState
    /// Signed checkpoints, oldest first.
    public private(set) var checkpoints: [SignedNote] = []
    /// The times entries were recorded at, for cosignature timestamps.
    public private(set) var lastAt: Timestamp
    /// The recent entries' facts, worked out as they were recorded.
    var recentFacts = RecentFacts()

    /// The facts of entry `index`, when it was recorded here recently; nil otherwise (read
    /// them from its bytes with `EntryFacts(decoding:)`).
    public func facts(at index: Int) -> EntryFacts? { recentFacts.facts(at: index) }

    /// Opens a production's log with its header as entry 0.
    public init(productionID: String, header: ProductionHeader, openedAt: Timestamp) {
        self.origin = "armory/" + productionID
        self.header = header
        self.state = header.initialState
        self.lastAt = openedAt
        append(EntryFacts(naming: LogEntry(index: 0, kind: .production, at: openedAt.text, by: nil, body: header.json.compactText,
                                           message: "production \(header.title) opened with \(header.people.count) people")))
    }

    /// Rebuilds a log from verified entries and checkpoints (an imported bundle).
    /// `readOnlyAtFault`: an entry that does not stand up (after the header) does not stop
    /// the log from opening; it is kept as `fault`, the state is the state before it, and
    /// every entry's bytes stay in the tree as they were stored (nothing is changed or
    /// dropped). Such a log is read-only: nothing may be recorded after an entry no reader
    /// can take.
    public init(origin: String, entries: [[UInt8]], checkpoints: [SignedNote], readOnlyAtFault: Bool = false) throws(LogReplayError) {
        let replay = readOnlyAtFault ? try LogReplay(readingUpToFault: entries) : try LogReplay(entryBytes: entries)
        self.origin = origin
        self.header = replay.header
        self.state = replay.finalState
        self.fault = replay.fault
        self.lastAt = Timestamp(rfc3339: replay.entries.last!.entry.at) ?? Timestamp(seconds: 0)
        for e in entries { appendBytes(e) }
        for (e, _) in replay.entries { noteKey(e.receipt, index: Int(e.index)) }
        self.checkpoints = checkpoints
        self.checkpointEdits = checkpoints.count
    }

    /// The first entry that does not stand up, in a log opened read-only because of it.
    public private(set) var fault: LogReplayError?

    public var size: Int { entries.count }

    /// Whether every entry and tree node is in memory (nothing was let go).
    public var isWhole: Bool { entries.isWhole && tree.store.isWhole }

    /// Where a log stood: all a store needs to append what came after it. Keeping a mark
    /// instead of a copy of the log spares copying every entry on each append.
    public struct Mark: Sendable, Equatable {
        public let size: Int
        public let checkpoints: [SignedNote]
        /// How many times checkpoints had been signed or cosigned: equal means none changed since.
        public let checkpointEdits: Int
        /// The state's revision: firearms and lots changed after it need rewriting in read models.
        public let revision: Int
    }

    public var mark: Mark { Mark(size: entries.count, checkpoints: checkpoints, checkpointEdits: checkpointEdits, revision: state.revision) }

    /// Counts checkpoint signatures and cosignatures.
    public private(set) var checkpointEdits = 0

    /// Entries sent with an idempotency key, by recorder and key: a retry is answered with
    /// the entry its first attempt recorded, and nothing is recorded twice.
    public private(set) var keyed: [KeyedCommand: Int] = [:]

    /// A signed-in person's idempotency key.
    public struct KeyedCommand: Hashable, Sendable {
        public let recorder: String
        public let key: String
        public init(recorder: String, key: String) {
            self.recorder = recorder
            self.key = key
        }
    }

    /// The entry recorded for `key` sent by `recorder`, if any.
    public func entry(forKey key: String, recorder: String) -> Int? { keyed[KeyedCommand(recorder: recorder, key: key)] }

    mutating func noteKey(_ receipt: LogEntry.Receipt?, index: Int) {
        // The server's own keyed entries (a concern the studio handed over) have no recorder.
        if let receipt, let key = receipt.key {
            let command = KeyedCommand(recorder: receipt.recorder ?? "", key: key)
            if keyed[command] == nil { keyed[command] = index }
        }
    }

    mutating func append(_ facts: EntryFacts) {
        noteKey(facts.entry.receipt, index: Int(facts.entry.index))
        recentFacts.add(facts, at: entries.count)
        appendBytes(facts.entry.encoded())
    }

    mutating func appendBytes(_ bytes: [UInt8]) {
        entries.append(bytes)
        tree.append(leafHash: MerkleHash.leaf(bytes))
    }

    /// Decides and records a step. With a `signer`, a checkpoint is signed when the step
    /// is a wrap or raised an FA-7 alarm. Invalid input is thrown and nothing is recorded.
    @discardableResult
    /// A `receipt` (the server's clock and how the sender signed in) makes a version 2 entry.
    public mutating func record(_ step: Step, signer: NoteSigner? = nil, receipt: LogEntry.Receipt? = nil) throws(StepFormatError) -> (index: Int, decision: Decision) {
        // An `acknowledge` names an alarm by its entry index (PROTOCOL.md, "Acknowledgements").
        let index = entries.count
        let decision = try state.apply(step, number: index)
        append(EntryFacts(LogEntry(index: UInt64(index), step: step, decision: decision, receipt: receipt), step: step))
        lastAt = step.at
        if let signer, decision.isCritical || step.action == .wrap {
            _ = signCheckpoint(signer)
        }
        return (index, decision)
    }

    /// Records a correction of an earlier entry (EVID-1): the earlier entry stays as it was.
    @discardableResult
    public mutating func correct(entry target: Int, by: String, at: Timestamp, text: String) throws(StepFormatError) -> Int {
        guard target > 0, target < entries.count else { throw StepFormatError("no entry \(target) to correct", field: "corrects") }
        guard state.people[by] != nil else { throw StepFormatError("unknown person '\(by)'", field: "by") }
        guard !text.isEmpty else { throw StepFormatError("a correction needs text", field: "text") }
        let body: JSON = .object([("corrects", .number(Double(target), isInteger: true)), ("text", .string(text))])
        let index = entries.count
        append(EntryFacts(naming: LogEntry(index: UInt64(index), kind: .correction, at: at.text, by: by, body: body.compactText,
                                           message: "entry \(target) corrected by \(by)")))
        lastAt = at
        return index
    }

    /// Records that `by` issued a one-time sign-in PIN for `person` (never the PIN itself).
    @discardableResult
    public mutating func recordPIN(for person: String, by: String, at: Timestamp, receipt: LogEntry.Receipt? = nil) throws(StepFormatError) -> Int {
        guard state.people[by] != nil else { throw StepFormatError("unknown person '\(by)'", field: "by") }
        guard state.people[person] != nil else { throw StepFormatError("unknown person '\(person)'", field: "person") }
        if let lastAt = state.lastAt, at < lastAt {
            throw StepFormatError("'at' \(at.text) is earlier than the step before it (\(lastAt.text))", field: "at")
        }
        let index = entries.count
        append(EntryFacts(naming: LogEntry(index: UInt64(index), kind: .pin, at: at.text, by: by, body: JSON.object([("for", .string(person))]).compactText,
                                           message: "a one-time sign-in PIN was issued for \(person) by \(by)", receipt: receipt)))
        lastAt = at
        return index
    }

    /// Decides and records an evidence transfer to investigators (refused ones too: the
    /// attempt is evidence). A checkpoint is signed at once, with a `signer`, when it is accepted.
    @discardableResult
    public mutating func transfer(_ t: EvidenceTransfer, signer: NoteSigner? = nil, receipt: LogEntry.Receipt? = nil) throws(StepFormatError) -> (index: Int, decision: Decision) {
        let decision = try state.apply(t)
        let index = entries.count
        append(EntryFacts(LogEntry(index: UInt64(index), kind: .transfer, at: t.at.text, by: t.by, body: t.json.compactText,
                                   outcome: decision.outcome, rules: decision.rules, message: decision.message, receipt: receipt), transfer: t))
        lastAt = t.at
        if let signer, decision.outcome == .ok { _ = signCheckpoint(signer) }
        return (index, decision)
    }

    /// Signs a checkpoint of the whole log now.
    @discardableResult
    public mutating func signCheckpoint(_ signer: NoteSigner) -> SignedNote {
        if let last = checkpoints.last, (try? Checkpoint(text: last.text))?.size == entries.count { return last }
        let cp = try! Checkpoint(origin: origin, size: entries.count, rootHash: try! tree.rootHash())
        let note = cp.signed(by: signer)
        checkpoints.append(note)
        checkpointEdits += 1
        return note
    }

    /// Appends entries received from elsewhere (the set's log, mirrored to the studio), each
    /// decoded and re-decided exactly as a replay does (`LogReplay.decide`). All or nothing:
    /// if one does not stand up as the next entry of this log, nothing is appended and the
    /// error names it. The state is copied once per call, not once per entry.
    public mutating func appendVerified(_ batch: [[UInt8]]) throws(LogReplayError) {
        var header: ProductionHeader? = self.header
        var next = state
        var decoded: [EntryFacts] = []
        decoded.reserveCapacity(batch.count)
        for (k, bytes) in batch.enumerated() {
            let (entry, step) = try LogReplay.decide(bytes, at: entries.count + k, header: &header, state: &next)
            decoded.append(step.map { EntryFacts(entry, step: $0) } ?? EntryFacts(decoding: bytes) ?? EntryFacts(naming: entry))
        }
        state = next
        for (facts, bytes) in zip(decoded, batch) {
            noteKey(facts.entry.receipt, index: Int(facts.entry.index))
            recentFacts.add(facts, at: entries.count)
            appendBytes(bytes)
            if let at = Timestamp(rfc3339: facts.entry.at) { lastAt = at }
        }
    }

    /// Adds a checkpoint signed elsewhere (the set's, mirrored to the studio) once the log
    /// holds every entry it covers and the tree gives its root; the caller has checked its
    /// signature. False, with nothing added, when it does not match this log.
    public mutating func addCheckpoint(_ note: SignedNote) -> Bool {
        guard let cp = try? Checkpoint(text: note.text), cp.origin == origin, cp.size == entries.count,
              (try? tree.rootHash()) == cp.rootHash else { return false }
        if let last = checkpoints.last, last.text == note.text { return true }
        checkpoints.append(note)
        checkpointEdits += 1
        return true
    }

    /// Adds a witness's cosignature to the checkpoint at `position`.
    public mutating func replaceCheckpoint(at position: Int, with note: SignedNote) {
        checkpoints[position] = note
        checkpointEdits += 1
    }

    /// Lets go of all but the last `window` entries (and never one at or after `stored`,
    /// the end of what the store holds), the tree nodes over only those, and the
    /// idempotency keys of those entries: a retry is recognised while its entry is held.
    /// The state, the checkpoints and the tree's right edge stay, so deciding, appending
    /// and signing need nothing from the store.
    /// The facts of stored entries go at once: the store has them.
    public mutating func forget(keeping window: Int, stored: Int) {
        recentFacts.forget(before: stored)
        let before = min(size - window, stored)
        guard before > entries.first else { return }
        entries.forget(before: before)
        tree.forget(before: before)
        keyed = keyed.filter { $0.value >= before }
    }
}

/// Why a witness will not cosign.
public struct WitnessError: Error, Equatable, Sendable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// An insurer's or union's witness: it cosigns a production's checkpoint only after
/// checking the log's signature and that the new tree extends the last one it cosigned,
/// so a log cannot show one history to investigators and another to the production.
public struct Witness: Sendable {
    public let signer: NoteSigner
    public let logKey: NoteVerifierKey
    /// The last checkpoint this witness cosigned: origin, size, root.
    public private(set) var last: Checkpoint?

    public init(signer: NoteSigner, logKey: NoteVerifierKey, last: Checkpoint? = nil) throws(WitnessError) {
        guard signer.verifierKey.type == .cosignatureV1 else { throw WitnessError("a witness key must be a cosignature key (type 0x04)") }
        self.signer = signer
        self.logKey = logKey
        self.last = last
    }

    /// Cosigns `note` if it is the log's, for the same origin, and consistent with the last
    /// checkpoint cosigned (`proof` is the consistency proof from that size to this one).
    public mutating func cosign(_ note: SignedNote, consistency proof: [Hash], timestamp: UInt64) throws(WitnessError) -> SignedNote {
        do {
            let verified = try note.verify(with: [logKey])
            guard verified.contains(where: { $0.key == logKey }) else { throw WitnessError("not signed by the log") }
        } catch let e as NoteError {
            throw WitnessError("the log's signature does not verify: \(e.message)")
        } catch {
            throw WitnessError("\(error)")
        }
        let cp: Checkpoint
        do { cp = try Checkpoint(text: note.text) } catch { throw WitnessError("not a checkpoint: \(error.message)") }
        if let last {
            guard cp.origin == last.origin else { throw WitnessError("checkpoint is for \(cp.origin), this witness follows \(last.origin)") }
            guard cp.size >= last.size else {
                throw WitnessError("checkpoint of size \(cp.size) is older than the last cosigned (\(last.size)): the log went back")
            }
            guard MerkleProof.verifyConsistency(first: last.size, second: cp.size, firstRoot: last.rootHash, secondRoot: cp.rootHash, proof: proof) else {
                throw WitnessError("checkpoint of size \(cp.size) is not consistent with the last cosigned (\(last.size)): the log was rewritten")
            }
        }
        var out = note
        out.cosign(with: signer, timestamp: timestamp)
        last = cp
        return out
    }
}

extension ProductionLog {
    /// Opens a log from a snapshot instead of from entry 0: `state` is the state after the
    /// first `snapshot.size` entries; `entries` are the stored entries from `first` on
    /// (`first` at most the snapshot's size), whose bytes are held; `edge` the stored tree
    /// nodes the log's right edge needs at size `first` (`StateSnapshot.edgeKeys(first:)`).
    /// Each entry from `first` on is hashed into the tree (and its nodes are compared with
    /// `storedNodes`, where given); each after the snapshot is re-decided exactly as a replay
    /// does; the snapshot's root must be the tree's at its size, and the last checkpoint's
    /// the tree's at its size (`checkpointRoot`: read from the store's nodes when older than
    /// `first`). Throws, saying why, when any of this does not hold: open by a full replay then.
    public init(origin: String, header: ProductionHeader, snapshot: StateSnapshot, state: ProductionState, first: Int,
                entries: [[UInt8]], edge: [NodeKey: Hash], storedNodes: [Int: [UInt8]], checkpoints: [SignedNote],
                checkpointRoot: Hash?) throws(NoteError) {
        let size = first + entries.count
        guard first <= snapshot.size, snapshot.size <= size, snapshot.size >= 1 else {
            throw NoteError("the snapshot (size \(snapshot.size)) is not within the entries read (\(first)..<\(size))")
        }
        self.origin = origin
        self.header = header
        self.state = state
        self.lastAt = Timestamp(seconds: 0)
        var store = InMemoryNodeStore()
        guard store.startAt(leafCount: first, edge: edge) else { throw NoteError("a stored tree node at the log's right edge is missing") }
        self.tree = MerkleTree(store: store)
        self.entries.start(at: first)
        var header: ProductionHeader? = header
        var next = state
        for (k, bytes) in entries.enumerated() {
            let index = first + k
            if index >= snapshot.size {
                let decided: LogEntry
                do { decided = try LogReplay.decide(bytes, at: index, header: &header, state: &next).entry } catch {
                    throw NoteError("entry \(index) after the snapshot: \(error.message)")
                }
                noteKey(decided.receipt, index: index)
                if let at = Timestamp(rfc3339: decided.at) { lastAt = at }
            } else {
                guard let e = try? LogEntry(decoding: bytes), e.index == UInt64(index) else { throw NoteError("entry \(index) cannot be read") }
                noteKey(e.receipt, index: index)
                if let at = Timestamp(rfc3339: e.at) { lastAt = at }
            }
            appendBytes(bytes)
            if let packed = storedNodes[index] {
                let computed = (0...(~index).trailingZeroBitCount).flatMap { level in tree.store.node(level: level, index: index >> level) ?? [] }
                guard computed == packed else { throw NoteError("the stored tree nodes of entry \(index) do not match its bytes") }
            }
        }
        // The snapshot's size is within the entries read (checked above), so its root is the tree's.
        guard (try? tree.rootHash(size: snapshot.size)) == snapshot.rootHash else {
            throw NoteError("the tree's root at size \(snapshot.size) is not the snapshot's")
        }
        self.state = next
        if let last = checkpoints.last {
            let cp = try Checkpoint(text: last.text)
            let root = cp.size >= first ? try? tree.rootHash(size: cp.size) : checkpointRoot
            guard cp.origin == origin, cp.size <= size, root == cp.rootHash else {
                throw NoteError("the entries no longer hash to the last signed checkpoint (size \(cp.size))")
            }
        }
        self.checkpoints = checkpoints
        self.checkpointEdits = checkpoints.count
    }
}
