import ArmoryCore
import Foundation
import Hummingbird
import Metrics
import Prometheus
import Synchronization

/// The server's metrics, in its own Prometheus registry (swift-metrics API, Prometheus
/// exposition at `/metrics`): requests and latencies by route and status, refusals and
/// alarms by rule, and each production's log size.
public final class ArmoryMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    let factory: PrometheusMetricsFactory

    public init() {
        registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [.milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25),
                                                   .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(1000)]
        self.factory = factory
    }

    /// Counts a recorded entry's outcome by rule, and sets the log's size.
    public func recorded(production: String, decision: Decision, logSize: Int) {
        switch decision.outcome {
        case .refused:
            for r in decision.rules { handles.counter("armory_refusals_total", [("rule", r.rawValue)], factory).increment() }
        case .alarm:
            for r in decision.rules { handles.counter("armory_alarms_total", [("rule", r.rawValue)], factory).increment() }
        case .ok:
            break
        }
        handles.gauge("armory_log_entries", [("production", production)], factory).record(logSize)
    }

    /// Counts a delivery attempt by channel and what came of it (delivered, retry, failed, gone).
    public func delivered(channel: String, outcome: String) {
        handles.counter("armory_deliveries_total", [("channel", channel), ("outcome", outcome)], factory).increment()
    }

    /// The outbox's depth, and how long its oldest undelivered alarm has waited.
    public func outbox(pending: Int, oldestAgeSeconds: Int) {
        handles.gauge("armory_outbox_pending", [], factory).record(pending)
        handles.gauge("armory_outbox_oldest_age_seconds", [], factory).record(oldestAgeSeconds)
    }

    func middleware() -> RequestMetrics { RequestMetrics(factory: factory, handles: handles) }

    /// Each metric's handle, made once per label set: making one asks the registry, under
    /// its lock, and checks its name, on every request otherwise.
    let handles = MetricHandles()
}

final class MetricHandles: Sendable {
    let counters = Mutex<[[String]: Metrics.Counter]>([:])
    let timers = Mutex<[[String]: Metrics.Timer]>([:])
    let gauges = Mutex<[[String]: Metrics.Gauge]>([:])

    func counter(_ label: String, _ dimensions: [(String, String)], _ factory: PrometheusMetricsFactory) -> Metrics.Counter {
        handle(counters, label, dimensions) { Metrics.Counter(label: label, dimensions: dimensions, factory: factory) }
    }

    func timer(_ label: String, _ dimensions: [(String, String)], _ factory: PrometheusMetricsFactory) -> Metrics.Timer {
        handle(timers, label, dimensions) { Metrics.Timer(label: label, dimensions: dimensions, factory: factory) }
    }

    func gauge(_ label: String, _ dimensions: [(String, String)], _ factory: PrometheusMetricsFactory) -> Metrics.Gauge {
        handle(gauges, label, dimensions) { Metrics.Gauge(label: label, dimensions: dimensions, factory: factory) }
    }

    func handle<H: Sendable>(_ book: borrowing Mutex<[[String]: H]>, _ label: String, _ dimensions: [(String, String)], _ make: () -> H) -> H {
        let key = [label] + dimensions.flatMap { [$0.0, $0.1] }
        if let h = book.withLock({ $0[key] }) { return h }
        let h = make()
        book.withLock { $0[key] = h }
        return h
    }
}

/// Counts every request and times it, by route pattern (never the raw path, which holds ids).
struct RequestMetrics: RouterMiddleware {
    typealias Context = ArmoryContext
    let factory: PrometheusMetricsFactory
    let handles: MetricHandles

    func handle(_ request: Request, context: ArmoryContext, next: (Request, ArmoryContext) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        var status = 500
        defer {
            let route = context.endpointPath ?? "unmatched"
            let dims = [("method", request.method.rawValue), ("route", route), ("status", String(status))]
            handles.counter("armory_http_requests_total", dims, factory).increment()
            handles.timer("armory_http_request_duration_seconds", [("method", request.method.rawValue), ("route", route)], factory)
                .record(duration: ContinuousClock.now - start)
        }
        do {
            let response = try await next(request, context)
            status = response.status.code
            return response
        } catch let e as HTTPResponseError {
            status = e.status.code
            throw e
        }
    }
}
