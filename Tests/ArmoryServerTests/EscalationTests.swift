import ArmoryCore
@testable import ArmoryHub
import ArmoryLedger
import ArmoryStore
import Foundation
import Logging
import Synchronization
import Testing

/// Escalation costs the set nothing it does not need: each round of an unanswered alarm is
/// written once, even when nobody can be reached for it (no delivery row to show it was),
/// and a production's alarms are looked at only when a round can be due.
struct EscalationTests {
    /// The outbox, counting the escalation rounds written and the looks at the rounds.
    final class CountingOutbox: DeliveryStore {
        let base: SQLiteLogStore
        let escalations = Mutex<[String]>([])
        /// How many times rounds were written (each a transaction).
        let calls = Mutex(0)
        init(_ base: SQLiteLogStore) { self.base = base }
        func contacts(_ production: String, person: String?) async throws -> [Contact] { try await base.contacts(production, person: person) }
        func addContact(_ contact: Contact) async throws -> Contact { try await base.addContact(contact) }
        func removeContact(_ production: String, id: Int64) async throws { try await base.removeContact(production, id: id) }
        func setServerWebhooks(_ hooks: [(url: String, secret: String)]) async throws { try await base.setServerWebhooks(hooks) }
        func webhooks(_ production: String) async throws -> [Webhook] { try await base.webhooks(production) }
        func addWebhook(_ hook: Webhook) async throws -> Webhook { try await base.addWebhook(hook) }
        func removeWebhook(_ production: String, id: Int64) async throws { try await base.removeWebhook(production, id: id) }
        func escalate(_ production: String, _ rounds: [EscalationRound], at: Int64) async throws {
            escalations.withLock { $0 += rounds.map { "\($0.recipients.index)/\($0.round)" } }
            if !rounds.isEmpty { calls.withLock { $0 += 1 } }
            try await base.escalate(production, rounds, at: at)
        }
        func escalationRounds(_ production: String) async throws -> [Int: Int] { try await base.escalationRounds(production) }
        func dueDeliveries(now: Int64, limit: Int) async throws -> [Delivery] { try await base.dueDeliveries(now: now, limit: limit) }
        func updateDelivery(_ delivery: Delivery) async throws { try await base.updateDelivery(delivery) }
        func updateDeliveries(_ deliveries: [Delivery]) async throws { try await base.updateDeliveries(deliveries) }
        func deliveries(_ production: String, index: Int?) async throws -> [Delivery] { try await base.deliveries(production, index: index) }
        func outboxStats() async throws -> OutboxStats { try await base.outboxStats() }
    }

    @Test func eachRoundIsWrittenOnceEvenWithNobodyToReach() async throws {
        let h = try Harness()
        var policy = Policy.protocolDefault
        policy.alarmEscalationMinutes = 0.05   // a round every 3 s
        let opened = Date(timeIntervalSince1970: 1_800_000_000)
        try await h.production("p", people: AuthorisationTests.people, policy: policy, openedAt: Timestamp(seconds: 1_800_000_000, offsetMinutes: 0))
        let alarm = try await h.hub.record("p", Step(at: Timestamp(seconds: 1_800_000_001, offsetMinutes: 0), by: nil,
                                                     action: .reportConcern(text: "the dummies rattle", scene: nil)))
        #expect(alarm.decision.outcome == .alarm)
        let outbox = CountingOutbox(h.store)
        let now = Mutex(opened)
        let worker = DeliveryWorker(hub: h.hub, store: outbox, senders: [:], publicURL: { "http://armory.test" }, logger: Logger(label: "test"),
                                    clock: { now.withLock { $0 } })
        // Ten seconds, a look every quarter second: rounds 1, 2 and 3 fall due (at 4, 7 and 10 s).
        for quarter in 0...40 {
            now.withLock { $0 = opened.addingTimeInterval(Double(quarter) / 4) }
            await worker.pass()
        }
        #expect(outbox.escalations.withLock { $0 } == ["\(alarm.index)/1", "\(alarm.index)/2", "\(alarm.index)/3"])
        // Answered, it is escalated no more.
        _ = try await h.hub.record("p", Step(at: Timestamp(seconds: 1_800_000_011, offsetMinutes: 0), by: "pat",
                                             action: .acknowledge(alarm: alarm.index, note: nil)))
        for second in 11...30 {
            now.withLock { $0 = opened.addingTimeInterval(Double(second)) }
            await worker.pass()
        }
        #expect(outbox.escalations.withLock { $0 }.count == 3)
    }

    /// Many open alarms: every round of each is written once, none skipped while the worker
    /// looks often; the rounds a look finds due are written together; and alarms stored by
    /// another process (no wake) are taken in within a period.
    @Test func manyOpenAlarmsAreEscalatedRoundByRoundInFewWrites() async throws {
        let h = try Harness()
        var policy = Policy.protocolDefault
        policy.alarmEscalationMinutes = 0.05   // a round every 3 s
        let opened: Int64 = 1_800_000_000
        try await h.production("p", people: AuthorisationTests.people, policy: policy, openedAt: Timestamp(seconds: opened, offsetMinutes: 0))
        let outbox = CountingOutbox(h.store)
        let now = Mutex(Date(timeIntervalSince1970: TimeInterval(opened)))
        let worker = DeliveryWorker(hub: h.hub, store: outbox, senders: [:], publicURL: { "http://armory.test" }, logger: Logger(label: "test"),
                                    clock: { now.withLock { $0 } })
        var raised: [Int: Int64] = [:]
        // Sixty seconds, a look every half second; an alarm every second for the first thirty, none woken.
        for half in 0...120 {
            let t = opened + Int64(half / 2)
            now.withLock { $0 = Date(timeIntervalSince1970: TimeInterval(opened) + Double(half) / 2) }
            if half % 2 == 0, half >= 2, half <= 60 {
                let a = try await h.hub.record("p", Step(at: Timestamp(seconds: t, offsetMinutes: 0), by: nil,
                                                         action: .reportConcern(text: "concern \(half)", scene: nil)))
                raised[a.index] = t
            }
            await worker.pass()
        }
        let end = opened + 60
        var expected: [String] = []
        for (index, at) in raised.sorted(by: { $0.key < $1.key }) {
            for round in stride(from: 1, through: Int((end - at) / 3), by: 1) { expected.append("\(index)/\(round)") }
        }
        let written = outbox.escalations.withLock { $0 }
        #expect(written.count == Set(written).count, "a round was written twice")
        #expect(Set(written) == Set(expected))
        // Rounds of several alarms fall due together (an alarm a second, a round every 3 s): written in one call.
        let calls = outbox.calls.withLock { $0 }
        #expect(calls * 2 < written.count, "\(calls) writes for \(written.count) rounds")
    }

    /// The queue of due rounds hands back every item due, earliest first, and keeps the rest.
    @Test func theDueQueueHandsBackWhatIsDueInOrder() {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<50 {
            var q = DueQueue()
            let items = (0..<Int.random(in: 0...200, using: &rng)).map { i in
                DueQueue.Item(due: Int64.random(in: 0...100, using: &rng), index: i, raisedAt: 0)
            }
            for i in items { q.push(i) }
            let cut = Int64.random(in: 0...100, using: &rng)
            let due = q.popDue(cut)
            #expect(due.map(\.index) == items.filter { $0.due <= cut }.sorted { ($0.due, $0.index) < ($1.due, $1.index) }.map(\.index))
            #expect(q.count == items.count - due.count)
            #expect(q.first.map { $0.due > cut } ?? true)
        }
    }
}
