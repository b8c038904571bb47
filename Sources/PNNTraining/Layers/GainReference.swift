import PNNCore

/// Divides each acquisition by its own mean: y[b,i] = x[b,i] / mean over the batch and block of x,
/// one block per channel (one device call).
///
/// A detector's gain drifts slowly (laser power, alignment, amplifier temperature); every reading of
/// one call shares the same factor, so dividing by the call's mean reading cancels it, while the
/// samples keep their brightness relative to each other — the ratio a lab takes against a reference
/// detector. Without it a long run (hundreds of thousands of calls) must chase the drift with its
/// learning rate, which a decaying schedule cannot do at the end. A digital operation across samples:
/// used only in `hybrid` experiments.
public struct GainReference: ParameterFreeLayer {
    public let name: String
    public let width: Int
    /// Features per block (each block is one device call's readings).
    public let blockWidth: Int

    public init(name: String, width: Int, blockWidth: Int) {
        precondition(blockWidth > 0 && width % blockWidth == 0, "width must be whole blocks")
        self.name = name
        self.width = width
        self.blockWidth = blockWidth
    }

    public var inputCount: Int { width }
    public var outputCount: Int { width }
    /// The mean is over the batch.
    public var couplesSamples: Bool { true }

    /// A dark acquisition (mean ~0) is left as it is rather than blown up.
    static let floor = 1e-9

    /// The mean of every block over the batch.
    func means(_ x: Tensor<Double>) -> [Double] {
        let batch = x.shape[0], blocks = width / blockWidth
        var sums = [Double](repeating: 0, count: blocks)
        for b in 0 ..< batch {
            for i in 0 ..< width { sums[i / blockWidth] += x.scalars[b * width + i] }
        }
        let count = Double(batch * blockWidth)
        return sums.map { max($0 / count, Self.floor) }
    }

    public func forward(_ x: Tensor<Double>, parameters _: [Double]) async throws(TrainingError) -> Tensor<Double> {
        try checkInput(x)
        let m = means(x)
        var y = x
        for j in y.scalars.indices { y.scalars[j] /= m[(j % width) / blockWidth] }
        return y
    }

    /// y = x / m with m = mean(x): ∂L/∂x_j = g_j / m − (Σ_k g_k x_k) / (m² · n) over j's block.
    public func backward(input x: Tensor<Double>, output _: Tensor<Double>, parameters _: [Double],
                         outputGradient g: Tensor<Double>) throws(TrainingError) -> LayerGradient {
        let batch = x.shape[0], blocks = width / blockWidth
        let m = means(x)
        var dots = [Double](repeating: 0, count: blocks)
        for j in x.scalars.indices { dots[(j % width) / blockWidth] += g.scalars[j] * x.scalars[j] }
        let count = Double(batch * blockWidth)
        var xBar = g
        for j in xBar.scalars.indices {
            let k = (j % width) / blockWidth
            // A floored (dark) block behaves as a constant divisor.
            let through = m[k] > Self.floor ? dots[k] / (m[k] * m[k] * count) : 0
            xBar.scalars[j] = g.scalars[j] / m[k] - through
        }
        return LayerGradient(input: xBar, parameters: [])
    }
}
