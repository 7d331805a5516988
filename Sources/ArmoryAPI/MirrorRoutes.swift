import ArmoryCore
import ArmoryDelivery
import ArmoryHub
import ArmoryLedger
import Foundation
import Hummingbird
import ServiceLifecycle

/// The studio's mirror routes (C2SP tlog-mirror, docs/FORMAT.md), on a server that has
/// productions registered to mirror (`armory serve --mirror-from`). Each request carries
/// the set's token for the production (`Authorization: Bearer`), checked before the body
/// is read; the set's signature, consistency and every decision are checked before
/// anything is stored (`MirrorReceiver`).
extension ArmoryAPI {
    func registerMirror(_ router: Router<ArmoryContext>) {
        guard let receiver = mirrorReceiver else { return }
        router.post("mirror/add-checkpoint") { req, _ in
            try await Self.mirrorAnswer(req, receiver, limit: AddCheckpoint.maximumBodyLength) { await receiver.addCheckpoint($0, token: $1) }
        }
        router.post("mirror/add-entries") { req, _ in
            try await Self.mirrorAnswer(req, receiver, limit: MirrorReceiver.maximumBody) { await receiver.addEntries($0, token: $1) }
        }
    }

    static func mirrorAnswer(_ req: Request, _ receiver: MirrorReceiver, limit: Int,
                             _ handle: ([UInt8], String) async -> MirrorReceiver.Answer) async throws -> Response {
        guard let header = req.headers[.authorization], header.hasPrefix("Bearer "), receiver.knows(String(header.dropFirst(7))) else {
            return Response(status: .unauthorized, headers: [.contentType: "text/plain; charset=utf-8", .wwwAuthenticate: "Bearer"],
                            body: .init(byteBuffer: ByteBuffer(string: "a set sends its production's mirror token as a bearer token\n")))
        }
        var req = req
        let body: ByteBuffer
        do { body = try await req.collectBody(upTo: limit) } catch {
            return Response(status: .contentTooLarge, headers: [.contentType: "text/plain; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(string: "the body is over \(limit) bytes: send fewer packages at once\n")))
        }
        let a = await handle(Array(body.readableBytesView), String(header.dropFirst(7)))
        return Response(status: .init(code: a.status), headers: [.contentType: a.type, .cacheControl: "no-store"],
                        body: .init(byteBuffer: ByteBuffer(string: a.body)))
    }

    /// What a production's pages say about mirroring: on the studio, how far behind the
    /// set its copy is (and any fork seen); on the set, how far the studio holds it.
    public func mirrorBanner(_ production: String) -> String? {
        if let receiver = mirrorReceiver, hub.mirrored[production] != nil {
            let (standing, forks) = receiver.status(production)
            var text: String
            if let standing {
                let minutes = Int(clock().timeIntervalSince(standing.received) / 60)
                text = "Mirrored from the set: as of checkpoint \(standing.size), received \(Self.clockTime(standing.received)) UTC, "
                    + "\(minutes) minute\(minutes == 1 ? "" : "s") behind. It is recorded on the set; this copy only follows it."
            } else {
                text = "Mirrored from the set: nothing received since this server started. It is recorded on the set; this copy only follows it."
            }
            if let last = forks.last {
                text += " A FORK WAS REFUSED at \(Self.clockTime(last.at)) UTC: \(last.reason). The set's log is not the one held here."
            }
            return text
        }
        if let worker = mirrorWorker {
            guard let held = worker.holds(production) else { return "Not yet mirrored to the studio." }
            return "Mirrored to the studio up to entry \(held.size - 1) (checkpoint \(held.size), \(Self.clockTime(held.at)) UTC)."
        }
        return nil
    }

    static func clockTime(_ date: Date) -> String {
        let s = Int(date.timeIntervalSince1970) % 86_400
        return String(format: "%02d:%02d", s / 3600, s % 3600 / 60)
    }
}

extension MirrorClient: MirrorTransport {}

/// Sends each production's log to the studio for as long as the server runs.
public struct MirrorService: Service {
    let worker: MirrorWorker
    public init(worker: MirrorWorker) { self.worker = worker }

    public func run() async throws {
        try await cancelWhenGracefulShutdown { await worker.run() }
    }
}
