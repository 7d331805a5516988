import ArmoryCore
import ArmoryLedger
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// A production's log served as a tiled log (C2SP tlog-tiles): a client holding only the
/// log's key rebuilds the signed root from the tiles, and every entry from the bundles
/// hashes to its leaf. Old entries come from the store, recent ones from memory: the
/// answers are the same.
struct TileRouteTests {
    struct Fetched {
        let status: Int
        let bytes: [UInt8]
        let headers: HTTPFields
    }

    static func fetch(_ client: some TestClientProtocol, _ path: String, token: String?) async throws -> Fetched {
        var headers: HTTPFields = [:]
        if let token { headers[.authorization] = "Bearer \(token)" }
        return try await client.execute(uri: path, method: .get, headers: headers) { r in
            Fetched(status: Int(r.status.code), bytes: [UInt8](buffer: r.body), headers: r.headers)
        }
    }

    /// The hashes of a tile's bytes, 32 bytes each.
    static func hashes(_ bytes: [UInt8]) -> [Hash] {
        stride(from: 0, to: bytes.count, by: 32).map { Array(bytes[$0..<min($0 + 32, bytes.count)]) }
    }

    /// MTH of these leaf hashes, as a tree built from them gives it.
    static func root(_ leaves: [Hash]) throws -> Hash {
        var tree = MerkleTree()
        for h in leaves { tree.append(leafHash: h) }
        return try tree.rootHash()
    }

    @Test func aClientRebuildsTheSignedRootFromTheTilesAndEveryEntryFromTheBundles() async throws {
        let h = try Harness(window: BoundedMemoryTests.window)
        try await h.app.test(.router) { client in
            let ana = try await BoundedMemoryTests.grown(h, client, 700)
            let checkpoint = try await Self.fetch(client, "/logs/p/checkpoint", token: ana)
            #expect(checkpoint.status == 200 && checkpoint.headers[.contentType] == "text/plain; charset=utf-8")
            #expect(checkpoint.headers[.cacheControl] == "private, max-age=5")
            let note = try SignedNote(parsing: String(decoding: checkpoint.bytes, as: UTF8.self))
            #expect(try note.verify(with: [Harness.signer.verifierKey]).count == 1)
            let cp = try Checkpoint(text: note.text)
            #expect(cp.size == 707)

            // Level 0: two full tiles and one of 195; the bundles beside them.
            var leaves: [Hash] = []
            for n in 0...2 {
                let tile = try #require(TileAddress.covering(node: n * 256, level: 0, size: cp.size))
                #expect(tile.partialWidth == (n == 2 ? 195 : nil))
                let hashes = try await Self.fetch(client, "/logs/p/" + tile.path, token: ana)
                #expect(hashes.status == 200 && hashes.bytes.count == 32 * tile.width, "\(tile): \(hashes.status)")
                #expect(hashes.headers[.contentType] == "application/octet-stream" && hashes.headers[.cacheControl] == "private, max-age=31536000, immutable")
                let bundleTile = try #require(TileAddress(level: nil, index: n, partialWidth: tile.partialWidth))
                let bundle = try await Self.fetch(client, "/logs/p/" + bundleTile.path, token: ana)
                #expect(bundle.status == 200 && bundle.headers[.cacheControl] == "private, max-age=31536000, immutable", "\(bundleTile): \(bundle.status)")
                let entries = try #require(EntryBundle.decode(bundle.bytes))
                #expect(entries.map(MerkleHash.leaf) == Self.hashes(hashes.bytes), "\(bundleTile) hashes to \(tile)")
                for (k, e) in entries.enumerated() { #expect(try LogEntry(decoding: e).index == UInt64(n * 256 + k)) }
                leaves += Self.hashes(hashes.bytes)
            }
            #expect(try Self.root(leaves) == cp.rootHash, "the level 0 tiles give the signed root")

            // Level 1: a partial tile of 2, each the root of a full tile below.
            let upper = try await Self.fetch(client, "/logs/p/tile/1/000.p/2", token: ana)
            #expect(upper.status == 200)
            #expect(Self.hashes(upper.bytes) == [try Self.root(Array(leaves[0..<256])), try Self.root(Array(leaves[256..<512]))])

            // Narrower partial tiles are prefixes; tiles the log does not hold yet are 404s.
            let five = try await Self.fetch(client, "/logs/p/tile/0/002.p/5", token: ana)
            #expect(five.status == 200 && Self.hashes(five.bytes) == Array(leaves[512..<517]))
            for path in ["tile/0/002", "tile/0/002.p/196", "tile/entries/002", "tile/entries/003.p/1", "tile/1/000", "tile/1/000.p/3", "tile/2/000.p/1"] {
                let missing = try await Self.fetch(client, "/logs/p/" + path, token: ana)
                #expect(missing.status == 404, "\(path): \(missing.status)")
                #expect(String(decoding: missing.bytes, as: UTF8.self).contains("does not hold"), "\(path)")
            }
            // What is not a tile path is a 404 that says what the paths are.
            for path in ["tile/0/2", "tile/00/000", "tile/0/000.p/0", "tile/0/000.p/256", "tile/entries/x000/001", "tile/8/0/000", "tile/0/000.p/1/x"] {
                let bad = try await Self.fetch(client, "/logs/p/" + path, token: ana)
                #expect(bad.status == 404 && String(decoding: bad.bytes, as: UTF8.self).contains("C2SP tlog-tiles"), "\(path): \(bad.status)")
            }
            // Signed in, to this production.
            #expect(try await Self.fetch(client, "/logs/p/tile/0/000", token: nil).status == 401)
            #expect(try await Self.fetch(client, "/logs/p/checkpoint", token: nil).status == 401)
            #expect(try await Self.fetch(client, "/logs/nope/checkpoint", token: ana).status == 403)
        }
    }

    /// A production with no signed checkpoint says so; its tiles are served all the same.
    @Test func aLogWithNoCheckpointHasNoneToServe() async throws {
        let h = try Harness(signer: nil)
        try await h.app.test(.router) { client in
            let ana = try await CommandTests.ready(client, h, "p")
            let none = try await Self.fetch(client, "/logs/p/checkpoint", token: ana)
            #expect(none.status == 404 && String(decoding: none.bytes, as: UTF8.self).contains("no signed checkpoint"))
            let size = try await h.hub.read("p") { $0.size }
            let tile = try #require(TileAddress.covering(node: 0, level: 0, size: size))
            let hashes = try await Self.fetch(client, "/logs/p/" + tile.path, token: ana)
            let stored = try await h.store.load("p")
            #expect(hashes.status == 200 && Self.hashes(hashes.bytes) == (0..<size).map { stored.tree.store.node(level: 0, index: $0)! })
        }
    }
}
