import Dispatch
import Logging
import PNNCore
import PNNPhysics

/// A simulated physical system: a PNNPhysics model behind a reality gap, driven like a rig.
///
/// Measurements run off the actor on a Dispatch worker (the physics spreads a batch over all cores
/// with `concurrentPerform`, which must not block Swift's cooperative pool), one at a time and in
/// call order, so a seed reproduces the whole sequence of measurements. `health()` answers while a
/// measurement runs. Every run re-checks shapes and limits (the daemon already did; a simulator
/// should refuse what the rig would refuse).
///
/// Fault injection (`failAfter`): the run after that many successful measurements throws
/// `DeviceError.Code.fault`, and every later run throws it too — a faulted instrument stays faulted —
/// until `resetFault()`. Invalid batches are still rejected as `.invalidInput` first.
public actor SimulatedSystem: PhysicalSystem {
    public nonisolated let name: String
    public nonisolated let description: DeviceDescription
    /// The model a digital twin may know: nominal parameters, no unmodelled term.
    public nonisolated let nominal: any PhysicalModel
    /// Artificial delay before every batch, seconds.
    public nonisolated let latencySeconds: Double

    /// nil while a measurement holds it; runs queue in `waiting` (FIFO) for their turn.
    private var simulator: Simulator?
    private var waiting: [CheckedContinuation<Simulator, Never>] = []
    private var status: SystemStatus
    private let logger: Logger

    /// - Parameters:
    ///   - limits: defaults to `DeviceSpec.defaultLimits(for: .simulated(model.kind))`.
    ///   - failAfter: tests only, see the type's documentation.
    public init(
        name: String, model: any PhysicalModel, gap: RealityGap, seed: UInt64, limits: DriveLimits? = nil,
        latencySeconds: Double = 0, failAfter: Int? = nil, logger: Logger
    ) throws(DeviceError) {
        let limits = limits ?? DeviceSpec.defaultLimits(for: .simulated(model.kind))
        if let problem = limits.problem { throw DeviceError(.invalidConfiguration, "\(name): \(problem)") }
        guard latencySeconds.isFinite, latencySeconds >= 0 else {
            throw DeviceError(.invalidConfiguration, "\(name): latencySeconds must be ≥ 0, got \(latencySeconds)")
        }
        do throws(ModelError) {
            simulator = try Simulator(model: model, gap: gap, seed: seed)
        } catch {
            throw DeviceError(.invalidConfiguration, "\(name): \(error.message)")
        }
        self.name = name
        self.nominal = model
        self.latencySeconds = latencySeconds
        description = .simulated(name: name, model: model, gap: gap, limits: limits)
        status = SystemStatus(failAfter: failAfter)
        var logger = logger
        logger[metadataKey: "pnn.device"] = "\(name)"
        self.logger = logger
        logger.debug("simulated device ready", metadata: [
            "pnn.device.kind": "\(description.kind)", "pnn.device.gap": "\(description.gap)",
            "pnn.device.seed": "\(seed)",
        ])
    }

    public func run(input: Tensor<Float>, parameters: Tensor<Float>) async throws(DeviceError) -> Tensor<Float> {
        try status.admit()
        if let problem = description.checkShapes(input: input, parameters: parameters) {
            throw DeviceError(.invalidInput, problem)
        }
        if let violation = description.limits.check(input: input, parameters: parameters, order: description.driveOrder) {
            throw DeviceError(.invalidInput, violation.message)
        }
        status.inFlight += 1
        defer { status.inFlight -= 1 }
        // Only when there is a latency to wait out: `pause` is a nonisolated async call, so even one that
        // returns at once leaves this actor and comes back (two executor switches on every batch).
        if latencySeconds > 0 { try await status.pause(seconds: latencySeconds) }
        let held = await checkOut()
        // The device may have been closed or faulted while this run waited.
        do throws(DeviceError) {
            try status.admit()
            try status.fireInjectedFault()
        } catch {
            checkIn(held)
            if error.code == .fault { logger.debug("device faulted", metadata: ["pnn.error": "\(error.message)"]) }
            throw error
        }
        let (result, advanced) = await Self.measure(held, input, parameters)
        checkIn(advanced)
        switch result {
        case .success(let output):
            status.measurements += 1
            logger.trace("measured", metadata: ["pnn.batch": "\(input.shape[0])"])
            return output
        case .failure(let error):
            throw DeviceError(.invalidInput, error.message)
        }
    }

    public func health() -> DeviceHealth { status.health }

    /// Refuses new runs at once, then waits for the measurement in progress (if any) to finish.
    public func close() async {
        guard !status.closed else { return }
        status.closed = true
        let held = await checkOut()
        checkIn(held)
        logger.debug("closed")
    }

    /// Clears a fault (injected or not) and disarms `failAfter`: what an operator's reset would do.
    public func resetFault() {
        status.fault = nil
        status.failAfter = nil
    }

    /// Takes the simulator, waiting in line while another run measures.
    private func checkOut() async -> Simulator {
        if let free = simulator {
            simulator = nil
            return free
        }
        return await withCheckedContinuation { waiting.append($0) }
    }

    /// Returns the simulator, handing it straight to the next run in line.
    private func checkIn(_ held: Simulator) {
        if waiting.isEmpty {
            simulator = held
        } else {
            waiting.removeFirst().resume(returning: held)
        }
    }

    /// One measurement on a Dispatch worker; returns the simulator with its advanced noise/drift state.
    private static func measure(
        _ simulator: Simulator, _ x: Tensor<Float>, _ theta: Tensor<Float>
    ) async -> (Result<Tensor<Float>, ModelError>, Simulator) {
        await withCheckedContinuation { continuation in
            DispatchQueue.global(qos: .userInitiated).async {
                var simulator = simulator
                let result = Result { () throws(ModelError) -> Tensor<Float> in try simulator.measure(x, theta) }
                continuation.resume(returning: (result, simulator))
            }
        }
    }
}
