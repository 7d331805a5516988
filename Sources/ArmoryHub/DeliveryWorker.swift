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
    let signal: AsyncStream<Void>.Continuation
    let signals: AsyncStream<Void>
    /// Called after each delivery attempt (channel, outcome word): the API's metrics.
    let onAttempt: @Sendable (DeliveryChannel, String) -> Void
    /// What escalation knows of each production.
    let book = Mutex(EscalationBook())

    /// Per production: the round last written for each alarm (read once from the store: an
    /// alarm with nobody to reach writes no delivery row, so the rows alone would have it
    /// written again every tick), and when the next round of any open alarm falls due (no
    /// look at the production's alarms before then).
    struct EscalationBook {
        var written: [String: [Int: Int]] = [:]
        var nextDue: [String: Int64] = [:]
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
        (signals, signal) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    /// Looks at the outbox now rather than at the next tick (an alarm was just stored, in
    /// `production`: its escalations are looked at again, as its time may be past already).
    public func wake(for production: String? = nil) {
        if let production { book.withLock { _ = $0.nextDue.removeValue(forKey: production) } }
        signal.yield()
    }

    /// The least time between two looks at the outbox: a burst of alarms is one look.
    public static let spacing: Duration = .milliseconds(50)

    /// Runs until cancelled: sends what is due every tick or when woken, and escalates once
    /// a tick (every production on the first, the productions held in memory after).
    public func run() async {
        let ticker = Task { [signal] in
            while !Task.isCancelled {
                try? await Task.sleep(for: Self.tick)
                signal.yield()
            }
        }
        defer { ticker.cancel() }
        var lastEscalation: ContinuousClock.Instant?
        var everyProduction = true
        for await _ in signals {
            if Task.isCancelled { break }
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
    /// later, which each delivery's key makes harmless.
    func mark(_ attempted: [Delivery]) async {
        guard !attempted.isEmpty else { return }
        do { try await store.updateDeliveries(attempted) } catch {
            logger.warning("\(attempted.count) deliveries were attempted but could not be marked: \(error)")
        }
    }

    /// Writes the escalation rounds now due for every open alarm: of every production
    /// stored (the first time, as the server starts), or of those held in memory.
    func escalate(now: Int64, everyProduction: Bool) async throws {
        let ids = everyProduction ? try await hub.store.productionIDs() : await hub.heldProductions()
        for id in ids {
            if let next = book.withLock({ $0.nextDue[id] }), now < next { continue }
            var written: [Int: Int]
            if let known = book.withLock({ $0.written[id] }) { written = known } else { written = try await store.escalationRounds(id) }
            let before = written
            // Read where the log is held: no copy of it, and no wait for what is being stored.
            guard let (due, next, open) = try? await hub.read(id, { log in Self.dueRounds(log, now: now, written: before) }) else { continue }
            book.withLock { $0.nextDue[id] = next }
            // Only the alarms still open are remembered.
            written = written.filter { open.contains($0.key) }
            for (recipients, round, raisedAt) in due {
                // Only the round due now: a server that was down does not send the missed rounds one after another.
                try await store.escalate(id, recipients, round: round, at: now)
                written[recipients.index] = round
                logger.info("alarm \(recipients.index) of \(id) unanswered for \(now - raisedAt) s: escalation \(round) written")
            }
            book.withLock { $0.written[id] = written }
        }
    }

    /// The open alarms of `log` with an escalation round due at `now` beyond the round
    /// `written` for them (who, which round, when raised); when the next round of any open
    /// alarm falls due (an alarm raised later falls due no earlier: every open alarm's next
    /// round is within a period); and which alarms are open. Who is told is worked out once.
    static func dueRounds(_ log: ProductionLog, now: Int64, written: [Int: Int]) -> ([(AlarmRecipients, Int, Int64)], next: Int64, open: Set<Int>) {
        let period = max(1, Int64((log.header.policy.alarmEscalationMinutes * 60).rounded()))
        var next = now + period, open = Set<Int>(), due: [(AlarmRecipients, Int, Int64)] = []
        var people: [String]?
        for (index, alarm) in log.state.alarms where !alarm.answered {
            open.insert(index)
            let round = Int(max(0, now - alarm.at.seconds) / period)
            next = min(next, alarm.at.seconds + Int64(round + 1) * period)
            guard round >= 1, round > written[index] ?? 0 else { continue }
            if people == nil { people = AlarmRecipients.escalation(log.state, index: index).people }
            due.append((AlarmRecipients(index: index, people: people!, critical: false), round, alarm.at.seconds))
        }
        return (due.sorted { $0.0.index < $1.0.index }, next, open)
    }

    /// What a delivery needs from its alarm's entry, read where the log is held.
    struct AlarmFacts: Sendable {
        let title: String
        let answered: Bool
    }

    /// Attempts one delivery; returns it as it is to be stored.
    func attempt(_ d: Delivery, now: Int64) async -> Delivery {
        var d = d
        let index = d.index
        let read = try? await hub.read(d.production) { log -> AlarmFacts? in
            guard index < log.size else { return nil }
            return AlarmFacts(title: log.header.title, answered: log.state.alarms[index]?.answered == true)
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
        guard let sender = senders[d.channel] else {
            d.attempts += 1
            putOff(&d, because: "\(d.channel.rawValue) is not set up on this server", wait: Self.longestWait, now: now)
            onAttempt(d.channel, "unconfigured")
            return d
        }
        let body = (try? JSON.parse(entry.body)) ?? .null
        let alarm = AlarmMessage(production: d.production, productionTitle: facts.title, index: d.index, at: entry.at, rules: entry.rules,
                                 message: entry.message, firearm: body["firearm"]?.stringValue, lot: body["lot"]?.stringValue,
                                 critical: AlarmRecipients.isCritical(entry.rules), round: d.round,
                                 url: "\(publicURL())/p/\(d.production)/entry/\(d.index)")
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
