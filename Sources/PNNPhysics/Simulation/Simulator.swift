import PNNCore

/// A simulated physical system: a model with a hidden reality gap and a noisy, drifting, quantising
/// measurement chain.
///
/// `nominal` is what a digital twin may know; `truth` (perturbed parameters + unmodelled term) is what
/// produces the measurements. The same seed gives the same sequence of measurements; with
/// `RealityGap.none` a measurement equals `nominal.forward` bit for bit.
public struct Simulator: Sendable {
    /// The model the lab believes in (nominal parameters, no unmodelled term).
    public let nominal: any PhysicalModel
    /// The hidden system behind the measurements.
    public let truth: any PhysicalModel
    public let gap: RealityGap
    /// Current detector gain relative to nominal; random-walks by `gap.driftPerCall` per call.
    public private(set) var gain: Double = 1
    /// Measurements taken so far.
    public private(set) var calls = 0
    private var noise: SeededGenerator

    public init(model: any PhysicalModel, gap: RealityGap, seed: UInt64) throws(ModelError) {
        try gap.validate()
        var rng = SeededGenerator(seed: seed)
        // Separate streams: the hidden parameters must not depend on how much noise was drawn.
        var hidden = rng.split()
        noise = rng.split()
        nominal = model
        truth = gap.isNone ? model : model.perturbed(by: gap, using: &hidden)
        self.gap = gap
    }

    public var shape: ModelShape { nominal.shape }

    /// One measurement of x [B×N] at θ [P]: y [B×M].
    public mutating func measure(_ x: Tensor<Double>, _ theta: Tensor<Double>) throws(ModelError) -> Tensor<Double> {
        var y = try truth.forward(x, theta)
        calls += 1
        guard !gap.isNone else { return y }
        if gap.driftPerCall > 0 {
            gain *= noise.offsetFactor(gap.driftPerCall)
        }
        let range = truth.outputRange
        let span = range.upperBound - range.lowerBound
        let levels = gap.adcBits.map { Double((1 << $0) - 1) }
        for i in y.scalars.indices {
            var v = y.scalars[i] * gain
            if gap.multiplicativeNoise > 0 { v *= 1 + gap.multiplicativeNoise * noise.nextGaussian() }
            if gap.additiveNoise > 0 { v += gap.additiveNoise * span * noise.nextGaussian() }
            if gap.saturates { v = min(max(v, range.lowerBound), range.upperBound) }
            if let levels {
                // Quantise to the ADC's code grid over the output range (saturation above keeps codes valid).
                v = range.lowerBound + ((v - range.lowerBound) / span * levels).rounded() / levels * span
            }
            y.scalars[i] = v
        }
        return y
    }

    /// Float32 convenience for callers holding wire-format tensors.
    public mutating func measure(_ x: Tensor<Float>, _ theta: Tensor<Float>) throws(ModelError) -> Tensor<Float> {
        try measure(x.converted(to: Double.self), theta.converted(to: Double.self)).converted(to: Float.self)
    }
}
