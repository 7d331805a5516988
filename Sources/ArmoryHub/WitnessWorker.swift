import ArmoryCore
import ArmoryLedger
import Foundation
import Logging

/// A witness the server submits each production's checkpoints to (C2SP tlog-witness): an
/// insurer's, a union's or the studio's, elsewhere, holding what it cosigned.
public struct WitnessPeer: Sendable, Hashable {
    /// The witness's address; requests go to `<url>/add-checkpoint`.
    public let url: String
    /// The witness's cosignature key: its answers are checked with it.
    public let key: NoteVerifierKey

    public init(url: String, key: NoteVerifierKey) {
        self.url = url.hasSuffix("/") ? String(url.dropLast()) : url
        self.key = key
    }
}

/// How an `add-checkpoint` reaches a witness: over HTTP in `armory serve`.
public protocol WitnessTransport: Sendable {
    /// Sends the request body; returns the witness's status and body.
    func addCheckpoint(_ body: [UInt8], to peer: WitnessPeer) async throws -> (status: Int, body: [UInt8])
}

/// Submits every production's latest signed checkpoint to each witness, and stores the
/// cosignatures they give beside the log's signature (on the checkpoint, so in bundles and
/// on the report too). A witness that has cosigned another size is answered from the size
/// it names (409), as the protocol has it. A witness that holds another history of the
/// production (a split view: the set's log restored from an old copy, or rewritten) is
/// evidence of a fork: the server records it as a safety concern, which alarms producers
/// and safety (CONCERN-1) and waits for their answer (ALARM-1). A witness out of reach is
/// tried again with backoff, for as long as the server runs; nothing waits for it.
public actor WitnessWorker {
    /// How often every production with a checkpoint not yet cosigned by all is looked at
    /// when nothing wakes the worker.
    public static let tick: Duration = .seconds(5)
    /// The first wait after a witness failed; each later one waits twice as long, up to `longestWait`.
    public static let firstWait: Int64 = 2
    public static let longestWait: Int64 = 300
    /// Requests for one checkpoint to one witness in one look: the first, then a resend
    /// from the size the witness named, then one more in case it moved meanwhile.
    static let requestsPerLook = 3

    let hub: ProductionHub
    public let peers: [WitnessPeer]
    /// Cosignatures a checkpoint needs to count as witnessed.
    public let quorum: Int
    let transport: any WitnessTransport
    let logger: Logger
    let clock: @Sendable () -> Date
    /// Records the server's safety concern in a production (the API's recording path).
    let concern: @Sendable (String, String) async throws -> Void

    /// One witness following one production.
    struct Follow: Hashable {
        let peer: Int
        let production: String
    }
    /// The size each witness last said it cosigned, per production.
    var cosignedSize: [Follow: Int] = [:]
    /// When a witness that failed may be asked again, and the wait after its next failure.
    var retry = Backoff<Follow>(first: Double(firstWait), longest: Double(longestWait))
    /// Split views already raised, by witness, production and checkpoint size: one concern each.
    var raised: Set<String> = []
    /// Productions whose latest checkpoint some witness has not cosigned.
    var pending: Set<String> = []
    let wakeups = Wakeups()

    public init(hub: ProductionHub, peers: [WitnessPeer], quorum: Int, transport: any WitnessTransport, logger: Logger,
                clock: @escaping @Sendable () -> Date = { Date() },
                concern: @escaping @Sendable (String, String) async throws -> Void) {
        self.hub = hub
        self.peers = peers
        self.quorum = max(1, min(quorum, peers.count))
        self.transport = transport
        self.logger = logger
        self.clock = clock
        self.concern = concern
    }

    /// A checkpoint of `production` was stored: it is submitted now, not at the next tick.
    public nonisolated func wake(for production: String) {
        wakeups.wake(for: production)
    }

    /// Runs until cancelled: every production once (a checkpoint may have waited for a
    /// witness since before a restart), then those woken or still waiting, every tick.
    public func run() async {
        if let all = try? await hub.store.productionIDs() { pending.formUnion(all) }
        await pass()
        await wakeups.run(every: Self.tick) { await pass() }
    }

    /// One look: each production woken or waiting is submitted to each witness that has not
    /// cosigned its latest checkpoint and is not waiting out a failure.
    public func pass() async {
        pending.formUnion(wakeups.takeWoken())
        // A production mirrored here from its set is witnessed by the set's witnesses.
        for production in pending.sorted() where hub.mirrored[production] == nil {
            if await submit(production) { pending.remove(production) }
        }
    }

    /// Submits the production's latest checkpoint to every witness lacking it. True when
    /// nothing is left to do for it (every witness cosigned it, or refused it for good).
    func submit(_ production: String) async -> Bool {
        let keys = peers.map(\.key)
        let read: (latest: SignedNote?, cosigned: [Int])
        do {
            read = try await hub.read(production) { log in (log.checkpoints.last, keys.map { Self.lastCosigned(in: log.checkpoints, by: $0) }) }
        } catch {
            logger.warning("witnesses: production \(production) could not be read: \(error)")
            return false
        }
        guard let note = read.latest, let checkpoint = try? Checkpoint(text: note.text) else { return true }
        let now = Int64(clock().timeIntervalSince1970)
        var done = true
        await withTaskGroup(of: Bool.self) { group in
            for (n, peer) in peers.enumerated() where !Self.holds(note, cosignatureBy: peer.key) {
                let follow = Follow(peer: n, production: production)
                if raised.contains(Self.raisedKey(follow, checkpoint.size)) { continue }
                if retry.waiting(follow, now: Double(now)) {
                    done = false
                    continue
                }
                let old = cosignedSize[follow] ?? read.cosigned[n]
                group.addTask { await self.ask(peer, follow, note: note, checkpoint: checkpoint, from: old) }
            }
            for await finished in group where !finished { done = false }
        }
        return done
    }

    /// Asks one witness to cosign `note`, starting from `old`, the size it is believed to
    /// have cosigned last. True when it cosigned, or refused in a way that asking again
    /// would not change (a split view, raised once).
    func ask(_ peer: WitnessPeer, _ follow: Follow, note: SignedNote, checkpoint: Checkpoint, from old: Int) async -> Bool {
        var old = old
        for _ in 0..<Self.requestsPerLook {
            let request: AddCheckpoint
            do {
                guard old <= checkpoint.size else {
                    return await splitView(peer, follow, checkpoint,
                                           "the witness cosigned a tree of \(old) entries, larger than this log's checkpoint of \(checkpoint.size)")
                }
                let proof = old == 0 || old == checkpoint.size ? [] : try await hub.proof(follow.production, .consistency(from: old, to: checkpoint.size))
                request = try AddCheckpoint(oldSize: old, proof: proof, note: note)
            } catch {
                failed(peer, follow, "the request could not be made: \(error)")
                return false
            }
            let answer: (status: Int, body: [UInt8])
            do { answer = try await transport.addCheckpoint(Array(request.body.utf8), to: peer) } catch {
                failed(peer, follow, "unreachable: \(error)")
                return false
            }
            switch WitnessReply(status: answer.status, body: answer.body, to: request, witness: peer.key) {
            case .cosigned(let signatures):
                cosignedSize[follow] = checkpoint.size
                retry.succeeded(follow)
                do {
                    _ = try await hub.cosign(follow.production, text: note.text, with: signatures)
                } catch {
                    failed(peer, follow, "its cosignature could not be stored: \(error)")
                    return false
                }
                logger.info("witness \(peer.key.name) cosigned \(checkpoint.origin) at size \(checkpoint.size)")
                return true
            case .resend(let size):
                cosignedSize[follow] = size
                old = size
            case .splitView(let why):
                return await splitView(peer, follow, checkpoint, why)
            case let .refused(status, why):
                failed(peer, follow, "refused checkpoint \(checkpoint.size) (\(status)): \(why)")
                return false
            }
        }
        failed(peer, follow, "named a new size on every request")
        return false
    }

    /// A witness that will not come back: asked again only after a wait that doubles.
    func failed(_ peer: WitnessPeer, _ follow: Follow, _ why: String) {
        let wait = Int64(retry.failed(follow, now: Double(Int64(clock().timeIntervalSince1970))))
        logger.warning("witness \(peer.key.name) at \(peer.url), production \(follow.production): \(why); asking again in \(wait) s")
    }

    /// Records the split view in the production, once per witness and checkpoint: producers
    /// and safety are alarmed. The witness is not asked about this checkpoint again.
    func splitView(_ peer: WitnessPeer, _ follow: Follow, _ checkpoint: Checkpoint, _ why: String) async -> Bool {
        let key = Self.raisedKey(follow, checkpoint.size)
        guard !raised.contains(key) else { return true }
        let text = "Witness \(peer.key.name) refused this production's checkpoint of \(checkpoint.size) entries: \(why). "
            + "It holds another history of this log (a split view): compare the log with the witness's before recording on."
        do {
            try await concern(follow.production, String(text.prefix(Limits.maximumTextLength)))
        } catch {
            failed(peer, follow, "a split view could not be recorded: \(error)")
            return false
        }
        raised.insert(key)
        cosignedSize[follow] = nil
        logger.critical("witness \(peer.key.name): split view of \(checkpoint.origin) at size \(checkpoint.size): \(why)")
        return true
    }

    static func raisedKey(_ follow: Follow, _ size: Int) -> String { "\(follow.peer) \(follow.production) \(size)" }

    /// Whether the note carries a cosignature by `key` (checked when it was stored).
    public static func holds(_ note: SignedNote, cosignatureBy key: NoteVerifierKey) -> Bool {
        note.signatures.contains { $0.isBy(key) }
    }

    /// Where to start with a witness not heard from since the server started: the size of
    /// the latest stored checkpoint it cosigned (0: none). If it cosigned another since (a
    /// reply lost on the way), it answers 409 with that size.
    static func lastCosigned(in checkpoints: [SignedNote], by key: NoteVerifierKey) -> Int {
        guard let note = checkpoints.last(where: { holds($0, cosignatureBy: key) }) else { return 0 }
        return (try? Checkpoint(text: note.text))?.size ?? 0
    }
}
