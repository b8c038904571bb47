import Logging
import PNNPhysics

/// Builds devices from specs: the one table from `DeviceKind` to backend.
public enum DeviceRegistry {
    /// The device `spec` describes. Throws `.invalidConfiguration` (bad spec) or, for hardware,
    /// `.unavailable` (instrument not found).
    public static func make(_ spec: DeviceSpec, logger: Logger) throws(DeviceError) -> any PhysicalSystem {
        switch spec.kind {
        case .simulated: try SimulatedSystem(spec: spec, logger: logger)
        case .echo: try EchoSystem(spec: spec, logger: logger)
        }
    }

    /// The `pnnd --simulate` set: one simulated system per model at the MNIST sizes with the default
    /// reality gap and distinct seeds, and an echo device (64 → 64, no parameters).
    public static func simulatedDefaults() -> [DeviceSpec] {
        [
            DeviceSpec(name: "mech0", kind: .simulated(.mechanical), gap: .default, seed: 1),
            DeviceSpec(name: "elec0", kind: .simulated(.electronic), gap: .default, seed: 2),
            DeviceSpec(name: "shg0", kind: .simulated(.shg), gap: .default, seed: 3),
            DeviceSpec(name: "echo0", kind: .echo, shape: ModelShape(inputs: 64, parameters: 0, outputs: 64)),
        ]
    }
}
