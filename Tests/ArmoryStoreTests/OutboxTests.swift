import ArmoryCore
import ArmoryLedger
import ArmoryStore
import Foundation
import Testing

/// The delivery outbox on both back ends: an alarm's deliveries are written in the alarm's
/// own append (one per recipient and channel, and one per webhook), only for alarms, only
/// once; escalation rounds are written once each; due deliveries come back oldest first;
/// what became of each is kept.
struct OutboxTests {
    static let people = [
        Person(id: "ana", name: "Ana", roles: [.armorer]), Person(id: "ben", name: "Ben", roles: [.talent]),
        Person(id: "pat", name: "Pat", roles: [.producer]), Person(id: "sol", name: "Sol", roles: [.safety]),
        Person(id: "cy", name: "Cy", roles: [.crew]),
    ]

    static func open(_ backend: LogStoreBehaviourTests.Backend) async throws -> (any LogStore & DeliveryStore, String) {
        let (store, _) = try await LogStoreBehaviourTests.open(backend)
        let id = LogStoreBehaviourTests.newID()
        let log = ProductionLog(productionID: id, header: ProductionHeader(title: "Dry Creek", timezone: "UTC", people: people),
                                openedAt: SQLiteLogStoreTests.step(0, "ana", .wrap).at)
        try await store.create(id, log)
        return (try #require(store as? any LogStore & DeliveryStore), id)
    }

    /// Records `steps` one append at a time onto the stored log.
    static func record(_ store: any LogStore, _ id: String, _ steps: [Step]) async throws -> ProductionLog {
        var log = try await store.load(id, logKey: nil)
        for s in steps {
            let before = log.mark
            try log.record(s)
            try await store.append(id, AppendBatch(log, from: before))
        }
        return log
    }

    @Test(arguments: LogStoreBehaviourTests.backends)
    func anAlarmWritesItsDeliveriesInItsOwnAppend(_ backend: LogStoreBehaviourTests.Backend) async throws {
        let (store, id) = try await Self.open(backend)
        let pat = try await store.addContact(Contact(production: id, person: "pat", channel: .email, address: "pat@example.com"))
        _ = try await store.addContact(Contact(production: id, person: "pat", channel: .email, address: "pat@example.com"))
        let sol = try await store.addContact(Contact(production: id, person: "sol", channel: .push, address: #"{"endpoint":"https://push.example/1"}"#))
        _ = try await store.addContact(Contact(production: id, person: "cy", channel: .email, address: "cy@example.com"))
        let hook = try await store.addWebhook(Webhook(production: id, url: "https://hooks.example/p", secret: "s1"))
        try await store.setServerWebhooks([(url: "https://hooks.example/all", secret: "s2")])
        #expect(try await store.contacts(id, person: "pat").count == 1, "the same address is kept once")
        #expect(try await store.webhooks(id).map(\.url).sorted() == ["https://hooks.example/all", "https://hooks.example/p"])

        // An ok step writes none; a concern (an alarm) writes one per producer/safety contact and per webhook.
        _ = try await Self.record(store, id, [SQLiteLogStoreTests.step(1, "ana", .receiveFirearm(firearm: "colt-1", serial: "S", make: "C", model: "M", from: nil))])
        #expect(try await store.deliveries(id, index: nil).isEmpty)
        let log = try await Self.record(store, id, [SQLiteLogStoreTests.step(2, "cy", .reportConcern(text: "the cart is open", scene: nil))])
        let index = log.size - 1
        let written = try await store.deliveries(id, index: index)
        #expect(Set(written.map(\.recipient)) == ["pat", "sol", "webhook"], "crew are not told of a concern; producers, safety and webhooks are")
        #expect(written.count == 4)
        #expect(written.allSatisfy { $0.state == .pending && $0.round == 0 && $0.attempts == 0 })
        #expect(written.contains { $0.key == "\(id)/\(index)/0/pat/email/\(pat.id)" && $0.address == "pat@example.com" })
        #expect(written.contains { $0.key == "\(id)/\(index)/0/sol/push/\(sol.id)" })
        #expect(written.contains { $0.key == "\(id)/\(index)/0/webhook/webhook/\(hook.id)" })
        #expect(try await store.outboxStats().pending >= 4)

        // Due oldest first; an attempt's outcome is kept.
        let due = try await store.dueDeliveries(now: Int64.max / 2, limit: 100).filter { $0.production == id }
        #expect(due.count == 4)
        var first = due[0]
        first.state = .delivered
        first.attempts = 1
        first.deliveredAt = 1_000
        try await store.updateDelivery(first)
        var second = due[1]
        second.attempts = 1
        second.lastError = "connection refused"
        second.failingSince = 900
        second.nextAt = Int64.max / 4
        try await store.updateDelivery(second)
        let again = try await store.dueDeliveries(now: Int64.max / 8, limit: 100).filter { $0.production == id }
        #expect(again.count == 2 && !again.contains { $0.key == first.key || $0.key == second.key })
        let kept = try await store.deliveries(id, index: index)
        #expect(kept.first { $0.key == first.key }?.deliveredAt == 1_000)
        #expect(kept.first { $0.key == second.key }?.lastError == "connection refused")
    }

    @Test(arguments: LogStoreBehaviourTests.backends)
    func aCriticalAlarmGoesToEveryoneWithARole(_ backend: LogStoreBehaviourTests.Backend) async throws {
        let (store, id) = try await Self.open(backend)
        for p in Self.people { _ = try await store.addContact(Contact(production: id, person: p.id, channel: .email, address: "\(p.id)@example.com")) }
        // A live lot received: AMMO-1, critical.
        let log = try await Self.record(store, id, [SQLiteLogStoreTests.step(1, "ana", .receiveAmmo(lot: "L1", kind: .live, count: 5, source: nil, caliber: nil))])
        // (The server's webhooks, which other tests of a shared database may have set, aside.)
        let written = try await store.deliveries(id, index: log.size - 1).filter { $0.channel != .webhook }
        #expect(Set(written.map(\.recipient)) == Set(Self.people.map(\.id)), "\(written.map(\.recipient))")
    }

    @Test(arguments: LogStoreBehaviourTests.backends)
    func escalationRoundsAreWrittenOnceEach(_ backend: LogStoreBehaviourTests.Backend) async throws {
        let (store, id) = try await Self.open(backend)
        _ = try await store.addContact(Contact(production: id, person: "pat", channel: .email, address: "pat@example.com"))
        _ = try await store.addContact(Contact(production: id, person: "cy", channel: .email, address: "cy@example.com"))
        let log = try await Self.record(store, id, [SQLiteLogStoreTests.step(1, "cy", .reportConcern(text: "x", scene: nil))])
        let index = log.size - 1
        let who = AlarmRecipients.escalation(log.state, index: index)
        #expect(who.people == ["pat", "sol"])
        try await store.escalate(id, [EscalationRound(who, round: 1)], at: 5_000)
        try await store.escalate(id, [EscalationRound(who, round: 1)], at: 6_000)
        try await store.escalate(id, [EscalationRound(who, round: 2)], at: 7_000)
        let written = try await store.deliveries(id, index: index).filter { $0.channel != .webhook }
        #expect(written.filter { $0.round == 1 }.count == 1 && written.filter { $0.round == 2 }.count == 1, "\(written.map(\.key))")
        #expect(try await store.escalationRounds(id) == [index: 2])
        // The rounds a look finds due, of several alarms, are written in one call.
        let later = try await Self.record(store, id, [SQLiteLogStoreTests.step(2, "cy", .reportConcern(text: "y", scene: nil))])
        let second = AlarmRecipients.escalation(later.state, index: later.size - 1)
        try await store.escalate(id, [EscalationRound(who, round: 3), EscalationRound(second, round: 1)], at: 8_000)
        #expect(try await store.escalationRounds(id) == [index: 3, later.size - 1: 1])
        #expect(try await store.deliveries(id, index: later.size - 1).filter { $0.round == 1 && $0.channel != .webhook }.map(\.recipient) == ["pat"])
    }

    /// A production opened with its log already in it (an import) sends none of its old alarms.
    @Test(arguments: LogStoreBehaviourTests.backends)
    func anImportedLogSendsNoneOfItsOldAlarms(_ backend: LogStoreBehaviourTests.Backend) async throws {
        let (store, _) = try await LogStoreBehaviourTests.open(backend)
        guard let outbox = store as? any DeliveryStore else { Issue.record("no outbox"); return }
        try await outbox.setServerWebhooks([(url: "https://hooks.example/all", secret: "s")])
        let id = LogStoreBehaviourTests.newID()
        var log = ProductionLog(productionID: id, header: ProductionHeader(title: "T", timezone: "UTC", people: Self.people),
                                openedAt: SQLiteLogStoreTests.step(0, "ana", .wrap).at)
        try log.record(SQLiteLogStoreTests.step(1, "cy", .reportConcern(text: "old", scene: nil)))
        try await store.create(id, log)
        #expect(try await outbox.deliveries(id, index: nil).isEmpty)
    }
}
