import Logging
import PNNPhysics

extension SimulatedSystem {
    /// The simulated device a config file describes: model of `spec.kind` with `spec.shape` and
    /// `spec.modelOverrides`, behind `spec.gap`.
    public init(spec: DeviceSpec, logger: Logger) throws(DeviceError) {
        try spec.validate()
        guard let kind = spec.kind.model else {
            throw DeviceError(.invalidConfiguration, "\(spec.name): kind \(spec.kind.name) is not a simulated system")
        }
        let model = try ModelOverrides.model(kind, shape: spec.shape, overrides: spec.modelOverrides, device: spec.name)
        try self.init(
            name: spec.name, model: model, gap: spec.gap, seed: spec.seed, limits: spec.limits,
            latencySeconds: spec.latencySeconds, failAfter: spec.failAfter, logger: logger)
    }
}
