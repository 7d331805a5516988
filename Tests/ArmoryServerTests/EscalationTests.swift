import ArmoryCore
import ArmoryHub
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
        init(_ base: SQLiteLogStore) { self.base = base }
        func contacts(_ production: String, person: String?) async throws -> [Contact] { try await base.contacts(production, person: person) }
        func addContact(_ contact: Contact) async throws -> Contact { try await base.addContact(contact) }
        func removeContact(_ production: String, id: Int64) async throws { try await base.removeContact(production, id: id) }
        func setServerWebhooks(_ hooks: [(url: String, secret: String)]) async throws { try await base.setServerWebhooks(hooks) }
        func webhooks(_ production: String) async throws -> [Webhook] { try await base.webhooks(production) }
        func addWebhook(_ hook: Webhook) async throws -> Webhook { try await base.addWebhook(hook) }
        func removeWebhook(_ production: String, id: Int64) async throws { try await base.removeWebhook(production, id: id) }
        func escalate(_ production: String, _ recipients: AlarmRecipients, round: Int, at: Int64) async throws {
            escalations.withLock { $0.append("\(recipients.index)/\(round)") }
            try await base.escalate(production, recipients, round: round, at: at)
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
}
