import ArmoryAPI
import ArmoryLedger
import ArmoryServer
import ArmoryStore
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

/// `armory witness serve` over HTTP (C2SP tlog-witness): every status of the protocol, the
/// state kept durably before the answer, one request at a time per log, and a request that
/// shows a fork kept as evidence.
struct WitnessServerTests {
    static let log = try! NoteSigner(name: "armory/shoot-1", seed: Array(repeating: 1, count: 32))
    static let witness = try! NoteSigner(name: "insurer.example/witness", type: .cosignatureV1, seed: Array(repeating: 2, count: 32))

    static func server(_ path: String) throws -> WitnessServer {
        WitnessServer(rules: try WitnessRules(signer: witness, logs: ["armory/shoot-1": [log.verifierKey]]), store: try WitnessStore(path: path),
                      logger: Logger(label: "test"), clock: { 1_800_000_000 })
    }

    static func tree(_ n: Int, salt: UInt8 = 0) -> MerkleTree<InMemoryNodeStore> {
        var t = MerkleTree()
        for k in 0..<n { t.append(leafHash: MerkleHash.leaf([salt, UInt8(k & 0xff), UInt8(k >> 8)])) }
        return t
    }

    static func body(_ t: MerkleTree<InMemoryNodeStore>, old: Int, size: Int) throws -> String {
        let note = try Checkpoint(origin: "armory/shoot-1", size: size, rootHash: t.rootHash(size: size)).signed(by: log)
        return try AddCheckpoint(oldSize: old, proof: old == 0 || old >= size ? [] : t.consistencyProof(from: old, to: size), note: note).body
    }

    struct Answer {
        let status: Int
        let type: String?
        let text: String
    }

    static func post(_ client: some TestClientProtocol, _ body: String) async throws -> Answer {
        try await client.execute(uri: "/add-checkpoint", method: .post, body: ByteBuffer(string: body)) { r in
            Answer(status: Int(r.status.code), type: r.headers[.contentType], text: String(buffer: r.body))
        }
    }

    static func get(_ client: some TestClientProtocol, _ uri: String) async throws -> Answer {
        try await client.execute(uri: uri, method: .get) { r in Answer(status: Int(r.status.code), type: r.headers[.contentType], text: String(buffer: r.body)) }
    }

    static func path() -> String { FileManager.default.temporaryDirectory.appendingPathComponent("witness-\(UInt64.random(in: 0...UInt64.max)).db").path }

    @Test func theWitnessAnswersEveryStatusOfTheProtocol() async throws {
        let path = Self.path()
        let server = try Self.server(path)
        let t = Self.tree(300), fork = Self.tree(300, salt: 7)
        let app = Application(router: server.router())
        try await app.test(.router) { client in
            // 200: the first checkpoint, from 0; its cosignature verifies on it.
            let first = try await Self.post(client, Self.body(t, old: 0, size: 100))
            #expect(first.status == 200 && first.text.hasPrefix("\u{2014} insurer.example/witness "), "\(first.text)")
            let note = try Checkpoint(origin: "armory/shoot-1", size: 100, rootHash: t.rootHash(size: 100)).signed(by: Self.log)
            #expect(try SignedNote(parsing: note.formatted + first.text).verify(with: [Self.witness.verifierKey]).first?.timestamp == 1_800_000_000)
            // 409 with the size last cosigned, as text/x.tlog.size; the log resends from it.
            let stale = try await Self.post(client, Self.body(t, old: 0, size: 200))
            #expect(stale.status == 409 && stale.type == "text/x.tlog.size" && stale.text == "100\n")
            #expect(try await Self.post(client, Self.body(t, old: 100, size: 200)).status == 200)
            // 400: an old size past the checkpoint's, or no request at all.
            #expect(try await Self.post(client, Self.body(t, old: 250, size: 200)).status == 400)
            let junk = try await Self.post(client, "old x\n\nnonsense\n")
            #expect(junk.status == 400 && junk.text.contains("old <size>"))
            // 404: an origin this witness does not follow; 403: not signed by the log's key.
            let otherOrigin = try Checkpoint(origin: "armory/elsewhere", size: 1, rootHash: t.rootHash(size: 1)).signed(by: Self.log)
            #expect(try await Self.post(client, "old 0\n\n" + otherOrigin.formatted).status == 404)
            let forged = try Checkpoint(origin: "armory/shoot-1", size: 250, rootHash: t.rootHash(size: 250))
                .signed(by: NoteSigner(name: "armory/shoot-1", seed: Array(repeating: 9, count: 32)))
            #expect(try await Self.post(client, "old 200\n\n" + forged.formatted).status == 403)
            // 422: a history that does not extend the one cosigned; 409: the same size, another root.
            #expect(try await Self.post(client, Self.body(fork, old: 200, size: 250)).status == 422)
            let split = try await Self.post(client, Self.body(fork, old: 200, size: 200))
            #expect(split.status == 409 && split.text == "200\n")
            // 413: a body past the limit.
            #expect(try await Self.post(client, String(repeating: "a", count: AddCheckpoint.maximumBodyLength + 1)).status == 413)
            // The checkpoint last cosigned, read back by the hash of its origin.
            let digest = WitnessServer.digest("armory/shoot-1")
            #expect(digest.count == 64 && digest == digest.lowercased())
            let back = try await Self.get(client, "/\(digest)/checkpoint")
            #expect(back.status == 200 && back.text.hasPrefix("armory/shoot-1\n200\n"))
            #expect(try SignedNote(parsing: back.text).verify(with: [Self.log.verifierKey, Self.witness.verifierKey]).count == 2)
            #expect(try await Self.get(client, "/\(WitnessServer.digest("armory/elsewhere"))/checkpoint").status == 404)
            #expect(try await Self.get(client, "/nothing/checkpoint").status == 404)
        }
        // Kept durably: a witness started again on the file goes on from 200, and holds both forks.
        let again = try Self.server(path)
        #expect(try await again.store.latest(origin: "armory/shoot-1")?.hasPrefix("armory/shoot-1\n200\n") == true)
        let forks = try await again.store.forks(origin: "armory/shoot-1")
        #expect(forks.count == 2 && forks.allSatisfy { $0.request.hasPrefix("old 200\n") })
        try await Application(router: again.router()).test(.router) { client in
            let next = try await Self.post(client, Self.body(t, old: 200, size: 300))
            #expect(next.status == 200)
        }
    }

    /// Requests for one log are handled one at a time: of many sent at once from the same old
    /// size, exactly one is cosigned, and each other learns the size it moved to.
    @Test func requestsSentAtOnceAreHandledOneAfterTheOther() async throws {
        let server = try Self.server(Self.path())
        let t = Self.tree(400)
        try await Application(router: server.router()).test(.router) { client in
            #expect(try await Self.post(client, Self.body(t, old: 0, size: 10)).status == 200)
            let answers = try await withThrowingTaskGroup(of: Answer.self) { group in
                for size in 11...40 { group.addTask { try await Self.post(client, Self.body(t, old: 10, size: size * 10)) } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(answers.filter { $0.status == 200 }.count == 1)
            let moved = answers.filter { $0.status == 409 }
            #expect(moved.count == 29 && Set(moved.map(\.text)).count == 1 && moved.allSatisfy { $0.text != "10\n" })
        }
    }
}
