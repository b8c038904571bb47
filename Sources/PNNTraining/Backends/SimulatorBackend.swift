import PNNCore
import PNNPhysics
import Synchronization

/// The simulator in this process: same physics and reality gap as a simulated pnnd device, without the
/// socket. Used by tests and by `pnn-bench train` to isolate the protocol's share of training time.
///
/// Measurements are Float32-rounded like the wire format, so results match the daemon path.
public final class SimulatorBackend: PhysicalBackend {
    private let simulator: Mutex<Simulator>
    public let shape: ModelShape
    public let limits: DriveLimits
    public let label: String
    public let repeatsExactly: Bool
    private let counter = CallCounter()

    public init(simulator: Simulator, limits: DriveLimits, label: String = "simulator") {
        self.simulator = Mutex(simulator)
        self.shape = simulator.shape
        self.limits = limits
        self.label = label
        repeatsExactly = simulator.gap.isNone
    }

    public var calls: Int { counter.calls }
    /// Rows driven so far (samples × acquisitions).
    public var drivenRows: Int { counter.samples }
    /// Time spent measuring (all of it is device time here).
    public var time: MeasurementTime { counter.time }

    public func measure(_ x: Tensor<Double>, _ theta: [Double]) async throws(TrainingError) -> Tensor<Double> {
        let clock = ContinuousClock()
        let start = clock.now
        let x32 = x.converted(to: Float.self), theta32 = Tensor(theta).converted(to: Float.self)
        let result: Result<Tensor<Float>, ModelError> = simulator.withLock { sim in
            do throws(ModelError) { return .success(try sim.measure(x32, theta32)) } catch { return .failure(error) }
        }
        switch result {
        case .success(let y):
            counter.record(samples: x.shape[0])
            let elapsed = (clock.now - start).seconds
            counter.add(waitSeconds: elapsed, deviceSeconds: elapsed)
            return y.converted(to: Double.self)
        case .failure(let error):
            throw TrainingError(.device, "simulator: \(error)")
        }
    }
}

/// In-silico "measurement": the twin's own prediction. Training against it is training the twin alone.
public final class TwinBackend: PhysicalBackend {
    public let twin: any Twin
    public let limits: DriveLimits
    private let counter = CallCounter()

    public init(twin: any Twin, limits: DriveLimits) {
        self.twin = twin
        self.limits = limits
    }

    public var label: String { "twin" }
    public var shape: ModelShape { twin.shape }
    public var calls: Int { counter.calls }
    /// Rows driven so far (samples × acquisitions).
    public var drivenRows: Int { counter.samples }
    public var repeatsExactly: Bool { true }

    public func measure(_ x: Tensor<Double>, _ theta: [Double]) async throws(TrainingError) -> Tensor<Double> {
        counter.record(samples: x.shape[0])
        return try twin.predict(x, theta)
    }
}
