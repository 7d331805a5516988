import ArmoryAPI
import ArmoryCore
import ArmoryHub
import ArmoryLedger
import ArmoryStore
import Foundation
import GRDB
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

/// The hub keeps a production's state, checkpoints, tree edge and a window of recent
/// entries; everything older is read from the store when asked for, and answers exactly as
/// a server holding the whole log would.
struct BoundedMemoryTests {
    static let window = ProductionHub.smallestWindow

    /// A production of `n` concerns after the ready steps, a checkpoint signed every 100 entries.
    static func grown(_ h: Harness, _ client: some TestClientProtocol, _ n: Int) async throws -> String {
        let ana = try await CommandTests.ready(client, h, "p")
        for k in 0..<n {
            _ = try await h.hub.record("p", Step(at: Timestamp(rfc3339: AuthorisationTests.at(10 + k))!, by: nil,
                                             action: .reportConcern(text: "concern \(k)", scene: nil)))
            if k % 100 == 99 { _ = try await h.hub.signCheckpoint("p") }
        }
        _ = try await h.hub.signCheckpoint("p")
        return ana
    }

    @Test func aProductionHoldsOnlyItsRecentEntriesAndReadsOlderOnesFromTheStore() async throws {
        let h = try Harness(window: Self.window)
        try await h.app.test(.router) { client in
            let ana = try await Self.grown(h, client, 700)
            let (first, size, whole) = try await h.hub.read("p") { ($0.entries.first, $0.size, $0.isWhole) }
            #expect(size == 707 && !whole)
            #expect(first > 0 && size - first < 2 * Self.window, "held \(first)..<\(size)")
            let stored = try await h.store.load("p")
            // An old entry, by the API and the pages, is the stored one.
            let e = try await client.call(.get, "/api/v1/productions/p/entries/3", token: ana)
            let third = try LogEntry(decoding: stored.entries.bytes(at: 3)!)
            #expect(e.status == 200 && e.json["index"] == .number(3, isInteger: true) && e.json["message"] == .string(third.message))
            #expect(try await client.call(.get, "/api/v1/productions/p/entries/707", token: ana).status == 404)
            // Its proof, made from stored nodes, verifies against the latest signed checkpoint.
            for index in [0, 3, 150, 400, size - 1] {
                let proof = try await client.call(.get, "/api/v1/productions/p/entries/\(index)/proof", token: ana)
                #expect(proof.status == 200, "\(proof.text)")
                let cp = try TlogProof(parsing: proof.text).verify(leafHash: MerkleHash.leaf(stored.entries.bytes(at: index)!), keys: [Harness.signer.verifierKey])
                #expect(cp.size == size)
            }
            // Consistency between old checkpoints, as the whole tree gives it.
            for (a, b) in [(107, 207), (1, 707), (307, 607), (600, 707)] {
                let c = try await client.call(.get, "/api/v1/productions/p/consistency?from=\(a)&to=\(b)", token: ana)
                #expect(c.status == 200, "\(c.text)")
                let expected = try stored.tree.consistencyProof(from: a, to: b).map { Data($0).base64EncodedString() }
                #expect(c.json["proof"] == .strings(expected))
            }
            // A bundle of the whole log verifies: the log is read whole from the store for it.
            let pat = try await client.signIn("p", "pat")
            let bundle = try await client.execute(uri: "/api/v1/productions/p/bundle?all=true", method: .get, headers: [.authorization: "Bearer \(pat)"]) { r in
                (r.status, [UInt8](buffer: r.body))
            }
            #expect(bundle.0 == .ok)
            #expect(try EvidenceBundle.verify(bundle.1, trustedLogKey: Harness.signer.verifierKey).entries == size)
            // Open alarms (every concern) listed with their entries, old and new.
            let open = try await client.call(.get, "/api/v1/productions/p/alarms?open=true&limit=1000", token: ana)
            #expect(open.status == 200)
            if case let .array(alarms) = open.json { #expect(alarms.count == 700) } else { Issue.record("no alarm list: \(open.text)") }
            // The entry page shows an old entry and its proof.
            let page = try await client.call(.get, "/p/p/entry/9", token: ana)
            #expect(page.status == 200 && page.text.contains("concern 2"), "\(page.status)")
            #expect(page.text.contains("armory/p\n\(size)\n"), "the page's proof names the checkpoint")
        }
    }

    @Test func aProofFromAlteredStoredNodesIsRefused() async throws {
        let h = try Harness(window: Self.window)
        try await h.app.test(.router) { client in
            let ana = try await Self.grown(h, client, 400)
            try await DatabaseQueue(path: h.path).write { db in try db.execute(sql: "UPDATE entry SET nodes = zeroblob(length(nodes)) WHERE idx < 100") }
            let proof = try await client.call(.get, "/api/v1/productions/p/entries/5/proof", token: ana)
            #expect(proof.status >= 500 && !proof.text.contains("armory/p\n"), "\(proof.status) \(proof.text)")
            // What is held is still answered from memory.
            #expect(try await client.call(.get, "/api/v1/productions/p/entries/400/proof", token: ana).status == 200)
        }
    }

    /// Reopened on the same database, a production holds only its window from the start.
    @Test func aProductionOpenedFromTheStoreHoldsOnlyItsWindow() async throws {
        let first = try Harness(window: Self.window)
        try await first.app.test(.router) { client in _ = try await Self.grown(first, client, 300) }
        let again = try Harness(path: first.path, window: Self.window)
        let (held, size) = try await again.hub.read("p") { ($0.entries.count - $0.entries.first, $0.size) }
        #expect(size == 307 && held == Self.window)
        let whole = try await again.hub.wholeLog("p")
        let stored = try await again.store.load("p")
        #expect(whole.isWhole && whole.entries == stored.entries)
    }
}
