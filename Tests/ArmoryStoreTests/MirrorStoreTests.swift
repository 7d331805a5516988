import ArmoryCore
import ArmoryLedger
import ArmoryStore
import Foundation
import Testing

/// What the studio keeps of its mirrors, on both back ends: how each production stands, the
/// requests refused as forks (kept byte for byte, with their critical alarm's deliveries in
/// the same transaction, under an index no entry has), and the concerns raised at the studio
/// until their set says which entry records them.
struct MirrorStoreTests {
    static func open(_ backend: LogStoreBehaviourTests.Backend) async throws -> (any LogStore & DeliveryStore & MirrorStore, String) {
        let (store, id) = try await OutboxTests.open(backend)
        return (try #require(store as? any LogStore & DeliveryStore & MirrorStore), id)
    }

    @Test(arguments: LogStoreBehaviourTests.backends)
    func theStandingIsKeptAndReplaced(_ backend: LogStoreBehaviourTests.Backend) async throws {
        let (store, id) = try await Self.open(backend)
        #expect(try await store.standings()[id] == nil)
        try await store.setStanding(id, size: 10, received: 1_000)
        try await store.setStanding(id, size: 300, received: 2_000)
        let s = try #require(try await store.standings()[id])
        #expect(s.size == 300 && s.received == 2_000)
    }

    @Test(arguments: LogStoreBehaviourTests.backends)
    func aForkIsKeptWholeWithItsAlarm(_ backend: LogStoreBehaviourTests.Backend) async throws {
        let (store, id) = try await Self.open(backend)
        let pat = try await store.addContact(Contact(production: id, person: "pat", channel: .email, address: "pat@example.com"))
        _ = try await store.addContact(Contact(production: id, person: "cy", channel: .email, address: "cy@example.com"))
        let hook = try await store.addWebhook(Webhook(production: id, url: "https://hooks.example/studio", secret: "s"))
        // Every byte value, so nothing is lost to an encoding.
        let request = (0..<600).map { UInt8($0 % 256) }
        let first = try await store.recordFork(id, at: 5_000, reason: "entries 0..<256 are not the ones signed", request: request, digest: "d1", alarm: ["pat", "sol"])
        #expect(first.alarmIndex < 0 && StoredFork.id(ofAlarmIndex: first.alarmIndex) == first.id)
        // A second within the hour is kept without an alarm.
        let second = try await store.recordFork(id, at: 5_060, reason: "another root", request: [1, 2, 3], digest: "d2", alarm: nil)
        #expect(second.id > first.id)

        let kept = try await store.forks(id, withRequests: true)
        #expect(kept.map(\.id) == [first.id, second.id])
        #expect(kept[0].request == request && kept[0].at == 5_000 && kept[0].reason == "entries 0..<256 are not the ones signed")
        #expect(kept[0].digest == "d1" && kept[0].bytes == 600 && kept[1].digest == "d2" && kept[1].bytes == 3)
        // Listed without their requests, each still says its digest and length.
        let listed = try await store.forks(id, withRequests: false)
        #expect(listed.allSatisfy { $0.request.isEmpty } && listed.map(\.digest) == ["d1", "d2"] && listed.map(\.bytes) == [600, 3])
        #expect(try await store.fork(id, id: first.id) == kept[0])
        #expect(try await store.fork("not-" + id, id: first.id) == nil)

        // The alarm: pat's contact (cy is not producer or safety, and was not named) and the webhook, pending.
        let written = try await store.deliveries(id, index: first.alarmIndex)
        #expect(Set(written.map(\.recipient)) == ["pat", "webhook"], "\(written.map(\.key))")
        #expect(written.contains { $0.key == "\(id)/\(first.alarmIndex)/0/pat/email/\(pat.id)" })
        #expect(written.contains { $0.key == "\(id)/\(first.alarmIndex)/0/webhook/webhook/\(hook.id)" })
        #expect(written.allSatisfy { $0.state == .pending && $0.round == 0 })
        #expect(try await store.deliveries(id, index: second.alarmIndex).isEmpty)
        #expect(try await store.dueDeliveries(now: 5_001, limit: 1000).contains { $0.production == id && $0.index == first.alarmIndex })
    }

    @Test(arguments: LogStoreBehaviourTests.backends)
    func concernsWaitUntilTheSetRecordsThem(_ backend: LogStoreBehaviourTests.Backend) async throws {
        let (store, id) = try await Self.open(backend)
        let a = try await store.queueConcern(id, raised: "2026-03-02T15:00:00Z", text: "the cart was left open", scene: "12A")
        let b = try await store.queueConcern(id, raised: "2026-03-02T15:01:00Z", text: "line 1\nline 2, ünïcode", scene: nil)
        let c = try await store.queueConcern(id, raised: "2026-03-02T15:02:00Z", text: "third", scene: nil)
        #expect(try await store.concernsToForward(id, limit: 10) == [a, b, c])
        #expect(try await store.concernsToForward(id, limit: 2) == [a, b])

        try await store.concernsRecorded(id, [(a.id, 40), (c.id, 41)], at: 7_000)
        // Told again (a lost answer), or with another entry: the first entry stays.
        try await store.concernsRecorded(id, [(a.id, 99)], at: 8_000)
        // Another production's concern numbers are not this one's.
        try await store.concernsRecorded("not-" + id, [(b.id, 5)], at: 8_000)
        #expect(try await store.concernsToForward(id, limit: 10) == [b])
        let all = try await store.studioConcerns(id)
        #expect(all.map(\.id) == [a.id, b.id, c.id])
        #expect(all[0].recorded == 40 && all[0].recordedAt == 7_000 && all[2].recorded == 41)
        #expect(all[1].recorded == nil && all[1].text == "line 1\nline 2, ünïcode" && all[0].scene == "12A")
    }
}
