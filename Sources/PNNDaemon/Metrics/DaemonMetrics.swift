import CoreMetrics
import Metrics
import Prometheus
import PNNProtocol
import Synchronization

/// pnnd's metrics, created through an injected factory so tests and several in-process daemons never
/// share global state; handles are cached per label set.
///
/// Names follow Prometheus conventions: `pnn_requests_total{device,kind,code}`,
/// `pnn_request_duration_seconds{device,kind}`, `pnn_queue_depth{device}`, `pnn_device_state{device,state}`,
/// `pnn_connections`. Label values come from bounded sets only: configured device names (or `-` /
/// `unknown`), operation names and error codes — never ids or client strings.
public final class DaemonMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    private let factory: PrometheusMetricsFactory
    private let counters = Mutex<[String: CoreMetrics.Counter]>([:])
    private let timers = Mutex<[String: Metrics.Timer]>([:])
    private let gauges = Mutex<[String: CoreMetrics.Gauge]>([:])

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2.5),
            .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
            .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5), .seconds(10),
        ]
        self.factory = factory
    }

    /// Cache key of the per-request handles: a struct rather than an interpolated string, so counting a
    /// request allocates nothing.
    private struct RequestKey: Hashable {
        var device: String
        var kind: String
        var code: String
    }

    private let requestHandles = Mutex<[RequestKey: (counter: CoreMetrics.Counter, timer: Metrics.Timer)]>([:])

    func request(device: String, kind: String, code: String, duration: Duration) {
        let key = RequestKey(device: device, kind: kind, code: code)
        let handles = requestHandles.withLock { cache in
            if let h = cache[key] { return h }
            let h = (counter: counter(device: device, kind: kind, code: code), timer: timer(device: device, kind: kind))
            cache[key] = h
            return h
        }
        handles.counter.increment()
        handles.timer.record(duration: duration)
    }

    private func counter(device: String, kind: String, code: String) -> CoreMetrics.Counter {
        let key = "\(device)|\(kind)|\(code)"
        return counters.withLock { cache in
            if let c = cache[key] { return c }
            let c = CoreMetrics.Counter(label: "pnn_requests_total",
                            dimensions: [("device", device), ("kind", kind), ("code", code)], factory: factory)
            cache[key] = c
            return c
        }
    }

    private func timer(device: String, kind: String) -> Metrics.Timer {
        let timerKey = "\(device)|\(kind)"
        return timers.withLock { cache in
            if let t = cache[timerKey] { return t }
            let t = Metrics.Timer(label: "pnn_request_duration_seconds",
                                  dimensions: [("device", device), ("kind", kind)], factory: factory)
            cache[timerKey] = t
            return t
        }
    }

    /// The gauges of one device, looked up once by its worker: the run path sets them twice per batch,
    /// and building their cache keys (string joins) cost more than an echo batch itself.
    struct DeviceGauges: Sendable {
        fileprivate let queueDepth: CoreMetrics.Gauge
        /// In the order of `DeviceStateName.allCases`.
        fileprivate let states: [CoreMetrics.Gauge]

        func setQueueDepth(_ depth: Int) {
            queueDepth.record(depth)
        }

        func setState(_ state: DeviceStateName) {
            for (s, gauge) in zip(DeviceStateName.allCases, states) { gauge.record(s == state ? 1 : 0) }
        }

        /// A change of state: the old state's gauge to 0 and the new one's to 1, instead of writing every
        /// state's gauge (each run changes state twice, and every gauge is a cache line of its own).
        func changeState(from old: DeviceStateName, to new: DeviceStateName) {
            guard old != new else { return }
            if let i = DeviceStateName.allCases.firstIndex(of: old) { states[i].record(0) }
            if let i = DeviceStateName.allCases.firstIndex(of: new) { states[i].record(1) }
        }
    }

    func deviceGauges(device: String) -> DeviceGauges {
        DeviceGauges(queueDepth: gauge("pnn_queue_depth", [("device", device)]),
                     states: DeviceStateName.allCases.map { gauge("pnn_device_state", [("device", device), ("state", $0.rawValue)]) })
    }

    func setConnections(_ count: Int) {
        gauge("pnn_connections", []).record(count)
    }

    private func gauge(_ label: String, _ dimensions: [(String, String)]) -> CoreMetrics.Gauge {
        let key = label + dimensions.map { "|\($0.0)=\($0.1)" }.joined()
        return gauges.withLock { cache in
            if let g = cache[key] { return g }
            let g = CoreMetrics.Gauge(label: label, dimensions: dimensions, factory: factory)
            cache[key] = g
            return g
        }
    }

    /// The Prometheus text exposition of everything above.
    public func exposition() -> String {
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }
}
