import ArmoryCore
import ArmoryDelivery
import ArmoryHub
import ArmoryLedger
import Foundation
import Hummingbird
import Logging
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
        // The concerns raised here for a set's production, handed to the set (docs/FORMAT.md).
        router.post("mirror/concerns") { req, _ in
            try await Self.mirrorAnswer(req, receiver, limit: ConcernExchange.maximumBodyLength) { await receiver.concerns($0, token: $1) }
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
                            body: .init(byteBuffer: ByteBuffer(string: "the body is over \(limit) bytes" + (limit == MirrorReceiver.maximumBody ? ": send fewer packages at once" : "") + "\n")))
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
            let concerns = receiver.concernStatus(production)
            if concerns.waiting > 0 {
                text += " \(concerns.waiting) concern\(concerns.waiting == 1 ? "" : "s") raised here wait\(concerns.waiting == 1 ? "s" : "") for the set to be connected."
            }
            if let last = concerns.lastRecorded, let entry = last.recorded {
                text += " The concern raised here at \(last.raised) is recorded on the set as entry \(entry)."
            }
            return text
        }
        if let worker = mirrorWorker {
            guard let held = worker.holds(production) else { return "Not yet mirrored to the studio." }
            let handed = worker.concernsRecorded(production)
            return "Mirrored to the studio up to entry \(held.size - 1) (checkpoint \(held.size), \(Self.clockTime(held.at)) UTC)."
                + (handed > 0 ? " \(handed) concern\(handed == 1 ? "" : "s") raised at the studio recorded here since this server started." : "")
        }
        return nil
    }

    static func clockTime(_ date: Date) -> String {
        let s = Int(date.timeIntervalSince1970) % 86_400
        return String(format: "%02d:%02d", s / 3600, s % 3600 / 60)
    }
}

extension MirrorClient: MirrorTransport {}

/// On the studio: reads back, as the server starts, how each mirrored production stood, its
/// forks and the concerns waiting for its set (asked again every few seconds until the store answers).
public struct MirrorRestoreService: Service {
    let receiver: MirrorReceiver
    let logger: Logger
    public init(receiver: MirrorReceiver, logger: Logger) {
        self.receiver = receiver
        self.logger = logger
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await receiver.restore()
                    break
                } catch {
                    logger.warning("what the studio kept of its mirrors could not be read yet: \(error)")
                    try? await Task.sleep(for: .seconds(5))
                }
            }
            // Runs as long as the server does.
            while !Task.isCancelled { try? await Task.sleep(for: .seconds(3600)) }
        }
    }
}

/// Sends each production's log to the studio for as long as the server runs.
public struct MirrorService: Service {
    let worker: MirrorWorker
    public init(worker: MirrorWorker) { self.worker = worker }

    public func run() async throws {
        await cancelWhenGracefulShutdown { await worker.run() }
    }
}
