import ArmoryAPI
import ArmoryPages
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

// The server is wired here, and only here: the API (ArmoryAPI) and the pages (ArmoryPages,
// which use the API's services) on one router. Dependencies run one way, Hub <- API <-
// Pages <- Server, so neither the API nor the pages know of this module; `armory serve`
// (and so the server benchmarks) and the tests all run the server this file builds.

/// Every route of the server: the API's, then the pages', behind the API's authentication,
/// metrics and cross-site checks.
public func buildRouter(api: ArmoryAPI) -> Router<ArmoryContext> {
    let router = api.router()
    Pages(api: api).register(on: router)
    return router
}

/// The application `armory serve` runs: the API and pages, with a bound on how long a
/// connection may idle and how many may be open.
public func buildApplication(api: ArmoryAPI, logger: Logger,
                             onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }) -> some ApplicationProtocol {
    let options = api.options
    let gate = ConnectionGate(limit: options.maximumConnections, logger: logger)
    let http = HTTP1Channel.Configuration(additionalChannelHandlers: [ConnectionLimiter(gate: gate)],
                                          idleTimeout: .seconds(Int64(options.idleTimeout)))
    // Alarms go out to those not watching a screen for as long as the server runs.
    // Live entries and alarms recorded by other processes on a shared store reach this one's screens.
    // Freed memory goes back to the system as the server runs for weeks.
    let services: [any Service] = (api.delivery.map { [DeliveryService(worker: $0)] } ?? [])
        + (api.hub.storeIsShared ? [OtherProcessesService(hub: api.hub)] : []) + [MemoryTrimService()]
        // Each new checkpoint goes to the witnesses while the server runs.
        + (api.witnesses.map { [WitnessService(worker: $0)] } ?? [])
        // And each production's log to the studio, whenever the link is up.
        + (api.mirrorWorker.map { [MirrorService(worker: $0)] } ?? [])
        // The studio reads back what it kept of its mirrors.
        + (api.mirrorReceiver.map { [MirrorRestoreService(receiver: $0, logger: logger)] } ?? [])
    return Application(router: buildRouter(api: api), server: .http1(configuration: http),
                       configuration: .init(address: .hostname(options.host, port: options.port), serverName: "Armory"),
                       services: services,
                       onServerRunning: { channel in
                           api.listening(host: options.host, port: channel.localAddress?.port ?? options.port)
                           await onServerRunning(channel)
                       }, logger: logger)
}

/// How many connections are open, shared by every connection's `ConnectionLimiter`.
final class ConnectionGate: Sendable {
    let limit: Int
    let open = Atomic<Int>(0)
    let logger: Logger

    init(limit: Int, logger: Logger) {
        self.limit = limit
        self.logger = logger
    }
}

/// Closes a connection that would take the server past its limit.
final class ConnectionLimiter: ChannelInboundHandler, RemovableChannelHandler {
    // Parts pass through untouched; only the connection is counted.
    typealias InboundIn = NIOAny
    let gate: ConnectionGate
    var counted = false

    init(gate: ConnectionGate) { self.gate = gate }

    func handlerAdded(context: ChannelHandlerContext) {
        let now = gate.open.add(1, ordering: .relaxed).newValue
        counted = true
        if now > gate.limit {
            gate.logger.warning("connection refused: \(gate.limit) connections are open already")
            context.close(promise: nil)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        if counted {
            gate.open.subtract(1, ordering: .relaxed)
            counted = false
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        context.fireChannelRead(data)
    }
}

/// The application `armory witness serve` runs: the witness's three routes, nothing else.
public func buildWitnessApplication(_ witness: WitnessServer, host: String, port: Int, logger: Logger,
                                    onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }) -> some ApplicationProtocol {
    Application(router: witness.router(), configuration: .init(address: .hostname(host, port: port), serverName: "Armory witness"),
                onServerRunning: onServerRunning, logger: logger)
}
