import PNNCore

/// What separates a simulated "real" system from the model a digital twin knows.
///
/// Applied in two places: `PhysicalModel.perturbed(by:using:)` draws hidden physical parameters and
/// switches on the model's unmodelled term once, when a `Simulator` is built; the measurement chain
/// (noise, drift, ADC) is applied by `Simulator` on every call. Noise and ADC figures are relative to
/// the span of the model's `outputRange`.
public struct RealityGap: Sendable, Codable, Equatable {
    /// Relative standard deviation of hidden offsets on resonance frequencies, damping and similar.
    public var parameterSpread: Double
    /// Relative standard deviation of hidden offsets on couplings and gains.
    public var gainSpread: Double
    /// Strength of the model's unmodelled term (0 = off; 1 = the model's documented default size).
    public var unmodelled: Double
    /// Additive Gaussian noise, standard deviation as a fraction of the output span.
    public var additiveNoise: Double
    /// Multiplicative Gaussian noise on each output, relative standard deviation.
    public var multiplicativeNoise: Double
    /// Slow gain drift: relative standard deviation of a random-walk step taken on every call.
    public var driftPerCall: Double
    /// ADC resolution in bits over the output range; nil = no quantisation.
    public var adcBits: Int?
    /// Clip outputs to the model's output range (detector/ADC saturation).
    public var saturates: Bool

    public init(
        parameterSpread: Double = 0, gainSpread: Double = 0, unmodelled: Double = 0,
        additiveNoise: Double = 0, multiplicativeNoise: Double = 0, driftPerCall: Double = 0,
        adcBits: Int? = nil, saturates: Bool = false
    ) {
        self.parameterSpread = parameterSpread
        self.gainSpread = gainSpread
        self.unmodelled = unmodelled
        self.additiveNoise = additiveNoise
        self.multiplicativeNoise = multiplicativeNoise
        self.driftPerCall = driftPerCall
        self.adcBits = adcBits
        self.saturates = saturates
    }

    /// No gap: the simulator reproduces the model exactly.
    public static let none = RealityGap()

    /// A gap of the size seen between the paper's models and rigs: ±2 % frequencies, ±5 % gains, the
    /// unmodelled term on, ~1 % noise, slow drift, a 12-bit ADC that saturates.
    public static let `default` = RealityGap(
        parameterSpread: 0.02, gainSpread: 0.05, unmodelled: 1,
        additiveNoise: 0.005, multiplicativeNoise: 0.01, driftPerCall: 0.001,
        adcBits: 12, saturates: true)

    /// True when the simulator must reproduce the model bit for bit.
    public var isNone: Bool { self == .none }

    /// Checks that every figure is finite and non-negative.
    public func validate() throws(ModelError) {
        let figures = [parameterSpread, gainSpread, unmodelled, additiveNoise, multiplicativeNoise, driftPerCall]
        guard figures.allSatisfy({ $0.isFinite && $0 >= 0 }) else {
            throw ModelError(.invalidConfiguration, "reality-gap figures must be finite and ≥ 0")
        }
        if let bits = adcBits, !(2 ... 24).contains(bits) {
            throw ModelError(.invalidConfiguration, "ADC bits must be between 2 and 24, got \(bits)")
        }
    }
}

extension SeededGenerator {
    /// A multiplicative offset `1 + spread·𝒩(0,1)`, kept positive (physical parameters never flip sign).
    public mutating func offsetFactor(_ spread: Double) -> Double {
        guard spread > 0 else { return 1 }
        return max(0.2, 1 + spread * nextGaussian())
    }
}
