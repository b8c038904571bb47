import Logging
import PNNCore
import PNNPhysics

/// A device that returns its input: y = x [B×N], θ [P] checked for shape and otherwise ignored.
///
/// For protocol tests and benchmarks, so it does no physics and does not re-check the drive limits
/// (the daemon has); latency and fault injection behave as in `SimulatedSystem`.
public actor EchoSystem: PhysicalSystem {
    public nonisolated let name: String
    public nonisolated let description: DeviceDescription
    /// Artificial delay before every batch, seconds.
    public nonisolated let latencySeconds: Double

    private var status: SystemStatus
    private let logger: Logger

    /// - Parameter limits: defaults to `DeviceSpec.defaultLimits(for: .echo)` (±10⁶).
    public init(
        name: String, inputs: Int, parameters: Int = 0, limits: DriveLimits? = nil, latencySeconds: Double = 0,
        failAfter: Int? = nil, logger: Logger
    ) throws(DeviceError) {
        let spec = DeviceSpec(
            name: name, kind: .echo, shape: ModelShape(inputs: inputs, parameters: parameters, outputs: inputs),
            limits: limits, latencySeconds: latencySeconds, failAfter: failAfter)
        try self.init(spec: spec, logger: logger)
    }

    /// The echo device a config file describes (`spec.kind` must be `.echo`).
    public init(spec: DeviceSpec, logger: Logger) throws(DeviceError) {
        try spec.validate()
        guard spec.kind == .echo else {
            throw DeviceError(.invalidConfiguration, "\(spec.name): kind \(spec.kind.name) is not an echo device")
        }
        let (n, p) = (spec.shape.inputs, spec.shape.parameters)
        name = spec.name
        latencySeconds = spec.latencySeconds
        description = DeviceDescription(
            name: spec.name, kind: DeviceKind.echo.name, model: nil, inputs: n, parameters: p, outputs: n,
            limits: spec.limits, driveOrder: DeviceKind.echo.driveOrder, secondsPerSample: nil, gap: "none",
            summary: "echo: returns its \(n) inputs unchanged (for protocol tests and benchmarks)",
            notes: [
                "x [B×\(n)]: any finite values within the limits",
                p == 0 ? "θ [0]: takes no parameters (send an empty vector)" : "θ [\(p)]: checked for shape, otherwise ignored",
                "y [B×\(n)]: a copy of x",
            ])
        status = SystemStatus(failAfter: spec.failAfter)
        var logger = logger
        logger[metadataKey: "pnn.device"] = "\(spec.name)"
        self.logger = logger
        logger.debug("echo device ready")
    }

    public func run(input: Tensor<Float>, parameters: Tensor<Float>) async throws(DeviceError) -> Tensor<Float> {
        try status.admit()
        if let problem = description.checkShapes(input: input, parameters: parameters) {
            throw DeviceError(.invalidInput, problem)
        }
        status.inFlight += 1
        defer { status.inFlight -= 1 }
        // Only when there is a latency to wait out: `pause` is a nonisolated async call, so even one that
        // returns at once leaves this actor and comes back (two executor switches on every batch).
        if latencySeconds > 0 { try await status.pause(seconds: latencySeconds) }
        // Re-checked: the device may have been closed while this run waited.
        try status.admit()
        try status.fireInjectedFault()
        status.measurements += 1
        return input
    }

    public func health() -> DeviceHealth { status.health }

    public func close() async {
        guard !status.closed else { return }
        status.closed = true
        logger.debug("closed")
    }

    /// Clears a fault and disarms `failAfter`.
    public func resetFault() {
        status.fault = nil
        status.failAfter = nil
    }
}
