import PNNClient
import PNNCore
import PNNPhysics
import Synchronization

/// Where a physical layer's forward pass happens: the device through pnnd (the normal path), an
/// in-process simulator (tests, benchmarks), or a twin (in-silico training).
///
/// Backends are reference types: the channels of a wide layer share one, and `Parallel` recognises
/// that by identity to pipeline their measurements.
public protocol PhysicalBackend: AnyObject, Sendable {
    /// Human-readable origin of the measurements ("pnnd:/run/pnn/pnnd.sock/shg0", "simulator", …).
    var label: String { get }
    var shape: ModelShape { get }
    /// The device's drive limits; physical layers clamp drive and parameters into [minimum, maximum].
    var limits: DriveLimits { get }
    /// y [B×M] measured for x [B×N] at θ [P].
    func measure(_ x: Tensor<Double>, _ theta: [Double]) async throws(TrainingError) -> Tensor<Double>
    /// Several independent measurements, taken in this order (so a noisy device gives the same
    /// readings as one `measure` after another); a backend may overlap their transport.
    func measure(batches: [(x: Tensor<Double>, theta: [Double])]) async throws(TrainingError) -> [Tensor<Double>]
    /// As `measure(batches:)`, each sample's reading the mean of `acquisitions` readings taken in a row.
    /// The default sends every sample `acquisitions` times in one batch and averages here (or measures
    /// once when the backend `repeatsExactly`); a backend whose device averages itself passes the count on.
    func measure(batches: [(x: Tensor<Double>, theta: [Double])], acquisitions: Int) async throws(TrainingError)
        -> [Tensor<Double>]
    /// Starts `measure(batches:acquisitions:)` and returns before its readings where the backend can
    /// (pnnd: the requests are sent, and the device measures while the caller works); others measure
    /// at once. Measurements are taken in the order they are submitted; `collect` returns them.
    func submit(batches: [(x: Tensor<Double>, theta: [Double])], acquisitions: Int) async throws(TrainingError)
        -> PendingMeasurement
    /// The readings of one `submit`, waiting for them if they are not in yet. Every submission is
    /// collected exactly once, in any order.
    func collect(_ pending: PendingMeasurement) async throws(TrainingError) -> [Tensor<Double>]
    /// Batches that may be submitted and not yet collected at once (pnnd's device queue); a backend that
    /// measures at once has no limit.
    var submissionWindow: Int { get }
    /// Measurements made so far (each one batch).
    var calls: Int { get }
    /// True when measuring the same drive again gives the same reading (a twin, a gap-free simulator),
    /// so averaging repeated acquisitions would only cost time.
    var repeatsExactly: Bool { get }
}

extension PhysicalBackend {
    public var repeatsExactly: Bool { false }
    public var submissionWindow: Int { .max }

    public func submit(batches: [(x: Tensor<Double>, theta: [Double])], acquisitions: Int) async throws(TrainingError)
        -> PendingMeasurement
    {
        PendingMeasurement(.measured(try await measure(batches: batches, acquisitions: acquisitions)))
    }

    public func collect(_ pending: PendingMeasurement) async throws(TrainingError) -> [Tensor<Double>] {
        guard case .measured(let readings) = pending.state else {
            throw TrainingError(.invalidArgument, "\(label) cannot collect a measurement another backend submitted")
        }
        return readings
    }

    public func measure(batches: [(x: Tensor<Double>, theta: [Double])]) async throws(TrainingError) -> [Tensor<Double>] {
        var outputs: [Tensor<Double>] = []
        for batch in batches { outputs.append(try await measure(batch.x, batch.theta)) }
        return outputs
    }

    public func measure(batches: [(x: Tensor<Double>, theta: [Double])], acquisitions: Int) async throws(TrainingError)
        -> [Tensor<Double>]
    {
        try await averagingHere(batches: batches, acquisitions: acquisitions)
    }

    /// Every sample sent `acquisitions` times in a row in one batch, and averaged on this side.
    func averagingHere(batches: [(x: Tensor<Double>, theta: [Double])], acquisitions: Int) async throws(TrainingError)
        -> [Tensor<Double>]
    {
        let repeats = repeatsExactly ? 1 : acquisitions
        guard repeats > 1 else { return try await measure(batches: batches) }
        let readings = try await measure(batches: batches.map { ($0.x.repeatingEachRow(repeats), $0.theta) })
        var means: [Tensor<Double>] = []
        for (k, y) in readings.enumerated() {
            let rows = batches[k].x.shape[0] * repeats
            guard y.rank == 2, y.shape[0] == rows else {
                throw TrainingError(.device, "\(label) returned readings of shape \(y.shape) for \(rows) driven rows")
            }
            means.append(y.meanOfConsecutiveRows(repeats))
        }
        return means
    }
}

/// Measurements a backend has taken on (`PhysicalBackend.submit`) and not yet handed back.
public struct PendingMeasurement: Sendable {
    enum State: Sendable {
        /// Measured at once; the readings.
        case measured([Tensor<Double>])
        /// On pnnd's socket.
        case sent(DaemonSubmission)
    }

    let state: State
    init(_ state: State) { self.state = state }
}

/// Where a backend's measurements spent their time (`pnn-bench train` splits the protocol's share
/// with it): the caller's wall time inside `measure`, and the part the device itself reports as
/// measuring (pnnd's `deviceSeconds`; in process the two are the same).
public struct MeasurementTime: Sendable, Equatable {
    public var waitSeconds = 0.0
    public var deviceSeconds = 0.0
    public init() {}
}

/// Counts calls, samples and time from any thread without an actor hop (backends are shared by layers).
final class CallCounter: Sendable {
    private let state = Mutex<(calls: Int, samples: Int, time: MeasurementTime)>((0, 0, MeasurementTime()))

    func record(samples: Int) { state.withLock { $0.calls += 1; $0.samples += samples } }
    func add(waitSeconds: Double, deviceSeconds: Double) {
        state.withLock {
            $0.time.waitSeconds += waitSeconds
            $0.time.deviceSeconds += deviceSeconds
        }
    }
    var calls: Int { state.withLock { $0.calls } }
    var samples: Int { state.withLock { $0.samples } }
    var time: MeasurementTime { state.withLock { $0.time } }
}
