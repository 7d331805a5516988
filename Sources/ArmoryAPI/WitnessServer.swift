import ArmoryLedger
import ArmoryStore
import Crypto
import Foundation
import Hummingbird
import Logging

/// An insurer's or union's witness as a service (C2SP tlog-witness): a log posts each new
/// checkpoint with a consistency proof from the last one this witness cosigned, and gets the
/// cosignature back only if the checkpoint extends it. Nothing but the log's signature
/// authenticates a request, as the protocol has it; a signed request that shows the log with
/// two histories is kept as evidence. `armory witness serve` runs it.
public struct WitnessServer: Sendable {
    public let rules: WitnessRules
    public let store: WitnessStore
    let clock: @Sendable () -> UInt64
    let logger: Logger
    /// Each followed origin by the hex SHA-256 of its name: how the monitoring path names it.
    let byDigest: [String: String]

    public init(rules: WitnessRules, store: WitnessStore, logger: Logger,
                clock: @escaping @Sendable () -> UInt64 = { UInt64(Date().timeIntervalSince1970) }) {
        self.rules = rules
        self.store = store
        self.logger = logger
        self.clock = clock
        byDigest = Dictionary(uniqueKeysWithValues: rules.logs.keys.map { (Self.digest($0), $0) })
    }

    /// The hex SHA-256 of an origin line.
    public static func digest(_ origin: String) -> String {
        SessionBook.hex(SHA256.hash(data: Array(origin.utf8)))
    }

    public func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.get("/health") { _, _ in Self.text(.ok, "ok\n") }
        router.post("/add-checkpoint") { req, _ in try await self.addCheckpoint(req) }
        router.get("/:origin/checkpoint") { _, ctx in try await self.checkpoint(ctx.parameters.require("origin")) }
        return router
    }

    static func text(_ status: HTTPResponse.Status, _ body: String, type: String = "text/plain; charset=utf-8") -> Response {
        Response(status: status, headers: [.contentType: type, .cacheControl: "no-store"], body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    func addCheckpoint(_ req: Request) async throws -> Response {
        var req = req
        let body: ByteBuffer
        do { body = try await req.collectBody(upTo: AddCheckpoint.maximumBodyLength) } catch {
            return Self.text(.contentTooLarge, "the body is over \(AddCheckpoint.maximumBodyLength) bytes\n")
        }
        let a = try await answer(Array(body.readableBytesView))
        return Self.text(.init(code: a.status), a.body, type: a.type)
    }

    /// The answer to one `add-checkpoint` body: status, content type and body, the state
    /// stored before it is given.
    public func answer(_ body: [UInt8]) async throws -> (status: Int, type: String, body: String) {
        let plain = "text/plain; charset=utf-8"
        let request: AddCheckpoint
        do { request = try AddCheckpoint(body: body) } catch {
            return (400, plain, error.message + "\n")
        }
        switch try await store.add(request, rules: rules, at: clock()) {
        case let .success(lines):
            logger.info("cosigned", metadata: ["origin": "\(request.checkpoint.origin)", "size": "\(request.checkpoint.size)"])
            return (200, plain, lines)
        case let .failure(refusal):
            let level: Logger.Level = refusal.isEvidenceOfAFork ? .error : .info
            logger.log(level: level, "refused: \(refusal.message)", metadata: ["origin": "\(request.checkpoint.origin)", "status": "\(refusal.status)"])
            if let size = refusal.latestSize {
                return (refusal.status, TlogSize.contentType, TlogSize.text(size))
            }
            return (refusal.status, plain, refusal.message + "\n")
        }
    }

    /// The checkpoint last cosigned for a followed log, with its signatures.
    func checkpoint(_ digest: String) async throws -> Response {
        guard let origin = byDigest[digest] else { return Self.text(.notFound, "this witness follows no log whose origin hashes to '\(digest.prefix(64))'\n") }
        guard let note = try await store.latest(origin: origin) else { return Self.text(.notFound, "nothing cosigned yet for '\(origin)'\n") }
        return Self.text(.ok, note)
    }
}
