import ArmoryAPI
import ArmoryCore
import ArmoryHub
import ArmoryLedger
import ArmoryStore
import Foundation
import Logging
import Synchronization
import Testing

/// The log side of C2SP tlog-witness (`armory serve --witness`): each new checkpoint goes to
/// the witness, whose cosignature is stored on it; a witness that cosigned another size is
/// answered from that size; a witness holding another history of the log is recorded as a
/// concern, once, that alarms producers and safety; a witness out of reach is asked again
/// after a wait. The witness is the real one (`armory witness serve`'s rules and store),
/// reached in process.
struct WitnessWorkerTests {
    static let witnessKey = try! NoteSigner(name: "insurer.example/witness", type: .cosignatureV1, seed: Array(repeating: 3, count: 32))
    static let people = [Person(id: "ana", name: "Ana", roles: [.armorer]), Person(id: "pat", name: "Pat", roles: [.producer])]
    static let opened = Timestamp(rfc3339: "2026-03-02T07:00:00-07:00")!

    /// `armory witness serve`, its answers given in process; counts what it answered.
    final class InProcessWitness: WitnessTransport {
        let server: WitnessServer
        let answered = Mutex<[Int]>([])
        let down = Mutex(false)

        init() throws {
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("witness-\(UInt64.random(in: 0...UInt64.max)).db").path
            server = WitnessServer(rules: try WitnessRules(signer: WitnessWorkerTests.witnessKey, logs: ["armory/set": [Harness.signer.verifierKey]]),
                                   store: try WitnessStore(path: path), logger: Logger(label: "test"), clock: { 1_800_000_000 })
        }

        func addCheckpoint(_ body: [UInt8], to peer: WitnessPeer) async throws -> (status: Int, body: [UInt8]) {
            if down.withLock({ $0 }) { throw URLError(.cannotConnectToHost) }
            let a = try await server.answer(body)
            answered.withLock { $0.append(a.status) }
            return (a.status, Array(a.body.utf8))
        }

        var statuses: [Int] { answered.withLock { $0 } }
    }

    static let peer = WitnessPeer(url: "http://witness.test", key: witnessKey.verifierKey)

    static func worker(_ h: Harness, _ witness: InProcessWitness) -> WitnessWorker {
        WitnessWorker(hub: h.hub, peers: [peer], quorum: 1, transport: witness, logger: Logger(label: "test"), clock: { h.clock.now }) { production, text in
            _ = try await h.api.recordServerConcern(production, text: text)
        }
    }

    /// A production "set" with `concerns` entries after its header, and a checkpoint of it.
    static func production(_ h: Harness, concerns: Int, salt: String = "") async throws {
        try await h.production("set", people: people, openedAt: opened)
        try await record(h, concerns, salt: salt)
    }

    static func record(_ h: Harness, _ n: Int, salt: String = "") async throws {
        for k in 0..<n {
            _ = try await h.hub.record("set", Step(at: Timestamp(seconds: opened.seconds + 60 * Int64(k + 1), offsetMinutes: -420), by: "ana",
                                                   action: .reportConcern(text: "concern \(k)\(salt)", scene: nil)), stampedNow: true)
        }
        _ = try await h.hub.signCheckpoint("set")
    }

    static func latest(_ h: Harness) async throws -> SignedNote { try await h.hub.read("set") { $0.checkpoints.last! } }

    static func cosigned(_ note: SignedNote) -> Bool {
        (try? note.verify(with: [witnessKey.verifierKey], rejectUnknown: false))?.contains { $0.key == witnessKey.verifierKey && $0.timestamp != nil } == true
    }

    @Test func aNewCheckpointIsCosignedAndTheCosignatureIsStored() async throws {
        let h = try Harness(), witness = try InProcessWitness()
        try await Self.production(h, concerns: 5)
        let worker = Self.worker(h, witness)
        worker.wake(for: "set")
        await worker.pass()
        #expect(witness.statuses == [200])
        let note = try await Self.latest(h)
        #expect(Self.cosigned(note))
        // The log's own signature stays, and the signed text is the one the log signed.
        #expect(try note.verify(with: [Harness.signer.verifierKey]).count == 1)
        // Stored: a server restarted on the database shows the cosignature.
        let reopened = try await h.store.load("set", logKey: Harness.signer.verifierKey)
        #expect(Self.cosigned(reopened.checkpoints.last!))
        // Nothing more is asked of the witness for this checkpoint.
        worker.wake(for: "set")
        await worker.pass()
        #expect(witness.statuses == [200])
        // The next checkpoint goes from the size the witness cosigned, with a consistency proof.
        try await Self.record(h, 4)
        worker.wake(for: "set")
        await worker.pass()
        #expect(witness.statuses == [200, 200])
        #expect(Self.cosigned(try await Self.latest(h)))
        #expect(try await h.hub.read("set") { $0.checkpoints.count } == 2)
    }

    @Test func aWitnessThatCosignedAnotherSizeIsAnsweredFromThatSize() async throws {
        let h = try Harness(), witness = try InProcessWitness()
        try await Self.production(h, concerns: 3)
        let first = Self.worker(h, witness)
        first.wake(for: "set")
        await first.pass()
        // The witness cosigns a later checkpoint whose answer never reached the log.
        try await Self.record(h, 3)
        let (second, proof) = try await h.hub.read("set") { log in
            (log.checkpoints.last!, try log.tree.consistencyProof(from: 4, to: log.size))
        }
        #expect(try await witness.server.answer(Array(try AddCheckpoint(oldSize: 4, proof: proof, note: second).body.utf8)).status == 200)
        #expect(!Self.cosigned(try await Self.latest(h)))
        // A restarted server knows only what it stored: it starts from 4, is told 7, and sends again from 7.
        try await Self.record(h, 2)
        let restarted = Self.worker(h, witness)
        restarted.wake(for: "set")
        await restarted.pass()
        #expect(witness.statuses == [200, 409, 200])
        #expect(Self.cosigned(try await Self.latest(h)))
    }

    @Test func aWitnessHoldingAnotherHistoryRaisesOneConcern() async throws {
        // A copy of the set's log, restored from an old backup, that went on differently: the
        // witness cosigned its checkpoints first.
        let fork = try Harness(), witness = try InProcessWitness()
        try await Self.production(fork, concerns: 6, salt: " (the other history)")
        let forked = Self.worker(fork, witness)
        forked.wake(for: "set")
        await forked.pass()
        #expect(witness.statuses == [200])

        for (concerns, answers) in [(3, [409]), (9, [409, 422])] {
            let h = try Harness()
            try await Self.production(h, concerns: concerns)
            let before = witness.statuses.count
            let worker = Self.worker(h, witness)
            worker.wake(for: "set")
            await worker.pass()
            // Smaller than the witness's tree: 409 naming a size past the log. Larger: the proof fails (422).
            #expect(Array(witness.statuses.dropFirst(before)) == answers)
            #expect(!Self.cosigned(try await Self.latest(h)))
            let size = try await h.hub.read("set") { $0.size }
            let last = try #require(try await h.hub.entry("set", size - 1))
            #expect(last.kind == .step && last.outcome == .alarm && last.rules == [.concern1])
            #expect(last.receipt?.via == .server && last.receipt?.recorder == nil)
            #expect(last.body.contains("split view") && last.body.contains("insurer.example/witness"), "\(last.body)")
            // Once per witness and checkpoint: asked again, nothing more is sent or recorded.
            worker.wake(for: "set")
            await worker.pass()
            #expect(witness.statuses.count == before + answers.count)
            #expect(try await h.hub.read("set") { $0.size } == size)
        }
    }

    @Test func aWitnessOutOfReachIsAskedAgainAfterAWait() async throws {
        let h = try Harness(), witness = try InProcessWitness()
        h.clock.set(Date(timeIntervalSince1970: 1_800_000_000))
        try await Self.production(h, concerns: 2)
        let worker = Self.worker(h, witness)
        witness.down.withLock { $0 = true }
        worker.wake(for: "set")
        await worker.pass()
        witness.down.withLock { $0 = false }
        // Still within the first wait: not asked.
        await worker.pass()
        #expect(witness.statuses.isEmpty)
        #expect(!Self.cosigned(try await Self.latest(h)))
        // After it, without being woken: the checkpoint was left waiting, and is sent.
        h.clock.set(Date(timeIntervalSince1970: 1_800_000_000 + Double(WitnessWorker.firstWait)))
        await worker.pass()
        #expect(witness.statuses == [200])
        #expect(Self.cosigned(try await Self.latest(h)))
        // Nothing was recorded in the production meanwhile.
        #expect(try await h.hub.read("set") { $0.size } == 3)
    }
}
