import ArmoryCore
import ArmoryLedger
import ArmoryStore
import Foundation
import Logging
import Synchronization

/// Sends the outbox: every alarm's deliveries, written with the alarm (round 0) or by
/// escalation, at least once, with retries and backoff, whoever is watching a screen or
/// not. A delivery is marked sent only after its receiver took it, so a server killed at
/// any moment sends it again when it comes back (receivers drop duplicates by key).
/// Escalation: an alarm not answered (ALARM-1) `alarm_escalation_min` after it was raised
/// is written again for every producer and safety, once per period, until it is answered.
public final class DeliveryWorker: Sendable {
    /// Deliveries taken per pass.
    public static let batch = 32
    /// The first retry's wait; each later one waits twice as long, up to `longestWait`.
    public static let firstWait: Int64 = 2
    public static let longestWait: Int64 = 300
    /// A delivery failing this long is given up on and shown as failed.
    public static let giveUpAfter: Int64 = 24 * 3600
    /// How often the outbox is looked at when nothing wakes the worker.
    public static let tick: Duration = .seconds(1)

    let hub: ProductionHub
    let store: any DeliveryStore
    let senders: [DeliveryChannel: any AlarmSender]
    let clock: @Sendable () -> Date
    let publicURL: @Sendable () -> String
    let logger: Logger
    let wakeups = Wakeups()
    /// Called after each delivery attempt (channel, outcome word): the API's metrics.
    let onAttempt: @Sendable (DeliveryChannel, String) -> Void
    /// What escalation knows of each production.
    let book = Mutex(EscalationBook())

    /// What escalation knows of each production, and which productions had an alarm
    /// stored since they were last looked at.
    struct EscalationBook {
        var productions: [String: Escalations] = [:]
        var woken: Set<String> = []
    }

    /// What escalation knows of one production: each open alarm by when its next round falls
    /// due (an alarm answered meanwhile is dropped when it comes up), how many of the
    /// production's alarms were taken in, the round last written for each open alarm (read
    /// once from the store: an alarm with nobody to reach writes no delivery row, so the rows
    /// alone would have it written again every look), and when it is looked at next. A look
    /// costs the alarms due and the alarms new, not every open alarm.
    struct Escalations {
        var queue = DueQueue()
        var seen = 0
        var written: [Int: Int]
        var nextLook: Int64 = 0
    }

    public init(hub: ProductionHub, store: any DeliveryStore, senders: [DeliveryChannel: any AlarmSender], publicURL: @escaping @Sendable () -> String,
                logger: Logger, clock: @escaping @Sendable () -> Date = { Date() },
                onAttempt: @escaping @Sendable (DeliveryChannel, String) -> Void = { _, _ in }) {
        self.hub = hub
        self.store = store
        self.senders = senders
        self.publicURL = publicURL
        self.logger = logger
        self.clock = clock
        self.onAttempt = onAttempt
    }

    /// Looks at the outbox now rather than at the next tick (an alarm was just stored, in
    /// `production`: its escalations are looked at again, as its time may be past already).
    public func wake(for production: String? = nil) {
        if let production { book.withLock { _ = $0.woken.insert(production) } }
        wakeups.wake()
    }

    /// The least time between two looks at the outbox: a burst of alarms is one look.
    public static let spacing: Duration = .milliseconds(50)

    /// Runs until cancelled: sends what is due every tick or when woken, and escalates once
    /// a tick (every production on the first, the productions held in memory after).
    public func run() async {
        var lastEscalation: ContinuousClock.Instant?
        var everyProduction = true
        await wakeups.run(every: Self.tick) {
            let escalating = lastEscalation.map { ContinuousClock.now - $0 >= Self.tick } ?? true
            if escalating { lastEscalation = .now }
            let answered = await pass(escalating: escalating, everyProduction: everyProduction)
            if escalating && answered { everyProduction = false }
            // A store that does not answer is left alone a while: the requests of the people on
            // set come first (the outbox waits there, nothing is lost).
            try? await Task.sleep(for: answered ? Self.spacing : Self.storeBackoff)
        }
    }

    /// How long the worker leaves a store alone after it did not answer.
    public static let storeBackoff: Duration = .seconds(3)

    /// One look at the outbox: escalations written (when `escalating`), then every due
    /// delivery attempted. False when the store did not answer.
    @discardableResult
    public func pass(escalating: Bool = true, everyProduction: Bool = true) async -> Bool {
        let now = Int64(clock().timeIntervalSince1970)
        do {
            if escalating { try await escalate(now: now, everyProduction: everyProduction) }
            while !Task.isCancelled {
                let due = try await store.dueDeliveries(now: now, limit: Self.batch)
                if due.isEmpty { break }
                // What each attempt came to is written in batches, every `flushEvery` while the
                // attempts go on: a slow receiver does not hold back the marks of the quick ones,
                // and a burst of alarms is a few writes, not one per delivery.
                let done = Attempted()
                let flusher = Task {
                    while !Task.isCancelled {
                        try? await Task.sleep(for: Self.flushEvery)
                        await self.mark(done.take())
                    }
                }
                await withTaskGroup(of: Void.self) { group in
                    for d in due {
                        group.addTask {
                            let attempted = await self.attempt(d, now: now)
                            done.add(attempted)
                        }
                    }
                }
                flusher.cancel()
                await mark(done.take())
                if due.count < Self.batch { break }
            }
        } catch {
            logger.warning("the delivery outbox could not be read: \(error)")
            return false
        }
        return true
    }

    /// How often the outcomes of attempts under way are written.
    public static let flushEvery: Duration = .milliseconds(100)

    /// Writes what attempts came to. Sent but not marked (the store failed): sent again
    /// later, which each delivery's key makes harmless. The write is not cancelled with the
    /// worker: what was sent before the server stopped is marked, not sent again when it
    /// starts.
    func mark(_ attempted: [Delivery]) async {
        guard !attempted.isEmpty else { return }
        let store = self.store
        if case let .failure(error) = await Task(operation: { try await store.updateDeliveries(attempted) }).result {
            logger.warning("\(attempted.count) deliveries were attempted but could not be marked: \(error)")
        }
    }

    /// Writes the escalation rounds now due for every open alarm: of every production
    /// stored (the first time, as the server starts), or of those held in memory. A
    /// production is looked at when a round falls due, when an alarm was stored in it here,
    /// and at least once a period (an alarm another process stored).
    func escalate(now: Int64, everyProduction: Bool) async throws {
        let ids = everyProduction ? try await hub.store.productionIDs() : await hub.heldProductions()
        for id in ids {
            // Taken out of the book while looked at: the only copy, so changing it copies nothing.
            let (known, woken) = book.withLock { ($0.productions.removeValue(forKey: id), $0.woken.remove(id) != nil) }
            if let known, !woken, now < known.nextLook {
                book.withLock { $0.productions[id] = known }
                continue
            }
            var e: Escalations
            if let known { e = known } else { e = Escalations(written: try await store.escalationRounds(id)) }
            // The production's book is rebuilt from the store if the look fails (it is not put back).
            let candidates = e.queue.popDue(now)
            let seen = e.seen
            let facts: Look
            do {
                facts = try await hub.read(id) { log in Self.look(log.state, candidates: candidates.map(\.index), seen: seen) }
            } catch {
                continue
            }
            let rounds = Self.advance(&e, facts, candidates: candidates, now: now)
            try await store.escalate(id, rounds, at: now)
            for r in rounds { e.written[r.recipients.index] = r.round }
            if !rounds.isEmpty {
                logger.info("production \(id): \(rounds.count) unanswered alarm(s) escalated (alarm \(rounds[0].recipients.index) round \(rounds[0].round)\(rounds.count > 1 ? " and more" : ""))")
            }
            book.withLock { $0.productions[id] = e }
        }
    }

    /// What a look at a production's escalations reads from its state.
    struct Look: Sendable {
        /// Seconds between rounds (`alarm_escalation_min`).
        let period: Int64
        /// Alarms raised since the last look: index, when raised, answered.
        let new: [(index: Int, at: Int64, answered: Bool)]
        /// Which of the alarms that came due are answered.
        let answered: Set<Int>
        /// Who an escalation goes to: every producer and safety.
        let people: [String]
        /// How many alarms the production has raised.
        let alarmCount: Int
    }

    static func look(_ state: ProductionState, candidates: [Int], seen: Int) -> Look {
        let period = max(1, Int64((state.policy.alarmEscalationMinutes * 60).rounded()))
        let new = state.alarms.raised(after: seen).map { (index: $0.number, at: $0.at.seconds, answered: $0.answered) }
        let answered = Set(candidates.filter { state.alarms.answered($0) ?? true })
        return Look(period: period, new: new, answered: answered, people: AlarmRecipients.escalation(state, index: 0).people,
                    alarmCount: state.alarmOrder.count)
    }

    /// Takes a look's facts into a production's escalations: the rounds due now (only the
    /// latest round of each alarm: a server that was down does not send the missed rounds one
    /// after another), each open alarm queued again for its next round, answered ones let go.
    static func advance(_ e: inout Escalations, _ facts: Look, candidates: [DueQueue.Item], now: Int64) -> [EscalationRound] {
        var rounds: [EscalationRound] = []
        func consider(_ index: Int, raisedAt: Int64) {
            let round = Int(max(0, now - raisedAt) / facts.period)
            if round >= 1, round > e.written[index] ?? 0 {
                rounds.append(EscalationRound(AlarmRecipients(index: index, people: facts.people, critical: false), round: round))
            }
            e.queue.push(DueQueue.Item(due: raisedAt + Int64(round + 1) * facts.period, index: index, raisedAt: raisedAt))
        }
        for c in candidates {
            if facts.answered.contains(c.index) { e.written[c.index] = nil } else { consider(c.index, raisedAt: c.raisedAt) }
        }
        for n in facts.new {
            if n.answered { e.written[n.index] = nil } else { consider(n.index, raisedAt: n.at) }
        }
        e.seen = facts.alarmCount
        e.nextLook = min(e.queue.first?.due ?? .max, now + facts.period)
        return rounds.sorted { $0.recipients.index < $1.recipients.index }
    }

    /// What a delivery needs from its alarm's entry, read where the log is held.
    struct AlarmFacts: Sendable {
        let title: String
        let answered: Bool
    }

    /// Attempts one delivery; returns it as it is to be stored.
    func attempt(_ d: Delivery, now: Int64) async -> Delivery {
        if let fork = StoredFork.id(ofAlarmIndex: d.index) { return await attemptFork(d, fork, now: now) }
        var d = d
        let index = d.index
        let read = try? await hub.read(d.production) { log -> AlarmFacts? in
            guard index < log.size else { return nil }
            return AlarmFacts(title: log.header.title, answered: log.state.alarms.answered(index) == true)
        }
        // The alarm's entry: from memory while it is recent, from the store after.
        let found = read == nil ? nil : try? await hub.entry(d.production, index)
        guard let facts = read ?? nil, let entry = found ?? nil else {
            // The delivery's row is stored in its alarm's own transaction, and the entry is
            // readable here a moment later (once the append returns, or once another process's
            // append is announced): looked at again shortly, not given up on. No attempt is
            // counted, as nothing was sent.
            putOff(&d, because: "the alarm's entry is not readable here yet", wait: Self.notYetWait, now: now)
            return d
        }
        // An escalation of an alarm answered meanwhile is not sent.
        if d.round > 0, facts.answered {
            d.state = .withdrawn
            d.lastError = nil
            return d
        }
        let body = (try? JSON.parse(entry.body)) ?? .null
        let alarm = AlarmMessage(production: d.production, productionTitle: facts.title, index: d.index, at: entry.at, rules: entry.rules,
                                 message: entry.message, firearm: body["firearm"]?.stringValue, lot: body["lot"]?.stringValue,
                                 critical: AlarmRecipients.isCritical(entry.rules), round: d.round,
                                 url: "\(publicURL())/p/\(d.production)/entry/\(d.index)")
        return await send(d, alarm, now: now)
    }

    /// Attempts one delivery of the critical alarm a studio raises when a set's log is not
    /// the one it holds (a fork, kept as evidence in the store).
    func attemptFork(_ d: Delivery, _ id: Int64, now: Int64) async -> Delivery {
        var d = d
        guard let forks = store as? any MirrorStore, let fork = try? await forks.fork(d.production, id: id) else {
            putOff(&d, because: "the fork's evidence is not readable here yet", wait: Self.notYetWait, now: now)
            return d
        }
        let title = (try? await hub.read(d.production) { $0.header.title }) ?? d.production
        let alarm = AlarmMessage(production: d.production, productionTitle: title, index: d.index, at: Timestamp(seconds: fork.at).text, rules: [],
                                 message: "The set's log of this production is not the one the studio holds (a fork): \(fork.reason). "
                                     + "The studio refused it and keeps the request as evidence; find out at once which record is the set's.",
                                 firearm: nil, lot: nil, critical: true, round: 0, url: "\(publicURL())/p/\(d.production)", fork: true)
        return await send(d, alarm, now: now)
    }

    /// Sends one delivery of `alarm` on its channel; returns it as it is to be stored.
    func send(_ d: Delivery, _ alarm: AlarmMessage, now: Int64) async -> Delivery {
        var d = d
        guard let sender = senders[d.channel] else {
            d.attempts += 1
            putOff(&d, because: "\(d.channel.rawValue) is not set up on this server", wait: Self.longestWait, now: now)
            onAttempt(d.channel, "unconfigured")
            return d
        }
        let outcome = await sender.send(d, alarm)
        let sentAt = Int64(clock().timeIntervalSince1970)
        d.attempts += 1
        switch outcome {
        case .delivered:
            d.state = .delivered
            d.deliveredAt = sentAt
            d.lastError = nil
            d.failingSince = nil
            onAttempt(d.channel, "delivered")
        case let .retry(why, after):
            let wait = min(Self.longestWait, Self.firstWait << min(Int64(d.attempts - 1), 16))
            putOff(&d, because: why, wait: max(wait, Int64(after ?? 0)), now: sentAt)
            onAttempt(d.channel, "retry")
            logger.info("delivery \(d.key) not taken (\(why)); again in \(d.nextAt - sentAt) s")
        case let .failed(why):
            d.state = .failed
            d.lastError = why
            d.failingSince = d.failingSince ?? sentAt
            onAttempt(d.channel, "failed")
            logger.warning("delivery \(d.key) refused for good: \(why)")
        case let .gone(why):
            d.state = .failed
            d.lastError = why
            d.failingSince = d.failingSince ?? sentAt
            try? await store.removeContact(d.production, id: d.target)
            onAttempt(d.channel, "gone")
        }
        return d
    }

    /// How long a delivery whose alarm's entry is not readable yet waits before it is looked at again.
    public static let notYetWait: Int64 = 1

    /// Puts a delivery off for `wait` seconds: failing since its first failure, given up on
    /// (`failed`) once that is `giveUpAfter` ago.
    func putOff(_ d: inout Delivery, because why: String, wait: Int64, now: Int64) {
        d.lastError = why
        d.failingSince = d.failingSince ?? now
        d.nextAt = now + wait
        if now - (d.failingSince ?? now) >= Self.giveUpAfter { d.state = .failed }
    }
}

/// Attempts finished and not yet written.
final class Attempted: Sendable {
    let list = Mutex<[Delivery]>([])
    func add(_ d: Delivery) { list.withLock { $0.append(d) } }
    func take() -> [Delivery] { list.withLock { l in defer { l = [] }; return l } }
}

/// Open alarms by when their next escalation round falls due: a binary min-heap.
struct DueQueue {
    struct Item: Sendable {
        let due: Int64
        let index: Int
        let raisedAt: Int64
    }
    private(set) var items: [Item] = []
    var first: Item? { items.first }
    var count: Int { items.count }

    mutating func push(_ item: Item) {
        items.append(item)
        var child = items.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard Self.before(items[child], items[parent]) else { break }
            items.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop() -> Item? {
        guard !items.isEmpty else { return nil }
        items.swapAt(0, items.count - 1)
        let top = items.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1, right = left + 1
            var least = parent
            if left < items.count, Self.before(items[left], items[least]) { least = left }
            if right < items.count, Self.before(items[right], items[least]) { least = right }
            if least == parent { break }
            items.swapAt(parent, least)
            parent = least
        }
        return top
    }

    /// Every item due at or before `now`, earliest first.
    mutating func popDue(_ now: Int64) -> [Item] {
        var out: [Item] = []
        while let top = items.first, top.due <= now { out.append(pop()!) }
        return out
    }

    static func before(_ a: Item, _ b: Item) -> Bool { (a.due, a.index) < (b.due, b.index) }
}
