import ArmoryCore
import ArmoryLedger
import Foundation
import Logging
import Synchronization

/// How the set reaches the studio's mirror: HTTP in `armory serve`.
public protocol MirrorTransport: Sendable {
    /// Posts a body to `<studio>/mirror/<endpoint>` with the set's token; returns the status,
    /// content type and body of the answer.
    func post(_ endpoint: String, _ body: [UInt8]) async throws -> (status: Int, type: String, body: [UInt8])
}

/// The set's side of mirroring (C2SP tlog-mirror, docs/FORMAT.md): whenever the link is up,
/// each production's log reaches the studio up to a checkpoint signed for it. Entries
/// recorded since the latest checkpoint are first covered by a new one (at most one a
/// `spacing`), then `add-checkpoint` makes it the studio's pending checkpoint (resent from
/// the size the studio names on 409), and `add-entries` sends the entries in packages of
/// 256, each with its proof, resuming where the studio says it stands (202, 409). A studio
/// out of reach is asked again with backoff; nothing on the set waits for it.
public actor MirrorWorker {
    /// How often productions with entries the studio lacks are looked at when nothing wakes the worker.
    public static let tick: Duration = .seconds(2)
    /// The least time between two checkpoints signed for the mirror in one production.
    /// A checkpoint is kept for good, in memory too: the mirror adds at most one every 5 s
    /// while steps are recorded (so the studio is at most seconds behind a link that works),
    /// and none while the studio is out of reach.
    public static let spacing: Double = 5
    /// The least time between two looks: a burst of steps is one look.
    public static let lookSpacing: Duration = .milliseconds(500)
    /// Packages sent in one request (4,096 entries); the rest follow after the answer.
    public static let packagesPerRequest = 16
    /// Bytes of entries in one request, past which its packages stop (the studio reads 32 MiB
    /// at most): a request goes through in seconds on a slow link.
    public static let bytesPerRequest = 2 * 1024 * 1024
    public static let firstWait: Double = 0.25
    /// A studio out of reach is asked at least this often, so a returning link is used within seconds.
    public static let longestWait: Double = 5
    /// A studio that refuses the log (a fork, a key or token it does not take) is asked this often.
    public static let refusedWait: Double = 300
    /// Requests in one look at a production before it waits for the next look.
    static let requestsPerLook = 64
    /// How often the studio is asked for the concerns raised there for each production.
    public static let concernPoll: Double = 10
    /// Answers taken in one ask for concerns (each of at most `ConcernOffer.maximumCount`).
    static let concernAnswersPerLook = 8

    let hub: ProductionHub
    let transport: any MirrorTransport
    let logger: Logger
    let clock: @Sendable () -> Date
    /// What the studio holds of each production: the size of the set's checkpoint it holds
    /// every entry of, and when it said so.
    let mirrored = Mutex<[String: (size: Int, at: Date)]>([:])
    /// The size of the studio's pending checkpoint, as it last said.
    var studioSize: [String: Int] = [:]
    /// Where the studio's entries end, as it last said.
    var studioNext: [String: Int] = [:]
    var lastSigned: [String: Date] = [:]
    var retry = Backoff<String>(first: firstWait, longest: longestWait)
    /// Productions whose last request did not reach the studio.
    var unreachable: Set<String> = []
    /// Productions with entries the studio may lack.
    var pending: Set<String> = []
    let wakeups = Wakeups()
    /// Records a concern the studio handed over (CONCERN-1, under its `key`); returns its
    /// entry, or nil when the concern is refused for good (one the set's limits do not take).
    /// Throws when it may be recorded later (the store did not answer).
    let recordConcern: @Sendable (String, ConcernOffer) async throws -> Int?
    /// Concerns refused for good, per production: not tried again while the server runs.
    var refusedConcerns: [String: Set<Int>] = [:]
    /// Every production of this set, and when the studio is next asked for its concerns.
    var productions: Set<String> = []
    var nextConcernAsk: [String: Date] = [:]
    /// Concerns recorded here that the studio has not been told of yet.
    var toTell: [String: [ConcernExchange.Recorded]] = [:]
    /// Concerns raised at the studio recorded here since the server started, per production.
    let handedOver = Mutex<[String: Int]>([:])
    /// Productions whose last ask for concerns failed: said once an outage, not every ask.
    var askFailing: Set<String> = []

    public init(hub: ProductionHub, transport: any MirrorTransport, logger: Logger, clock: @escaping @Sendable () -> Date = { Date() },
                recordConcern: @escaping @Sendable (String, ConcernOffer) async throws -> Int? = { _, _ in throw HubError.noSigningKey }) {
        self.hub = hub
        self.transport = transport
        self.logger = logger
        self.clock = clock
        self.recordConcern = recordConcern
    }

    /// How many concerns raised at the studio were recorded here since the server started.
    public nonisolated func concernsRecorded(_ production: String) -> Int { handedOver.withLock { $0[production] ?? 0 } }

    /// An entry was recorded in `production`: the studio is sent it at the next look.
    public nonisolated func wake(for production: String) {
        wakeups.wake(for: production)
    }

    /// What the studio holds of the production, as it last said (nil: nothing yet, or not heard from).
    public nonisolated func holds(_ production: String) -> (size: Int, at: Date)? { mirrored.withLock { $0[production] } }

    /// Runs until cancelled: every production once, then those with new entries, every tick.
    public func run() async {
        if let all = try? await hub.store.productionIDs() {
            pending.formUnion(all)
            productions.formUnion(all)
        }
        await pass()
        await wakeups.run(every: Self.tick) {
            await pass()
            try? await Task.sleep(for: Self.lookSpacing)
        }
    }

    /// One look at each production woken or still behind at the studio.
    public func pass() async {
        let woken = wakeups.takeWoken()
        pending.formUnion(woken)
        productions.formUnion(woken)
        for id in pending.sorted() where hub.mirrored[id] == nil {
            if retry.waiting(id, now: clock().timeIntervalSince1970) { continue }
            if await push(id) {
                pending.remove(id)
                retry.succeeded(id)
            }
        }
        // The studio is asked for the concerns raised there, every `concernPoll`, while it is in reach.
        for id in productions.sorted() where hub.mirrored[id] == nil {
            let now = clock()
            if retry.waiting(id, now: now.timeIntervalSince1970) { continue }
            guard now >= nextConcernAsk[id] ?? .distantPast else { continue }
            nextConcernAsk[id] = now.addingTimeInterval(Self.concernPoll)
            await takeConcerns(id)
        }
    }

    /// Asks the studio for the concerns raised there for the production, telling it those
    /// recorded here since the last ask, and records each handed over (once: a concern handed
    /// over again is answered by its key with the entry recorded the first time).
    func takeConcerns(_ id: String) async {
        do {
            try await exchangeConcerns(id)
            if askFailing.remove(id) != nil { logger.info("concerns of production \(id): the studio answers again") }
        } catch {
            // Asked again at the next poll; a link that stays down is said once, not every 10 s.
            if askFailing.insert(id).inserted { logger.warning("concerns of production \(id) at the studio: \(error); asking every \(Int(Self.concernPoll)) s") }
        }
    }

    func exchangeConcerns(_ id: String) async throws {
        let origin = try await hub.read(id) { $0.origin }
        for _ in 0..<Self.concernAnswersPerLook {
            let told = toTell[id] ?? []
            let answer = try await send(id, "concerns", ConcernExchange(origin: origin, recorded: told).body)
            guard answer.status == 200 else {
                // A studio that does not take this production's concerns is asked again later.
                if answer.status != 404 { logger.warning("concerns of production \(id) at the studio: \(answer.status) \(Self.excerpt(answer.body))") }
                return
            }
            toTell[id] = nil
            let offers = try ConcernOffer.read(answer.body).filter { !(refusedConcerns[id]?.contains($0.id) ?? false) }
            if offers.isEmpty { return }
            var recorded: [ConcernExchange.Recorded] = []
            for offer in offers where !recorded.contains(where: { $0.concern == offer.id }) {
                guard let entry = try await recordConcern(id, offer) else {
                    refusedConcerns[id, default: []].insert(offer.id)
                    logger.error("production \(id): concern \(offer.id) raised at the studio is not one this set can record; it stays at the studio")
                    continue
                }
                recorded.append(ConcernExchange.Recorded(concern: offer.id, entry: entry))
                handedOver.withLock { $0[id, default: 0] += 1 }
                logger.notice("production \(id): concern \(offer.id) raised at the studio recorded as entry \(entry)")
            }
            toTell[id] = recorded
            if recorded.isEmpty { return }
        }
    }

    /// Brings the studio up to the production's latest checkpoint (signing one first if
    /// entries came after it). True when the studio holds it all.
    func push(_ id: String) async -> Bool {
        do {
            let (size, latest) = try await hub.read(id) { ($0.size, $0.checkpoints.last) }
            var note = latest
            let covered = note.flatMap { try? Checkpoint(text: $0.text) }?.size ?? 0
            // No new checkpoint while the studio is out of reach: the one waiting goes first.
            if size > covered, hub.signer != nil, !unreachable.contains(id), clock().timeIntervalSince(lastSigned[id] ?? .distantPast) >= Self.spacing {
                note = try await hub.signCheckpoint(id)
                lastSigned[id] = clock()
            }
            guard let note, let checkpoint = try? Checkpoint(text: note.text) else { return true }
            if holds(id)?.size == checkpoint.size { return size == checkpoint.size }
            for _ in 0..<Self.requestsPerLook {
                switch try await step(id, note, checkpoint) {
                case .done:
                    retry.succeeded(id)
                    let now = clock()
                    mirrored.withLock { $0[id] = (checkpoint.size, now) }
                    logger.info("production \(id) mirrored to the studio up to \(checkpoint.size)")
                    return size == checkpoint.size
                case .again: continue
                case .failed(let why):
                    failed(id, why)
                    return false
                case .refused(let why):
                    failed(id, why, refused: true)
                    return false
                }
            }
            return false
        } catch {
            unreachable.insert(id)
            failed(id, "\(error)")
            return false
        }
    }

    enum Progress {
        case done, again
        /// Out of reach, or a passing failure: asked again within seconds.
        case failed(String)
        /// Refused for a reason sending again will not change (a fork, a key, token or
        /// production the studio does not take): asked again only every `refusedWait`.
        case refused(String)
    }

    /// What an answer that is neither of the protocol's successes means.
    static func refusal(_ what: String, _ answer: (status: Int, type: String, body: [UInt8])) -> Progress {
        let why = "\(what): \(answer.status) \(excerpt(answer.body))"
        return (400..<500).contains(answer.status) && ![408, 425, 429].contains(answer.status) ? .refused(why) : .failed(why)
    }

    /// One request: the checkpoint if the studio does not hold it as pending, else entries.
    func step(_ id: String, _ note: SignedNote, _ checkpoint: Checkpoint) async throws -> Progress {
        let old = studioSize[id] ?? holds(id)?.size ?? 0
        if old != checkpoint.size {
            guard old < checkpoint.size else {
                // Not for good: once this log grows past the studio's, what it sends shows the studio whether the two agree.
                return .failed("the studio holds a checkpoint of \(old) entries, more than this log's \(checkpoint.size): "
                               + "this set's log went back (restored from an older copy?) and the studio keeps the other history")
            }
            let proof = old == 0 ? [] : try await hub.proof(id, .consistency(from: old, to: checkpoint.size))
            let request = try AddCheckpoint(oldSize: old, proof: proof, note: note)
            let answer = try await send(id, "add-checkpoint", Array(request.body.utf8))
            switch answer.status {
            case 200:
                studioSize[id] = checkpoint.size
                return .again
            case 409:
                guard let size = TlogSize.read(answer.body) else {
                    return .failed("the studio's 409 names no size")
                }
                if size == old { return .refused("the studio holds another checkpoint of \(size) entries: a fork") }
                studioSize[id] = size
                return .again
            default:
                return Self.refusal("add-checkpoint", answer)
            }
        }
        // Where the studio's entries end, if not known: an upload of none asks it.
        guard let start = studioNext[id] else {
            let probe = AddEntries(origin: checkpoint.origin, start: checkpoint.size, end: checkpoint.size, packages: [])
            return entriesAnswer(id, checkpoint, try await send(id, "add-entries", probe.body))
        }
        // Entries, from where the studio's end, in a run of packages.
        let intervals = Array(AddEntries.intervals(start: min(start, checkpoint.size), end: checkpoint.size).prefix(Self.packagesPerRequest))
        var packages: [AddEntries.Package] = []
        if let first = intervals.first?.lowerBound, let last = intervals.last?.upperBound {
            let stored = try await hub.entries(id, at: Array(first..<last))
            guard stored.count == last - first else { return .failed("entries \(first)..<\(last) are not all stored") }
            var bytes = stored.map { $0.entry.encoded() }[...]
            var total = 0
            var sent: [Range<Int>] = []
            for range in intervals {
                // Past the budget, the rest waits for the next request (one package always goes).
                total += bytes.prefix(range.count).reduce(0) { $0 + $1.count + 2 }
                if !sent.isEmpty && total > Self.bytesPerRequest { break }
                sent.append(range)
            }
            // Every package's proof to the checkpoint, with the stored nodes read once.
            let proving = sent.filter { $0.upperBound < checkpoint.size }
            let proofs = try await hub.proofs(id, proving.map { .consistency(from: $0.upperBound, to: checkpoint.size) })
            for (k, range) in sent.enumerated() {
                let proof = k < proofs.count ? proofs[k] : []
                packages.append(AddEntries.Package(first: range.lowerBound, entries: Array(bytes.prefix(range.count)), proof: proof))
                bytes = bytes.dropFirst(range.count)
            }
        }
        let request = AddEntries(origin: checkpoint.origin, start: min(start, checkpoint.size), end: checkpoint.size, packages: packages)
        return entriesAnswer(id, checkpoint, try await send(id, "add-entries", request.body))
    }

    /// What the studio's answer to `add-entries` means: it holds all (200), or where it
    /// stands (202, 409), which the next request starts from.
    func entriesAnswer(_ id: String, _ checkpoint: Checkpoint, _ answer: (status: Int, type: String, body: [UInt8])) -> Progress {
        switch answer.status {
        case 200:
            studioNext[id] = checkpoint.size
            return .done
        case 202, 409:
            guard let info = String(validating: answer.body, as: UTF8.self).flatMap(MirrorInfo.init(text:)) else {
                return .failed("add-entries: \(answer.status) without where the studio stands")
            }
            studioNext[id] = info.nextEntry
            // The studio lost the pending checkpoint (restarted): it is sent again.
            if info.pendingSize != checkpoint.size { studioSize[id] = info.pendingSize }
            return .again
        default:
            return Self.refusal("add-entries", answer)
        }
    }

    /// Sends one request; an answer of any kind means the studio is in reach.
    func send(_ id: String, _ endpoint: String, _ body: [UInt8]) async throws -> (status: Int, type: String, body: [UInt8]) {
        let answer = try await transport.post(endpoint, body)
        unreachable.remove(id)
        return answer
    }

    static func excerpt(_ body: [UInt8]) -> String {
        String(decoding: body.prefix(300), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func failed(_ id: String, _ why: String, refused: Bool = false) {
        let wait = retry.failed(id, now: clock().timeIntervalSince1970, wait: refused ? Self.refusedWait : nil)
        // What the studio said is no longer trusted: asked again from the start.
        studioSize[id] = nil
        logger.warning("mirror of production \(id) to the studio: \(why); trying again in \(Int(wait)) s")
    }
}
