import PNNCore
import PNNPhysics

/// A named, reproducible experiment: dataset, device, network architecture and training settings.
///
/// The architecture is a function of the physical backend (shared by all physical layers — the
/// paper runs every layer on the same apparatus with its own parameters) and of its twin, so the same
/// definition builds the PAT network, the in-silico network and the device-evaluation network.
public struct Experiment: Sendable {
    public let name: String
    public let summary: String
    public let dataset: DatasetName
    /// MNIST-style images are average-pooled by this factor (2: 28×28 → 14×14 = 196 inputs).
    public let downsample: Int
    public let model: ModelKind
    /// Shape of the device every physical layer runs on.
    public let deviceShape: ModelShape
    /// Reality gap of the simulated device `--simulate` creates for this experiment.
    public let gap: RealityGap
    /// Seed of the simulated device's hidden parameters and noise.
    public let deviceSeed: UInt64
    /// The device of `pnnd --simulate` this experiment runs on by default.
    public let defaultDevice: String
    /// Number of physical layers.
    public let depth: Int
    /// Hybrid experiments may add digital linear layers; the others are physics-only.
    public let hybrid: Bool
    public let settings: TrainingSettings
    /// Builds the network for one backend/twin pair (or, with `physical` nil, the digital-only
    /// baseline with each physical layer replaced by the identity).
    let architecture: @Sendable (_ physical: (any PhysicalBackend, any Twin)?) throws(TrainingError) -> Network

    public func network(backend: any PhysicalBackend, twin: any Twin) throws(TrainingError) -> Network {
        try architecture((backend, twin))
    }

    public func baselineNetwork() throws(TrainingError) -> Network {
        try architecture(nil)
    }

    /// The twin the lab knows before any fitting: the nominal model at the device's shape.
    public func nominalModel() throws(TrainingError) -> any PhysicalModel {
        do {
            return try ModelCatalog.make(model, shape: deviceShape)
        } catch {
            throw TrainingError(.model, "\(name): \(error)")
        }
    }
}

/// The identity stand-in for a physical layer in digital-only baselines (N → M: the first M features,
/// zero-padded when M > N).
struct IdentityLayer: Layer {
    let name: String
    let inputCount: Int
    let outputCount: Int

    var parameterCount: Int { 0 }
    func initialParameters(using rng: inout SeededGenerator) -> [Double] { [] }

    func forward(_ x: Tensor<Double>, parameters _: [Double]) async throws(TrainingError) -> Tensor<Double> {
        try checkInput(x)
        let (batch, n, m) = (x.shape[0], inputCount, outputCount)
        var y = [Double](repeating: 0, count: batch * m)
        for b in 0 ..< batch {
            for j in 0 ..< min(n, m) { y[b * m + j] = x.scalars[b * n + j] }
        }
        return Tensor(uncheckedRows: y, columns: m)
    }

    func backward(input x: Tensor<Double>, output _: Tensor<Double>, parameters _: [Double],
                  outputGradient g: Tensor<Double>) throws(TrainingError) -> LayerGradient {
        let (batch, n, m) = (x.shape[0], inputCount, outputCount)
        var xBar = [Double](repeating: 0, count: batch * n)
        for b in 0 ..< batch {
            for j in 0 ..< min(n, m) { xBar[b * n + j] = g.scalars[b * m + j] }
        }
        return LayerGradient(input: Tensor(uncheckedRows: xBar, columns: n), parameters: [])
    }
}
