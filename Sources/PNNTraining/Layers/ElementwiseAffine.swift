import PNNCore

/// y_i = a_i·x_i + b_i: the only trainable digital operation allowed between and after physical layers
/// in the paper's physics-only networks (it rescales a detector's reading into the next drive's range
/// and sets the readout's softmax temperature, but mixes no features).
public struct ElementwiseAffine: Layer {
    /// How `Network.calibrate` sets this layer's starting scale and offset from a sample batch.
    public enum Calibration: Sendable, Equatable {
        /// Keep the fixed initial scale and offset.
        case none
        /// Map each feature's sample range onto [lower, upper] (e.g. the inner part of the next
        /// device's drive range), so a deep stack neither saturates nor fades out at the start.
        case range(ClosedRange<Double>)
        /// Each feature to zero mean and this standard deviation (readout logits): a class-independent
        /// pattern across the bins would otherwise dominate the starting logits.
        case standardize(Double)
    }

    public let name: String
    public let width: Int
    /// Starting scale and offset for every feature.
    public let initialScale: Double
    public let initialOffset: Double
    public let calibration: Calibration

    public init(name: String, width: Int, initialScale: Double = 1, initialOffset: Double = 0,
                calibration: Calibration = .none) {
        self.name = name
        self.width = width
        self.initialScale = initialScale
        self.initialOffset = initialOffset
        self.calibration = calibration
    }

    /// Parameters that calibrate the sample `x` as `calibration` says (nil for `.none`).
    func calibratedParameters(for x: Tensor<Double>) -> [Double]? {
        let n = width, batch = x.shape[0]
        guard batch > 0 else { return nil }
        switch calibration {
        case .none:
            return nil
        case .range(let target):
            var p = [Double](repeating: 0, count: 2 * n)
            for i in 0 ..< n {
                var lo = Double.infinity, hi = -Double.infinity
                for b in 0 ..< batch {
                    lo = min(lo, x.scalars[b * n + i])
                    hi = max(hi, x.scalars[b * n + i])
                }
                let span = hi - lo
                // A feature that does not vary (a dark detector bin) carries nothing: park it mid-range.
                let scale = span > 1e-9 ? (target.upperBound - target.lowerBound) / span : 0
                p[i] = scale
                p[n + i] = span > 1e-9 ? target.lowerBound - scale * lo : (target.lowerBound + target.upperBound) / 2
            }
            return p
        case .standardize(let deviation):
            var p = [Double](repeating: 0, count: 2 * n)
            for i in 0 ..< n {
                var sum = 0.0, squares = 0.0
                for b in 0 ..< batch {
                    sum += x.scalars[b * n + i]
                    squares += x.scalars[b * n + i] * x.scalars[b * n + i]
                }
                let mean = sum / Double(batch)
                let variance = max(squares / Double(batch) - mean * mean, 0)
                // A (nearly) constant feature would get a huge scale and blow up the first steps.
                let scale = variance > 1e-12 ? min(deviation / variance.squareRoot(), 1e3) : 0
                p[i] = scale
                p[n + i] = -scale * mean
            }
            return p
        }
    }

    public var inputCount: Int { width }
    public var outputCount: Int { width }
    /// a [width] then b [width].
    public var parameterCount: Int { 2 * width }

    public func initialParameters(using rng: inout SeededGenerator) -> [Double] {
        Array(repeating: initialScale, count: width) + Array(repeating: initialOffset, count: width)
    }

    public func forward(_ x: Tensor<Double>, parameters p: [Double]) async throws(TrainingError) -> Tensor<Double> {
        try checkInput(x)
        try checkParameters(p)
        return apply(x, p)
    }

    func apply(_ x: Tensor<Double>, _ p: [Double]) -> Tensor<Double> {
        var y = x
        let n = width
        y.scalars.withUnsafeMutableBufferPointer { ys in
            for row in 0 ..< x.shape[0] {
                let base = row * n
                for i in 0 ..< n { ys[base + i] = p[i] * ys[base + i] + p[n + i] }
            }
        }
        return y
    }

    public func backward(input x: Tensor<Double>, output _: Tensor<Double>, parameters p: [Double],
                         outputGradient g: Tensor<Double>) throws(TrainingError) -> LayerGradient {
        try checkInput(x)
        let n = width
        var xBar = g
        var pBar = [Double](repeating: 0, count: 2 * n)
        for row in 0 ..< x.shape[0] {
            let base = row * n
            for i in 0 ..< n {
                let gi = g.scalars[base + i]
                pBar[i] += gi * x.scalars[base + i]
                pBar[n + i] += gi
                xBar.scalars[base + i] = gi * p[i]
            }
        }
        return LayerGradient(input: xBar, parameters: pBar)
    }
}
