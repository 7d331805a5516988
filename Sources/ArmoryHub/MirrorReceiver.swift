import ArmoryCore
import ArmoryLedger
import ArmoryStore
import Crypto
import Foundation
import Logging
import Synchronization

/// The studio's side of mirroring a set's log (C2SP tlog-mirror, docs/FORMAT.md): each set
/// sends its production's signed checkpoints (`add-checkpoint`) and then the entries up to
/// them (`add-entries`). Before anything is stored the studio checks the set's signature
/// with the key the production was registered with, the checkpoint's consistency with
/// what it already holds, each package of entries against the checkpoint, and every
/// decision, replayed through the engine. A checkpoint or entries inconsistent with what
/// the studio holds are refused and kept as evidence of a fork.
public actor MirrorReceiver {
    /// A production registered at the studio: the set's log key, and the SHA-256 of the
    /// token the set sends (`armory serve --mirror-token-file`).
    public struct Registration: Sendable {
        public let key: NoteVerifierKey
        public let tokenDigest: [UInt8]

        public init(key: NoteVerifierKey, tokenDigest: [UInt8]) {
            self.key = key
            self.tokenDigest = tokenDigest
        }
    }

    /// What the studio answers: status, content type and body.
    public struct Answer: Sendable, Equatable {
        public let status: Int
        public let type: String
        public let body: String

        static func text(_ status: Int, _ message: String) -> Answer { Answer(status: status, type: "text/plain; charset=utf-8", body: message + "\n") }
        static func info(_ status: Int, _ info: MirrorInfo) -> Answer { Answer(status: status, type: MirrorInfo.contentType, body: info.text) }
    }

    /// A request refused because it shows the set's log and the studio's copy disagree,
    /// as the pages show it (the request itself is kept whole in the store).
    public struct Fork: Sendable {
        public let at: Date
        public let reason: String
        /// The SHA-256 of the request, hex, and its length.
        public let digest: String
        public let bytes: Int
    }

    /// How the studio's copy of a production stands, for its pages' banner.
    public struct Standing: Sendable, Equatable {
        /// The size of the set's latest checkpoint the studio holds every entry of.
        public let size: Int
        /// When it was received.
        public let received: Date
    }

    /// Entries already held that a request may send again (a resend after a lost answer).
    public static let maximumExcess = AddEntries.packageSize
    /// Bytes of a refused request written to the log with its digest (the whole request is kept in the store).
    public static let loggedRequestBytes = 4096
    /// After a fork raised its critical alarm, later forks of the production within this
    /// many seconds are kept as evidence without alarming everyone again.
    public static let forkAlarmSpacing: TimeInterval = 3600
    /// Concerns raised at the studio and waiting for the set, per production, past which the
    /// studio asks people to reach the set another way.
    public static let maximumWaitingConcerns = 1000
    /// Most bytes of one request read.
    public static let maximumBody = 32 * 1024 * 1024

    let hub: ProductionHub
    /// Where the standing, the forks and the concerns for the sets are kept (the hub's store).
    let store: (any MirrorStore)?
    public nonisolated let registrations: [String: Registration]
    let clock: @Sendable () -> Date
    let logger: Logger
    /// Called when a fork's alarm deliveries are stored: the outbox is looked at now.
    let onAlarm: @Sendable (String) -> Void
    /// Each production's pending checkpoint: signed by the set, checked, entries to come.
    var pending: [String: (note: SignedNote, checkpoint: Checkpoint)] = [:]
    /// Each production's latest checkpoint held whole, and when it arrived; and the requests
    /// refused as evidence of a fork. Read by the pages without waiting for a request.
    let book = Mutex(StandingBook())
    struct StandingBook {
        var standing: [String: Standing] = [:]
        var forks: [String: [Fork]] = [:]
        /// When each production's last fork alarm was raised.
        var alarmed: [String: Date] = [:]
        /// Concerns raised here that the set has not recorded yet, and the last it recorded.
        var waiting: [String: Int] = [:]
        var lastRecorded: [String: StudioConcern] = [:]

        /// Takes in every concern raised here for a production, as the store holds them.
        mutating func note(_ concerns: [StudioConcern], of id: String) {
            waiting[id] = concerns.filter { $0.recorded == nil }.count
            lastRecorded[id] = concerns.filter { $0.recorded != nil }.max { ($0.recordedAt ?? 0, $0.id) < ($1.recordedAt ?? 0, $1.id) }
        }
    }
    /// Productions with a request being handled, and the requests waiting for them.
    var busy: Set<String> = []
    var waiting: [String: [CheckedContinuation<Void, Never>]] = [:]

    public init(hub: ProductionHub, registrations: [String: Registration], logger: Logger, clock: @escaping @Sendable () -> Date = { Date() },
                onAlarm: @escaping @Sendable (String) -> Void = { _ in }) {
        self.hub = hub
        self.store = hub.store as? any MirrorStore
        self.registrations = registrations
        self.logger = logger
        self.clock = clock
        self.onAlarm = onAlarm
    }

    /// Reads back what the studio kept before it last stopped: each production's standing,
    /// its forks, and the concerns waiting for its set. Called as the server starts.
    public func restore() async throws {
        guard let store else { return }
        let standings = try await store.standings()
        var forks: [String: [Fork]] = [:]
        var concerns: [String: [StudioConcern]] = [:]
        for id in registrations.keys {
            // Listed without their requests: each may be megabytes, and its digest and length are kept beside it.
            forks[id] = try await store.forks(id, withRequests: false).map {
                Fork(at: Date(timeIntervalSince1970: TimeInterval($0.at)), reason: $0.reason, digest: $0.digest, bytes: $0.bytes)
            }
            concerns[id] = try await store.studioConcerns(id)
        }
        book.withLock { b in
            for (id, s) in standings where registrations[id] != nil && b.standing[id] == nil {
                b.standing[id] = Standing(size: s.size, received: Date(timeIntervalSince1970: TimeInterval(s.received)))
            }
            for (id, list) in forks where !list.isEmpty {
                b.forks[id] = list + (b.forks[id] ?? [])
                b.alarmed[id] = max(b.alarmed[id] ?? .distantPast, list.last!.at)
            }
            for (id, list) in concerns { b.note(list, of: id) }
        }
    }

    static func hex(_ digest: SHA256.Digest) -> String { digest.map { String(format: "%02x", $0) }.joined() }

    /// The production a log origin names (`armory/<id>`), if it is registered here.
    public nonisolated func production(origin: String) -> String? {
        guard origin.hasPrefix("armory/") else { return nil }
        let id = String(origin.dropFirst("armory/".count))
        return registrations[id] != nil ? id : nil
    }

    /// Whether `token` is the one registered for the production (compared by digest).
    public nonisolated func authorises(_ token: String, for production: String) -> Bool {
        guard let registration = registrations[production] else { return false }
        return Array(SHA256.hash(data: Array(token.utf8))) == registration.tokenDigest
    }

    /// What a request naming a log's origin, with a token, may touch: the production, or the
    /// answer that refuses it (404: no such production here; 403: not its token).
    enum Admission {
        case production(String)
        case refused(Answer)
    }

    nonisolated func admit(_ origin: String, token: String) -> Admission {
        guard let id = production(origin: origin) else {
            return .refused(.text(404, "no production with origin '\(origin.prefix(200))' is registered at this studio"))
        }
        guard authorises(token, for: id) else { return .refused(.text(403, "this token is not the one registered for production '\(id)'")) }
        return .production(id)
    }

    /// Whether `token` is registered for any production: a request without one is not let in at all.
    public nonisolated func knows(_ token: String) -> Bool {
        let digest = Array(SHA256.hash(data: Array(token.utf8)))
        return registrations.values.contains { $0.tokenDigest == digest }
    }

    /// Runs `body` as the only request being handled for the production.
    func alone<T: Sendable>(_ id: String, _ body: () async -> T) async -> T {
        while busy.contains(id) { await withCheckedContinuation { waiting[id, default: []].append($0) } }
        busy.insert(id)
        defer {
            busy.remove(id)
            if var queue = waiting[id], !queue.isEmpty {
                queue.removeFirst().resume()
                waiting[id] = queue.isEmpty ? nil : queue
            }
        }
        return await body()
    }

    /// `add-checkpoint`: the set's checkpoint becomes the production's pending one, if the
    /// set's key signed it and it extends what the studio holds. Answered as a witness
    /// answers (C2SP tlog-witness), with an empty body for 200: the studio does not cosign.
    public func addCheckpoint(_ body: [UInt8], token: String) async -> Answer {
        let request: AddCheckpoint
        do { request = try AddCheckpoint(body: body) } catch { return .text(400, error.message) }
        let id: String
        switch admit(request.checkpoint.origin, token: token) {
        case let .production(p): id = p
        case let .refused(answer): return answer
        }
        return await alone(id) {
            do {
                // The pending checkpoint, or else the latest one held whole.
                var latest = pending[id]
                if latest == nil { latest = try await held(id).last }
                do throws(WitnessRefusal) { try WitnessRules.check(request, latest: latest?.checkpoint, keys: [registrations[id]!.key]) } catch {
                    if error.isEvidenceOfAFork { await fork(id, error.message, body) }
                    if let size = error.latestSize { return Answer(status: error.status, type: TlogSize.contentType, body: TlogSize.text(size)) }
                    return .text(error.status, error.message)
                }
                pending[id] = (request.note, request.checkpoint)
                return Answer(status: 200, type: "text/plain; charset=utf-8", body: "")
            } catch {
                logger.error("mirror of \(id): \(error)")
                return .text(503, "the studio's store did not answer; send it again")
            }
        }
    }

    /// What the studio holds of the production, in one read: how many entries (0: none yet),
    /// and the latest checkpoint held whole.
    func held(_ id: String) async throws -> (size: Int, last: (note: SignedNote, checkpoint: Checkpoint)?) {
        if book.withLock({ $0.standing[id] == nil }), try await !hub.store.productionIDs().contains(id) { return (0, nil) }
        return try await hub.read(id) { log in
            (log.size, log.checkpoints.last.flatMap { note in (try? Checkpoint(text: note.text)).map { (note, $0) } })
        }
    }

    /// `add-entries`: each package of entries is checked against the pending checkpoint and
    /// replayed through the engine, then stored; the last one stores the checkpoint with them.
    public func addEntries(_ body: [UInt8], token: String) async -> Answer {
        let request: AddEntries
        do { request = try AddEntries(body: body) } catch { return .text(400, error.message) }
        let id: String
        switch admit(request.origin, token: token) {
        case let .production(p): id = p
        case let .refused(answer): return answer
        }
        return await alone(id) {
            do { return try await take(request, id, body) } catch {
                logger.error("mirror of \(id): \(error)")
                return .text(503, "the studio's store did not answer; send it again")
            }
        }
    }

    func take(_ request: AddEntries, _ id: String, _ body: [UInt8]) async throws -> Answer {
        let holding = try await held(id)
        var next = holding.size
        let committed = holding.last?.checkpoint
        // The pending checkpoint, or else the latest one held whole.
        guard let target = pending[id] ?? holding.last else {
            return .text(422, "no checkpoint of this log has been received: send add-checkpoint first")
        }
        // Either the pending checkpoint's size, or the size of the one held whole.
        let end: (note: SignedNote, checkpoint: Checkpoint)
        if request.end == target.checkpoint.size {
            end = target
        } else if let last = holding.last, request.end == last.checkpoint.size {
            end = last
        } else {
            return .info(409, MirrorInfo(pendingSize: target.checkpoint.size, nextEntry: next))
        }
        // Never below the checkpoint held whole.
        guard request.end >= committed?.size ?? 0 else { return .info(409, MirrorInfo(pendingSize: target.checkpoint.size, nextEntry: next)) }
        guard request.start <= next, min(request.end, next) - request.start <= Self.maximumExcess else {
            return .info(409, MirrorInfo(pendingSize: request.end, nextEntry: next))
        }
        if request.packages.isEmpty && request.start < request.end && next < request.end {
            return .text(400, "no whole package of entries was received")
        }
        for package in request.packages where package.end > next {
            let new = Array(package.entries.suffix(package.end - next))
            let leaves = new.map(MerkleHash.leaf)
            let root: Hash = next == 0 ? try MerkleTree().rootHash(extendedBy: leaves) : try await hub.read(id) { try $0.tree.rootHash(extendedBy: leaves) }
            let holds = package.end == request.end
                ? package.proof.isEmpty && root == end.checkpoint.rootHash
                : MerkleProof.verifyConsistency(first: package.end, second: request.end, firstRoot: root, secondRoot: end.checkpoint.rootHash, proof: package.proof)
            guard holds else {
                let why = "entries \(package.first)..<\(package.end) are not the ones the set's checkpoint of \(request.end) signed"
                await fork(id, why, body)
                return .text(422, why)
            }
            do {
                try await hub.mirror(id, entries: new, checkpoint: package.end == request.end ? end.note : nil)
            } catch HubError.invalid(let e) {
                let why = "entries \(next)..<\(package.end) do not stand up: \(e.message)"
                await fork(id, why, body)
                return .text(422, why)
            }
            next = package.end
        }
        guard next >= request.end else { return .info(202, MirrorInfo(pendingSize: request.end, nextEntry: next)) }
        let now = clock()
        let changed = book.withLock { b in
            guard b.standing[id]?.size != request.end else { return false }
            b.standing[id] = Standing(size: request.end, received: now)
            return true
        }
        // Kept, so a restarted studio still says how far behind it is; the entries are stored already.
        if changed { try await store?.setStanding(id, size: request.end, received: Int64(now.timeIntervalSince1970)) }
        return Answer(status: 200, type: "text/plain; charset=utf-8", body: "")
    }

    /// Keeps a refused request as evidence of a fork, in the store, and raises a critical
    /// alarm at the studio: to the production's producers and safety (as the studio holds
    /// its crew) on every channel they gave, and to every webhook. Later forks within
    /// `forkAlarmSpacing` are kept without alarming again.
    func fork(_ id: String, _ reason: String, _ request: [UInt8]) async {
        let now = clock()
        let fork = Fork(at: now, reason: reason, digest: Self.hex(SHA256.hash(data: request)), bytes: request.count)
        let alarming = book.withLock { b in
            b.forks[id, default: []].append(fork)
            guard now.timeIntervalSince(b.alarmed[id] ?? .distantPast) >= Self.forkAlarmSpacing else { return false }
            b.alarmed[id] = now
            return true
        }
        logger.critical("production \(id): the set's log is not the one this studio holds (a fork): \(reason)",
                        metadata: ["request-sha256": "\(fork.digest)", "request-bytes": "\(request.count)",
                                   "request-head": "\(Data(request.prefix(Self.loggedRequestBytes)).base64EncodedString())"])
        guard let store else { return }
        var people: [String]?
        if alarming {
            // The production's crew as the studio holds it: none yet, then the webhooks alone.
            var crew: [String] = []
            if let size = (try? await held(id))?.size, size > 0,
               let found = try? await hub.read(id, { AlarmRecipients.escalation($0.state, index: 0).people }) { crew = found }
            people = crew
        }
        do {
            _ = try await store.recordFork(id, at: Int64(now.timeIntervalSince1970), reason: reason, request: request, digest: fork.digest, alarm: people)
            if alarming { onAlarm(id) }
        } catch {
            logger.critical("production \(id): the fork's evidence could not be stored (\(error)); its digest and head are in this log")
        }
    }

    // MARK: Concerns raised at the studio, for the set

    /// Keeps a concern raised at the studio for a production recorded on its set, until the
    /// set takes it (`concerns`). Throws `StoreError` when the store does not answer.
    public func queueConcern(_ id: String, text: String, scene: String?) async throws -> StudioConcern? {
        guard let store else { return nil }
        guard book.withLock({ $0.waiting[id] ?? 0 }) < Self.maximumWaitingConcerns else { return nil }
        let raised = Timestamp(seconds: Int64(clock().timeIntervalSince1970)).text
        let concern = try await store.queueConcern(id, raised: raised, text: text, scene: scene)
        book.withLock { $0.waiting[id, default: 0] += 1 }
        logger.notice("production \(id): a concern raised at the studio waits for the set (concern \(concern.id))")
        return concern
    }

    /// The set asks for the concerns waiting for it, naming those it recorded since it last
    /// asked (`ConcernExchange`); the answer is the concerns still waiting (`ConcernOffer`).
    public func concerns(_ body: [UInt8], token: String) async -> Answer {
        let request: ConcernExchange
        do { request = try ConcernExchange(body: body) } catch { return .text(400, error.message) }
        let id: String
        switch admit(request.origin, token: token) {
        case let .production(p): id = p
        case let .refused(answer): return answer
        }
        guard let store else { return .text(404, "this studio keeps no concerns for sets") }
        do {
            let now = clock()
            // The counts the pages show change only when the set names entries (or a concern is queued, which counts itself).
            if !request.recorded.isEmpty {
                try await store.concernsRecorded(id, request.recorded.map { (Int64($0.concern), $0.entry) }, at: Int64(now.timeIntervalSince1970))
                let all = try await store.studioConcerns(id)
                book.withLock { $0.note(all, of: id) }
            }
            let offers = try await store.concernsToForward(id, limit: ConcernOffer.maximumCount)
                .map { ConcernOffer(id: Int($0.id), raised: $0.raised, text: $0.text, scene: $0.scene) }
            return Answer(status: 200, type: ConcernOffer.contentType, body: ConcernOffer.body(offers))
        } catch {
            logger.error("concerns for the set of \(id): \(error)")
            return .text(503, "the studio's store did not answer; ask again")
        }
    }

    /// Concerns raised here waiting for the set, and the last one the set recorded.
    public nonisolated func concernStatus(_ id: String) -> (waiting: Int, lastRecorded: StudioConcern?) {
        book.withLock { ($0.waiting[id] ?? 0, $0.lastRecorded[id]) }
    }

    /// How the studio's copy of the production stands, and the forks seen (for its pages).
    public nonisolated func status(_ id: String) -> (standing: Standing?, forks: [Fork]) {
        book.withLock { ($0.standing[id], $0.forks[id] ?? []) }
    }
}
