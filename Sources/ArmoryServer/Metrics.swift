import ArmoryCore
import Foundation
import Hummingbird
import Metrics
import Prometheus

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
            for r in decision.rules { Counter(label: "armory_refusals_total", dimensions: [("rule", r.rawValue)], factory: factory).increment() }
        case .alarm:
            for r in decision.rules { Counter(label: "armory_alarms_total", dimensions: [("rule", r.rawValue)], factory: factory).increment() }
        case .ok:
            break
        }
        Gauge(label: "armory_log_entries", dimensions: [("production", production)], factory: factory).record(logSize)
    }

    func middleware() -> RequestMetrics { RequestMetrics(factory: factory) }
}

/// Counts every request and times it, by route pattern (never the raw path, which holds ids).
struct RequestMetrics: RouterMiddleware {
    typealias Context = ArmoryContext
    let factory: PrometheusMetricsFactory

    func handle(_ request: Request, context: ArmoryContext, next: (Request, ArmoryContext) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        var status = 500
        defer {
            let route = context.endpointPath ?? "unmatched"
            let dims = [("method", request.method.rawValue), ("route", route), ("status", String(status))]
            Counter(label: "armory_http_requests_total", dimensions: dims, factory: factory).increment()
            Metrics.Timer(label: "armory_http_request_duration_seconds", dimensions: [("method", request.method.rawValue), ("route", route)], factory: factory)
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
