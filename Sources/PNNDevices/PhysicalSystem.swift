import PNNCore

/// One physical system the daemon drives: a simulated system or a hardware rig.
///
/// Conformers are actors or final classes that guard their state themselves. The daemon checks shapes
/// (`DeviceDescription.checkShapes`) and drive limits (`DriveLimits.check`) before `run` and never calls
/// `run` concurrently for one device, but a conformer must stay correct (no data races, measurements
/// serialised) if it were.
public protocol PhysicalSystem: Sendable {
    /// Unique device name from the configuration, e.g. `mech0`.
    var name: String { get }
    /// Static facts: sizes, limits, drive order, units.
    var description: DeviceDescription { get }

    /// One measurement: x [B×N] and θ [P] → y [B×M], in the units listed in `description.notes`.
    func run(input: Tensor<Float>, parameters: Tensor<Float>) async throws(DeviceError) -> Tensor<Float>

    /// Each sample of x driven `acquisitions` times in a row, and y [B×M] its mean reading. The default
    /// sends the repeated batch through `run(input:parameters:)` in one measurement and averages; an
    /// instrument with an averaging mode of its own (a scope) may use that instead. The drive limits
    /// checked on x hold for the repeated batch too: a repeat adds no new step and keeps the mean power.
    func run(input: Tensor<Float>, parameters: Tensor<Float>, acquisitions: Int) async throws(DeviceError)
        -> Tensor<Float>

    /// Current state; cheap and never blocked behind a running measurement.
    func health() async -> DeviceHealth

    /// Parks the instrument and releases its resources. Idempotent; later `run` calls throw `.unavailable`.
    func close() async
}

extension PhysicalSystem {
    public func run(input: Tensor<Float>, parameters: Tensor<Float>, acquisitions: Int) async throws(DeviceError)
        -> Tensor<Float>
    {
        guard acquisitions > 1 else { return try await run(input: input, parameters: parameters) }
        let readings = try await run(input: input.repeatingEachRow(acquisitions), parameters: parameters)
        guard readings.rank == 2, readings.shape[0] == input.shape[0] * acquisitions else {
            throw DeviceError(.fault, "the instrument returned readings of shape \(readings.shape) for "
                                  + "\(input.shape[0] * acquisitions) driven rows")
        }
        return readings.meanOfConsecutiveRows(acquisitions)
    }
}
