import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import Synchronization

extension ServerOptions {
    /// Seconds a connection may sit without a whole request (headers still arriving, or
    /// nothing between two requests) before it is closed: a slow client holds nothing for ever.
    public static let defaultIdleTimeout = 30
    /// Connections held open at once; past it a new one is closed at once, so the server
    /// keeps the descriptors it needs for its store and for `/health`.
    public static let defaultMaximumConnections = 1_000
}

/// The application `armory serve` runs: the API and pages, with a bound on how long a
/// connection may idle and how many may be open.
public func buildApplication(api: ArmoryAPI, logger: Logger,
                             onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }) -> some ApplicationProtocol {
    let options = api.options
    let gate = ConnectionGate(limit: options.maximumConnections, logger: logger)
    let http = HTTP1Channel.Configuration(additionalChannelHandlers: [ConnectionLimiter(gate: gate)],
                                          idleTimeout: .seconds(Int64(options.idleTimeout)))
    return Application(router: api.router(), server: .http1(configuration: http),
                       configuration: .init(address: .hostname(options.host, port: options.port), serverName: "Armory"),
                       onServerRunning: onServerRunning, logger: logger)
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
