import ArmoryHub
import ArmoryLedger
import Hummingbird

/// Each production's log, read-only, as a tiled log (C2SP tlog-tiles) under
/// `/logs/<production>/`: its latest signed checkpoint, the tree's tiles and the entry
/// bundles. A mirror, an insurer or an investigator fetches and checks the log with tools
/// nobody here wrote (Go's sumdb/tlog reads it as is). The format is not JSON, so these
/// routes are written up in docs/FORMAT.md, not in the OpenAPI document. Anyone signed in
/// to the production reads them, as they read its entries and proofs.
extension ArmoryAPI {
    /// Tiles and bundles never change once written: cached for a year by the one who asked.
    static let immutable = "private, max-age=31536000, immutable"

    func registerTiles(_ router: Router<ArmoryContext>) {
        let logs = router.group("logs/:production", context: SignedInContext.self)
        logs.get("checkpoint") { _, ctx in try await self.tileCheckpoint(ctx) }
        logs.get("tile/**") { _, ctx in try await self.tile(ctx) }
    }

    /// The latest signed checkpoint, as a signed note. It changes as the log grows, so it is
    /// kept by no cache for more than a few seconds.
    func tileCheckpoint(_ ctx: SignedInContext) async throws -> Response {
        let s = try require(ctx)
        // Only what is stored: the checkpoints once no change is waiting for the store.
        guard let note = try await loaded(s.production).checkpoints.last else {
            throw APIError.notFound("production '\(s.production)' has no signed checkpoint yet; one is signed at every wrap, or on request")
        }
        return Response(status: .ok, headers: [.contentType: "text/plain; charset=utf-8", .cacheControl: "private, max-age=5"],
                        body: .init(byteBuffer: ByteBuffer(string: note.formatted)))
    }

    /// A tile of tree hashes (`tile/<L>/<N>[.p/<W>]`) or an entry bundle (`tile/entries/<N>[.p/<W>]`).
    func tile(_ ctx: SignedInContext) async throws -> Response {
        let s = try require(ctx)
        let segments = ctx.parameters.getCatchAll()
        guard let tile = TileAddress(segments: segments) else {
            throw APIError.notFound("'tile/\(segments.joined(separator: "/").prefix(80))' is not a tile: the paths are tile/<L>/<N>[.p/<W>] "
                + "and tile/entries/<N>[.p/<W>], N in groups of three digits (x001/234), as C2SP tlog-tiles writes them")
        }
        let bytes: [UInt8]?
        if tile.level == nil {
            let entries = try await answering(s.production) { try await hub.tileEntries(s.production, tile) }
            do { bytes = try entries.map(EntryBundle.encode) } catch {
                throw APIError.unprocessable("\(tile) cannot be written as an entry bundle: \(error)")
            }
        } else {
            bytes = try await answering(s.production) { try await hub.tileHashes(s.production, tile) }?.flatMap { $0 }
        }
        guard let bytes else {
            throw APIError.notFound("the log of production '\(s.production)' does not hold \(tile) yet"
                + (tile.partialWidth == nil ? "" : "; a partial tile is served for the sizes the log has reached"))
        }
        return Response(status: .ok, headers: [.contentType: "application/octet-stream", .cacheControl: Self.immutable],
                        body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
