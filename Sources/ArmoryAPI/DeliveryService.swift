import ArmoryHub
import ServiceLifecycle

/// The delivery worker as one of the server's services: it starts with the server and
/// stops when the server shuts down gracefully (what it had not sent stays in the outbox).
public struct DeliveryService: Service {
    let worker: DeliveryWorker
    public init(worker: DeliveryWorker) { self.worker = worker }

    public func run() async throws {
        try await cancelWhenGracefulShutdown { await worker.run() }
    }
}

/// Follows the appends other server processes make to a shared store, for as long as the server runs.
public struct OtherProcessesService: Service {
    let hub: ProductionHub
    public init(hub: ProductionHub) { self.hub = hub }

    public func run() async throws {
        try await cancelWhenGracefulShutdown { await hub.followOtherProcesses() }
    }
}
