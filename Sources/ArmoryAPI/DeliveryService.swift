import ArmoryDelivery
import ArmoryHub
import ArmoryStore
import Dispatch
import ServiceLifecycle
#if canImport(Glibc)
import Glibc
#endif

/// The delivery worker as one of the server's services: it starts with the server and
/// stops when the server shuts down gracefully (what it had not sent stays in the outbox).
public struct DeliveryService: Service {
    let worker: DeliveryWorker
    public init(worker: DeliveryWorker) { self.worker = worker }

    public func run() async throws {
        await cancelWhenGracefulShutdown { await worker.run() }
    }
}

/// Follows the appends other server processes make to a shared store, for as long as the server runs.
public struct OtherProcessesService: Service {
    let hub: ProductionHub
    public init(hub: ProductionHub) { self.hub = hub }

    public func run() async throws {
        await cancelWhenGracefulShutdown { await hub.followOtherProcesses() }
    }
}

/// Hands the memory the server has freed back to the system once a minute. glibc keeps
/// freed chunks in its per-thread arenas, so a server that runs for weeks shows a resident
/// size that keeps climbing though what it holds does not: under `scripts/soak` the live
/// heap stayed between 8.2 and 8.8 MB once the window of recent entries was full, while
/// the resident size went on rising. The trim runs on a thread of its own, never on the
/// cooperative pool.
public struct MemoryTrimService: Service {
    public static let interval = Duration.seconds(60)
    public init() {}

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try? await Task.sleep(for: Self.interval)
                if Task.isCancelled { return }
                await Self.trim()
            }
        }
    }

    /// glibc's `malloc_trim`, found at run time (the Glibc module does not declare it);
    /// nil with another C library.
    static let mallocTrim: (@convention(c) (Int) -> Int32)? = {
        #if canImport(Glibc)
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) (Int) -> Int32).self)
        #else
        return nil
        #endif
    }()

    /// Returns the free memory at the top and inside every arena to the system; nothing
    /// where the C library has no `malloc_trim`.
    public static func trim() async {
        guard let mallocTrim else { return }
        _ = await offPool(qos: .utility) { mallocTrim(0) }
    }
}

/// Submits checkpoints to the witnesses for as long as the server runs.
public struct WitnessService: Service {
    let worker: WitnessWorker
    public init(worker: WitnessWorker) { self.worker = worker }

    public func run() async throws {
        await cancelWhenGracefulShutdown { await worker.run() }
    }
}

extension WitnessClient: WitnessTransport {
    public func addCheckpoint(_ body: [UInt8], to peer: WitnessPeer) async throws -> (status: Int, body: [UInt8]) {
        try await addCheckpoint(body, url: peer.url)
    }
}
