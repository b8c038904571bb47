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

    /// Current state; cheap and never blocked behind a running measurement.
    func health() async -> DeviceHealth

    /// Parks the instrument and releases its resources. Idempotent; later `run` calls throw `.unavailable`.
    func close() async
}
