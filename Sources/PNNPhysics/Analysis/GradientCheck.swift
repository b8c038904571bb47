import PNNCore

/// Compares a model's VJP with central finite differences of the same forward, in Float64.
///
/// For a random point (x, θ) and a random cotangent ȳ the scalar L = Σ ȳ ⊙ f(x, θ) is differentiated
/// along every coordinate of x and θ with the fourth-order central stencil
/// (8[L(+h) − L(−h)] − [L(+2h) − L(−2h)]) / 12h, whose truncation error is O(h⁴).
/// The error reported for each of x̄ and θ̄ is  max_i |vjpᵢ − fdᵢ| / max_i |fdᵢ|.
public struct GradientCheck: Sendable {
    /// Outcome for one model.
    public struct Result: Sendable, Codable, Equatable {
        public var model: String
        public var shape: ModelShape
        public var batch: Int
        public var seed: UInt64
        /// Relative error of x̄.
        public var inputRelativeError: Double
        /// Relative error of θ̄ (0 when the model has no parameters).
        public var parameterRelativeError: Double
        /// Largest |x̄| and |θ̄| seen, to show the check was not run on vanishing gradients.
        public var inputGradientScale: Double
        public var parameterGradientScale: Double
        /// The larger of the two relative errors.
        public var maxRelativeError: Double
    }

    public var batch: Int
    public var seed: UInt64
    /// Finite-difference step relative to max(1, |coordinate|).
    public var relativeStep: Double

    public init(batch: Int = 2, seed: UInt64 = 7, relativeStep: Double = 1e-4) {
        self.batch = batch
        self.seed = seed
        self.relativeStep = relativeStep
    }

    /// Runs the check at a random point: x ∈ [0, 1], θ ∈ [−1, 1], ȳ ~ 𝒩(0, 1).
    public func run(_ model: any PhysicalModel, name: String? = nil) throws(ModelError) -> Result {
        var rng = SeededGenerator(seed: seed)
        let s = model.shape
        let x = Tensor<Double>(uncheckedRows: (0 ..< batch * s.inputs).map { _ in rng.nextUniform() }, columns: s.inputs)
        let theta = Tensor((0 ..< s.parameters).map { _ in rng.nextUniform(in: -1 ... 1) })
        var yBar = Tensor<Double>.zeros([batch, s.outputs])
        for i in yBar.scalars.indices { yBar.scalars[i] = rng.nextGaussian() }
        return try run(model, x: x, theta: theta, outputGradient: yBar, name: name)
    }

    /// Runs the check at a given point.
    public func run(
        _ model: any PhysicalModel, x: Tensor<Double>, theta: Tensor<Double>, outputGradient yBar: Tensor<Double>,
        name: String? = nil
    ) throws(ModelError) -> Result {
        let (xBar, thetaBar) = try model.vjp(x, theta, outputGradient: yBar)
        func loss(_ x: Tensor<Double>, _ theta: Tensor<Double>) throws(ModelError) -> Double {
            let y = try model.forward(x, theta)
            var sum = 0.0
            for i in y.scalars.indices { sum += y.scalars[i] * yBar.scalars[i] }
            return sum
        }
        func derivative(_ value: Double, _ evaluate: (Double) throws(ModelError) -> Double) throws(ModelError) -> Double {
            let h = relativeStep * max(1, abs(value))
            let d1 = try evaluate(value + h) - evaluate(value - h)
            let d2 = try evaluate(value + 2 * h) - evaluate(value - 2 * h)
            return (8 * d1 - d2) / (12 * h)
        }
        var fdX = [Double](repeating: 0, count: x.count)
        for i in 0 ..< x.count {
            fdX[i] = try derivative(x.scalars[i]) { (v: Double) throws(ModelError) -> Double in
                var probe = x
                probe.scalars[i] = v
                return try loss(probe, theta)
            }
        }
        var fdTheta = [Double](repeating: 0, count: theta.count)
        for j in 0 ..< theta.count {
            fdTheta[j] = try derivative(theta.scalars[j]) { (v: Double) throws(ModelError) -> Double in
                var probe = theta
                probe.scalars[j] = v
                return try loss(x, probe)
            }
        }
        let inputError = Self.relativeError(xBar.scalars, fdX)
        let parameterError = Self.relativeError(thetaBar.scalars, fdTheta)
        return Result(
            model: name ?? model.kind.rawValue, shape: model.shape, batch: x.shape[0], seed: seed,
            inputRelativeError: inputError, parameterRelativeError: parameterError,
            inputGradientScale: xBar.scalars.map(abs).max() ?? 0,
            parameterGradientScale: thetaBar.scalars.map(abs).max() ?? 0,
            maxRelativeError: max(inputError, parameterError))
    }

    /// max |a − b| / max |b|; 0 for empty vectors, ∞ when b vanishes but a does not.
    public static func relativeError(_ a: [Double], _ b: [Double]) -> Double {
        precondition(a.count == b.count)
        guard !a.isEmpty else { return 0 }
        let scale = b.map(abs).max() ?? 0
        let worst = zip(a, b).map { abs($0 - $1) }.max() ?? 0
        if scale == 0 { return worst == 0 ? 0 : .infinity }
        return worst / scale
    }
}

