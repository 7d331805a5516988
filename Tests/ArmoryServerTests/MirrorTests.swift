import ArmoryAPI
import ArmoryCore
import ArmoryHub
import ArmoryLedger
import ArmoryStore
import Crypto
import Foundation
import Logging
import Synchronization
import Testing

/// A set's log mirrored to the studio (C2SP tlog-mirror), the two servers' hubs and stores
/// real and the link in process: the studio takes what the set's key signed, checked
/// package by package and replayed; a request cut short is resumed where the studio says;
/// a forged entry, a forged checkpoint, a wrong token or an unknown production is refused,
/// and the forgeries kept as evidence of a fork. Nothing is recorded at the studio.
struct MirrorTests {
    static let token = "set-token-0123456789abcdef"

    /// The studio: a hub over its own store, mirroring production "set" signed by the set's key.
    struct Studio {
        let store: SQLiteLogStore
        let hub: ProductionHub
        let receiver: MirrorReceiver

        init(key: NoteVerifierKey = Harness.signer.verifierKey) throws {
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("studio-\(UInt64.random(in: 0...UInt64.max)).db").path
            store = try SQLiteLogStore(path: path)
            hub = ProductionHub(store: store, signer: nil, logger: Logger(label: "test"), mirrored: ["set": key])
            receiver = MirrorReceiver(hub: hub, registrations: ["set": .init(key: key, tokenDigest: Array(SHA256.hash(data: Array(MirrorTests.token.utf8))))],
                                      logger: Logger(label: "test"))
        }
    }

    /// The link: every request reaches the studio, or (`cut`) only its first bytes do.
    final class Link: MirrorTransport {
        let studio: MirrorReceiver
        let cut = Mutex<Int?>(nil)
        let down = Mutex(false)
        let statuses = Mutex<[String]>([])
        let asked = Mutex<[String]>([])
        let concernsCutFrom = Mutex<Int?>(nil)
        init(_ studio: MirrorReceiver) { self.studio = studio }

        func post(_ endpoint: String, _ body: [UInt8]) async throws -> (status: Int, type: String, body: [UInt8]) {
            if down.withLock({ $0 }) { throw URLError(.cannotConnectToHost) }
            let sent = cut.withLock { $0 }.map { Array(body.prefix($0)) } ?? body
            let a: MirrorReceiver.Answer
            switch endpoint {
            case "add-checkpoint": a = await studio.addCheckpoint(sent, token: MirrorTests.token)
            case "add-entries": a = await studio.addEntries(sent, token: MirrorTests.token)
            default:
                // Asking for concerns is counted apart from the log's requests; from the
                // `concernsCutFrom`th on, they do not reach the studio.
                let n = asked.withLock { $0.count }
                if let cut = concernsCutFrom.withLock({ $0 }), n >= cut { throw URLError(.networkConnectionLost) }
                a = await studio.concerns(sent, token: MirrorTests.token)
                asked.withLock { $0.append("\(endpoint) \(a.status)") }
                return (a.status, a.type, Array(a.body.utf8))
            }
            statuses.withLock { $0.append("\(endpoint) \(a.status)") }
            return (a.status, a.type, Array(a.body.utf8))
        }
    }

    static let people = [Person(id: "ana", name: "Ana", roles: [.armorer]), Person(id: "pat", name: "Pat", roles: [.producer])]

    static func set(steps: Int) async throws -> Harness {
        let h = try Harness()
        try await h.production("set", people: people, openedAt: Timestamp(rfc3339: "2026-03-02T07:00:00-07:00")!)
        try await record(h, steps)
        return h
    }

    static func record(_ h: Harness, _ n: Int, _ text: String = "check") async throws {
        for k in 0..<n {
            _ = try await h.hub.record("set", Step(at: Timestamp(rfc3339: "2026-03-02T08:00:00-07:00")!, by: "ana",
                                                   action: .reportConcern(text: "\(text) \(k)", scene: nil)), stampedNow: true)
        }
    }

    static func worker(_ h: Harness, _ link: Link) -> MirrorWorker {
        MirrorWorker(hub: h.hub, transport: link, logger: Logger(label: "test"), clock: { h.clock.now }) { production, concern in
            // As the set's server records it: a concern received from the server, under the concern's key.
            let hub = h.hub
            let now = Timestamp(seconds: Int64(h.clock.now.timeIntervalSince1970))
            let receipt = LogEntry.Receipt(received: now.text, via: .server, key: concern.key)
            return try await hub.record(production, Step(at: now, by: nil, action: .reportConcern(text: "Raised at the studio at \(concern.raised): \(concern.text)",
                                                                                               scene: concern.scene)),
                                        stampedNow: true, receipt: receipt, allowed: nil).index
        }
    }

    @Test func theSetsLogReachesTheStudioCheckedAndTheStudioRecordsNothing() async throws {
        let set = try await Self.set(steps: 600)
        let studio = try Studio(), link = Link(studio.receiver)
        let worker = Self.worker(set, link)
        worker.wake(for: "set")
        await worker.pass()
        let size = try await set.hub.read("set") { $0.size }
        // A checkpoint was signed for the entries, and the studio holds them all, and it.
        #expect(worker.holds("set")?.size == size)
        let held = try await studio.hub.log("set")
        #expect(held.size == size)
        let setRoot = try await set.hub.read("set") { try $0.tree.rootHash() }
        let setLast = try await set.hub.read("set") { $0.checkpoints.last?.text }
        #expect(try held.tree.rootHash() == setRoot)
        #expect(held.checkpoints.last?.text == setLast)
        #expect(studio.receiver.status("set").standing?.size == size && studio.receiver.status("set").forks.isEmpty)
        // Stored: the studio's store opens it again, verified with the set's key.
        _ = try await studio.store.load("set", logKey: Harness.signer.verifierKey)
        // 601 entries: 3 packages of 256 in one request, after the checkpoint and the question where the studio stands.
        #expect(link.statuses.withLock { $0 } == ["add-checkpoint 200", "add-entries 409", "add-entries 200"])
        // Nothing can be recorded at the studio: the set records.
        await #expect(throws: HubError.self) {
            try await studio.hub.record("set", Step(at: Timestamp(rfc3339: "2026-03-02T09:00:00-07:00")!, by: nil, action: .reportConcern(text: "x", scene: nil)))
        }
        await #expect(throws: HubError.self) { try await studio.hub.signCheckpoint("set") }
        // More steps: only what is new is sent.
        try await Self.record(set, 10)
        set.clock.set(Date().addingTimeInterval(MirrorWorker.spacing + 1))
        worker.wake(for: "set")
        await worker.pass()
        #expect(try await studio.hub.log("set").size == size + 10)
        #expect(link.statuses.withLock { $0 }.suffix(2) == ["add-checkpoint 200", "add-entries 200"])
    }

    @Test func aStudioOutOfReachGetsEverythingWhenItIsBackAndNoCheckpointIsSignedMeanwhile() async throws {
        let set = try await Self.set(steps: 20)
        let studio = try Studio(), link = Link(studio.receiver)
        let worker = Self.worker(set, link)
        var now = Date()
        set.clock.set(now)
        link.down.withLock { $0 = true }
        worker.wake(for: "set")
        await worker.pass()
        let signed = try await set.hub.read("set") { $0.checkpoints.count }
        // Steps go on while the link is down, looked at again and again: no checkpoint is added for the mirror.
        for _ in 0..<5 {
            try await Self.record(set, 50)
            now += MirrorWorker.spacing + MirrorWorker.longestWait
            set.clock.set(now)
            await worker.pass()
        }
        #expect(try await set.hub.read("set") { $0.checkpoints.count } == signed)
        #expect(worker.holds("set") == nil)
        // The link returns: the checkpoint waiting goes first, then one covering everything.
        link.down.withLock { $0 = false }
        now += MirrorWorker.longestWait
        set.clock.set(now)
        await worker.pass()
        await worker.pass()
        let size = try await set.hub.read("set") { $0.size }
        #expect(worker.holds("set")?.size == size)
        #expect(try await studio.hub.log("set").size == size)
        #expect(try await set.hub.read("set") { $0.checkpoints.count } == signed + 1)
    }

    @Test func aRequestCutShortIsResumedWhereTheStudioStands() async throws {
        let set = try await Self.set(steps: 1500)
        let studio = try Studio(), link = Link(studio.receiver)
        let worker = Self.worker(set, link)
        // Every request loses its end: the studio keeps the whole packages before the cut and says where it stands.
        link.cut.withLock { $0 = 200_000 }
        worker.wake(for: "set")
        await worker.pass()
        let size = try await set.hub.read("set") { $0.size }
        #expect(try await studio.hub.log("set").size == size)
        #expect(link.statuses.withLock { $0 }.contains("add-entries 202"))
        #expect(studio.receiver.status("set").forks.isEmpty)
    }

    @Test func forgeriesAndStrangersAreRefused() async throws {
        let set = try await Self.set(steps: 300)
        let studio = try Studio()
        let signed = try await set.hub.signCheckpoint("set")
        let whole = try await set.hub.wholeLog("set")
        let (size, bytes) = (whole.size, try #require(whole.entries.all))
        let cp = try Checkpoint(text: signed.text)
        let request = Array(try AddCheckpoint(oldSize: 0, proof: [], note: signed).body.utf8)
        // Another token, an unknown production, a checkpoint by another key.
        #expect(await studio.receiver.addCheckpoint(request, token: "not-the-token").status == 403)
        let stranger = try NoteSigner(name: "armory.example/stranger", seed: Array(repeating: 9, count: 32))
        let other = try Checkpoint(origin: "armory/elsewhere", size: 1, rootHash: cp.rootHash).signed(by: stranger)
        #expect(await studio.receiver.addCheckpoint(Array(try AddCheckpoint(oldSize: 0, proof: [], note: other).body.utf8), token: Self.token).status == 404)
        let forged = try Checkpoint(origin: "armory/set", size: size, rootHash: cp.rootHash).signed(by: stranger)
        #expect(await studio.receiver.addCheckpoint(Array(try AddCheckpoint(oldSize: 0, proof: [], note: forged).body.utf8), token: Self.token).status == 403)
        // Entries before any checkpoint: 422.
        let entries = AddEntries(origin: "armory/set", start: 0, end: size, packages: [])
        #expect(await studio.receiver.addEntries(entries.body, token: Self.token).status == 422)
        // The set's checkpoint, then entries one of which was altered: refused, kept as a fork, nothing stored.
        #expect(await studio.receiver.addCheckpoint(request, token: Self.token).status == 200)
        var altered = Array(bytes.prefix(size))
        altered[200] = Array(String(decoding: altered[200], as: UTF8.self).replacingOccurrences(of: "check", with: "chuck").utf8)
        let packages = Array(AddEntries.intervals(start: 0, end: size)).map { r in
            AddEntries.Package(first: r.lowerBound, entries: Array(altered[r]), proof: r.upperBound == size ? [] : try! MerkleTree.consistency(altered, r.upperBound, size))
        }
        let answer = await studio.receiver.addEntries(AddEntries(origin: "armory/set", start: 0, end: size, packages: packages).body, token: Self.token)
        #expect(answer.status == 422 && answer.body.contains("entries 0..<256"), "\(answer)")
        #expect(studio.receiver.status("set").forks.count == 1)
        let stored = try await studio.store.productionIDs()
        #expect(stored.isEmpty)
        // A checkpoint of the same size with another root: a fork too.
        let twin = try Checkpoint(origin: "armory/set", size: cp.size, rootHash: Array(repeating: 3, count: 32)).signed(by: Harness.signer)
        let conflict = await studio.receiver.addCheckpoint(Array(try AddCheckpoint(oldSize: size, proof: [], note: twin).body.utf8), token: Self.token)
        #expect([409, 422].contains(conflict.status))
        #expect(studio.receiver.status("set").forks.count == 2)
    }

    @Test func aForkIsKeptInTheStoreAndAlarmsOnceAnHourAndIsShownAfterARestart() async throws {
        let set = try await Self.set(steps: 300)
        let studio = try Studio()
        let hook = try await studio.store.addWebhook(Webhook(production: Webhook.everyProduction, url: "https://hooks.example/studio", secret: "s"))
        let woken = Mutex<[String]>([])
        let receiver = MirrorReceiver(hub: studio.hub, registrations: studio.receiver.registrations, logger: Logger(label: "test"),
                                      onAlarm: { id in woken.withLock { $0.append(id) } })
        let link = Link(receiver)
        let worker = Self.worker(set, link)
        worker.wake(for: "set")
        await worker.pass()
        let size = try await set.hub.read("set") { $0.size }
        #expect(try await studio.hub.log("set").size == size)
        // Another history of the same size, signed by the set's key (a set restored from a backup): refused, kept, alarmed.
        let twin = try Checkpoint(origin: "armory/set", size: size + 5, rootHash: Array(repeating: 7, count: 32)).signed(by: Harness.signer)
        let twinRequest = Array(try AddCheckpoint(oldSize: size, proof: [Array(repeating: 1, count: 32)], note: twin).body.utf8)
        #expect(await receiver.addCheckpoint(twinRequest, token: Self.token).status == 422)
        let forks = try await studio.store.forks("set", withRequests: true)
        #expect(forks.count == 1 && forks[0].request == twinRequest)
        let deliveries = try await studio.store.deliveries("set", index: forks[0].alarmIndex)
        // The producer named in the set's crew has no contact at the studio: the webhook alone.
        #expect(deliveries.map(\.key) == ["set/\(forks[0].alarmIndex)/0/webhook/webhook/\(hook.id)"])
        #expect(woken.withLock { $0 } == ["set"])
        // A second within the hour: kept, not alarmed again.
        #expect(await receiver.addCheckpoint(twinRequest, token: Self.token).status == 422)
        let again = try await studio.store.forks("set", withRequests: false)
        #expect(again.count == 2)
        #expect(try await studio.store.deliveries("set", index: again[1].alarmIndex).isEmpty)
        #expect(woken.withLock { $0 } == ["set"])

        // The studio's delivery worker sends it: a critical alarm naming the fork, to the production's page.
        final class Sent: AlarmSender {
            let alarms = Mutex<[AlarmMessage]>([])
            func send(_ delivery: Delivery, _ alarm: AlarmMessage) async -> SendOutcome {
                alarms.withLock { $0.append(alarm) }
                return .delivered
            }
        }
        let sent = Sent()
        let delivery = DeliveryWorker(hub: studio.hub, store: studio.store, senders: [.webhook: sent], publicURL: { "https://studio.test" },
                                      logger: Logger(label: "test"))
        #expect(await delivery.pass(escalating: false))
        // (The studio's webhooks are sent the alarms of the set's entries too, as they arrive.)
        let forkAlarms = sent.alarms.withLock { $0 }.filter(\.fork)
        let alarm = try #require(forkAlarms.first)
        #expect(forkAlarms.count == 1)
        #expect(alarm.fork && alarm.critical && alarm.title.hasPrefix("CRITICAL ALARM FORK · "), "\(alarm.title)")
        #expect(alarm.message.contains(forks[0].reason) && alarm.url == "https://studio.test/p/set")
        #expect(try await studio.store.deliveries("set", index: forks[0].alarmIndex).allSatisfy { $0.state == .delivered })

        // A studio restarted on the same store says how far behind it is and shows the forks.
        let restarted = MirrorReceiver(hub: studio.hub, registrations: studio.receiver.registrations, logger: Logger(label: "test"))
        #expect(restarted.status("set").standing == nil)
        try await restarted.restore()
        #expect(restarted.status("set").standing?.size == size)
        #expect(restarted.status("set").forks.map(\.digest) == receiver.status("set").forks.map(\.digest))
        #expect(restarted.status("set").forks.first?.bytes == twinRequest.count)
    }

    @Test func aConcernRaisedAtTheStudioIsRecordedOnTheSetOnceAndTheStudioLearnsWhere() async throws {
        let set = try await Self.set(steps: 10)
        let studio = try Studio(), link = Link(studio.receiver)
        let worker = Self.worker(set, link)
        var now = Date()
        set.clock.set(now)
        // Raised while the set is out of reach.
        link.down.withLock { $0 = true }
        let first = try #require(try await studio.receiver.queueConcern("set", text: "the cart on stage 4 is open", scene: "12A"))
        let second = try #require(try await studio.receiver.queueConcern("set", text: "smoke near the armory truck", scene: nil))
        #expect(studio.receiver.concernStatus("set").waiting == 2)
        worker.wake(for: "set")
        await worker.pass()
        let before = try await set.hub.read("set") { $0.size }
        #expect(worker.concernsRecorded("set") == 0)

        // The link returns, and is lost again just after the studio hands the concerns over: the
        // set records both, and cannot tell the studio where.
        link.down.withLock { $0 = false }
        link.concernsCutFrom.withLock { $0 = 1 }
        now += MirrorWorker.longestWait + MirrorWorker.concernPoll
        set.clock.set(now)
        await worker.pass()
        #expect(worker.concernsRecorded("set") == 2)
        #expect(studio.receiver.concernStatus("set").waiting == 2)
        let entries = try await set.hub.entries("set", at: [before, before + 1])
        #expect(entries.map(\.entry.receipt?.key) == ["studio-concern-\(first.id)", "studio-concern-\(second.id)"])
        #expect(entries.allSatisfy { $0.entry.receipt?.via == .server && $0.entry.outcome == .alarm && $0.entry.rules == [.concern1] })
        #expect(entries[0].entry.body.contains("the cart on stage 4 is open") && entries[0].entry.body.contains(first.raised))

        // The set's server restarts (what it had to tell is gone) and the link is back: the studio
        // hands the two over again, and the set records nothing twice (the key) and says where they are.
        link.concernsCutFrom.withLock { $0 = nil }
        let restarted = Self.worker(set, link)
        now += MirrorWorker.concernPoll + MirrorWorker.spacing
        set.clock.set(now)
        restarted.wake(for: "set")
        await restarted.pass()
        #expect(restarted.concernsRecorded("set") == 2, "handed over twice, recorded once")
        let after = try await set.hub.read("set") { $0.size }
        #expect(after == before + 2, "nothing recorded twice")
        let kept = try await studio.store.studioConcerns("set")
        #expect(kept.map(\.recorded) == [before, before + 1])
        #expect(studio.receiver.concernStatus("set").waiting == 0)
        #expect(studio.receiver.concernStatus("set").lastRecorded?.recorded != nil)
        // And the entries reached the studio's copy with the rest of the log.
        #expect(try await studio.hub.log("set").size == after)
        #expect(link.asked.withLock { $0 }.allSatisfy { $0 == "concerns 200" })
        // Asked again with nothing waiting: nothing is recorded.
        now += MirrorWorker.concernPoll
        set.clock.set(now)
        await restarted.pass()
        #expect(try await set.hub.read("set") { $0.size } == after)
    }

    @Test func concernRequestsThatAreNotAsWrittenAreRefused() async throws {
        let studio = try Studio()
        for body in ["", "armory/set", "armory/set\nrecorded 1\n", "armory/set\nrecorded 01 2\n", "armory/set\nrecorded 0 2\n",
                     "armory/set\nrecorded 1 +2\n", "armory/set\nrecorded 1 2 3\n", "armory set\n", "armory/set\nrecorded 99999999999999999999 1\n",
                     "armory/set\n" + String(repeating: "recorded 1 1\n", count: 65)] {
            let a = await studio.receiver.concerns(Array(body.utf8), token: Self.token)
            #expect(a.status == 400, "\(body.prefix(40)): \(a)")
        }
        #expect(await studio.receiver.concerns(Array("armory/elsewhere\n".utf8), token: Self.token).status == 404)
        #expect(await studio.receiver.concerns(Array("armory/set\n".utf8), token: "not-the-token").status == 403)
        #expect(await studio.receiver.concerns(Array("armory/set\n".utf8), token: Self.token).body == "{\"concerns\":[]}")
        // A concern number the studio never gave is ignored.
        #expect(await studio.receiver.concerns(Array("armory/set\nrecorded 12345 7\n".utf8), token: Self.token).status == 200)
        // What the studio writes, the set reads; and nothing else.
        let offer = ConcernOffer(id: 3, raised: "2026-03-02T15:00:00Z", text: "a \"quoted\"\nline", scene: "12A")
        #expect(try ConcernOffer.read(Array(ConcernOffer.body([offer]).utf8)) == [offer])
        for bad in ["{}", "[]", "{\"concerns\":[{\"id\":0,\"raised\":\"2026-03-02T15:00:00Z\",\"text\":\"x\"}]}",
                    "{\"concerns\":[{\"id\":1,\"raised\":\"yesterday\",\"text\":\"x\"}]}",
                    "{\"concerns\":[{\"id\":1,\"raised\":\"2026-03-02T15:00:00Z\",\"text\":\"x\",\"by\":\"ana\"}]}",
                    "{\"concerns\":[],\"more\":1}"] {
            #expect(throws: AddEntries.Malformed.self) { try ConcernOffer.read(Array(bad.utf8)) }
        }
    }
}

extension MerkleTree where Store == InMemoryNodeStore {
    /// The consistency proof from `first` to `second` over these entries.
    static func consistency(_ entries: [[UInt8]], _ first: Int, _ second: Int) throws -> [Hash] {
        var t = MerkleTree()
        for e in entries.prefix(second) { t.append(leafHash: MerkleHash.leaf(e)) }
        return try t.consistencyProof(from: first, to: second)
    }
}
