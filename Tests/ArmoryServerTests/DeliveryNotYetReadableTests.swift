import ArmoryCore
import ArmoryHub
import ArmoryLedger
import ArmoryStore
import Foundation
import Logging
import Synchronization
import Testing

/// A delivery's row is stored in its alarm's own transaction, and the alarm's entry is
/// readable by the delivery worker a moment later (once the append returns, or once another
/// process's append is announced). A worker that looks in between puts the delivery off; it
/// never gives it up (found by the kill -9 test: one alarm answered 201 never reached the
/// webhook, marked failed as "not held here").
struct DeliveryNotYetReadableTests {
    final class Receiver: AlarmSender {
        let got = Mutex<[String]>([])
        func send(_ delivery: Delivery, _ alarm: AlarmMessage) async -> SendOutcome {
            got.withLock { $0.append(delivery.key) }
            return .delivered
        }
    }

    @Test func aDeliveryWhoseEntryIsNotReadableYetIsPutOffNotGivenUp() async throws {
        let h = try Harness()
        try await h.production("p", people: AuthorisationTests.people, openedAt: Timestamp(seconds: 1_800_000_000, offsetMinutes: 0))
        try await h.store.setServerWebhooks([(url: "http://hook.test/alerts", secret: "a-webhook-secret-of-enough-length")])
        // A second server on the same database holds the log as it stood before the alarm.
        let other = ProductionHub(store: h.store, signer: Harness.signer, logger: Logger(label: "test"))
        #expect(try await other.read("p") { $0.size } == 1)
        let alarm = try await h.hub.record("p", Step(at: Timestamp(seconds: 1_800_000_001, offsetMinutes: 0), by: nil,
                                                     action: .reportConcern(text: "a round rattles in the dummies box", scene: nil)))
        #expect(alarm.decision.outcome == .alarm)
        let now = Mutex(Date(timeIntervalSince1970: 1_800_000_002))
        let receiver = Receiver()
        func worker(_ hub: ProductionHub) -> DeliveryWorker {
            DeliveryWorker(hub: hub, store: h.store, senders: [.webhook: receiver], publicURL: { "http://armory.test" },
                           logger: Logger(label: "test"), clock: { now.withLock { $0 } })
        }
        // The second server's worker cannot read the entry: nothing sent, nothing given up.
        #expect(await worker(other).pass(escalating: false))
        let waiting = try await h.store.deliveries("p", index: alarm.index)
        #expect(waiting.count == 1)
        #expect(waiting.allSatisfy { $0.state == .pending && $0.attempts == 0 && $0.lastError != nil })
        #expect(waiting.allSatisfy { $0.nextAt == 1_800_000_002 + DeliveryWorker.notYetWait })
        #expect(receiver.got.withLock { $0 }.isEmpty)
        // Not due again before its wait is over; then the server that holds the entry sends it.
        #expect(await worker(h.hub).pass(escalating: false))
        #expect(receiver.got.withLock { $0 }.isEmpty)
        now.withLock { $0 = $0.addingTimeInterval(Double(DeliveryWorker.notYetWait)) }
        #expect(await worker(h.hub).pass(escalating: false))
        #expect(receiver.got.withLock { $0 } == waiting.map(\.key))
        let sent = try await h.store.deliveries("p", index: alarm.index)
        #expect(sent.allSatisfy { $0.state == .delivered && $0.attempts == 1 && $0.failingSince == nil && $0.lastError == nil })
    }

    /// The peer answers just as the server stops (the worker's task cancelled): the delivery
    /// is still marked delivered, so the restarted server does not send it again.
    final class AnsweringAsTheServerStops: AlarmSender {
        let got = Mutex<[String]>([])
        func send(_ delivery: Delivery, _ alarm: AlarmMessage) async -> SendOutcome {
            got.withLock { $0.append(delivery.key) }
            while !Task.isCancelled { try? await Task.sleep(for: .milliseconds(5)) }
            return .delivered
        }
    }

    @Test func aDeliveryAnsweredAsTheServerStopsIsMarkedDelivered() async throws {
        let h = try Harness()
        try await h.production("p", people: AuthorisationTests.people, openedAt: Timestamp(seconds: 1_800_000_000, offsetMinutes: 0))
        try await h.store.setServerWebhooks([(url: "http://hook.test/alerts", secret: "a-webhook-secret-of-enough-length")])
        let alarm = try await h.hub.record("p", Step(at: Timestamp(seconds: 1_800_000_001, offsetMinutes: 0), by: nil,
                                                     action: .reportConcern(text: "a round rattles in the dummies box", scene: nil)))
        let receiver = AnsweringAsTheServerStops()
        let worker = DeliveryWorker(hub: h.hub, store: h.store, senders: [.webhook: receiver], publicURL: { "http://armory.test" },
                                    logger: Logger(label: "test"), clock: { Date(timeIntervalSince1970: 1_800_000_002) })
        let running = Task { await worker.pass(escalating: false) }
        while receiver.got.withLock({ $0.isEmpty }) { try await Task.sleep(for: .milliseconds(5)) }
        running.cancel()
        _ = await running.value
        let sent = try await h.store.deliveries("p", index: alarm.index)
        #expect(sent.count == 1 && sent.allSatisfy { $0.state == .delivered && $0.attempts == 1 })
    }
}
