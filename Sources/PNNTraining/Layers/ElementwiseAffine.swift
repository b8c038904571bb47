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
        /// Each feature to zero mean, and a common gain giving the features this root-mean-square
        /// deviation (readout logits): a class-independent pattern across the bins would otherwise
        /// dominate the starting logits.
        case standardize(Double)
        /// Each feature to zero mean and this deviation with its own gain (deviations floored at 10 %
        /// of the largest, so a bin that happened to be quiet in the sample cannot get a huge gain).
        case standardizeEach(Double)
        /// Each feature to mean `center` and deviation `deviation` with its own gain (floored as in
        /// `standardizeEach`): a drive whose sample has heavy tails (a linear mix of SHG intensities)
        /// would, mapped by its extremes onto the range, leave nearly every sample in a sliver of it.
        case centered(Double, deviation: Double)
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

    /// Scales move by |a_i| (kept within a tenth and ten times the median, so a parked feature can wake
    /// up and an outlier cannot run away); offsets by the size of the outputs they shift (the
    /// calibration target's span, or 1).
    public func learningRateScales(_ p: [Double]) -> [Double]? {
        guard p.count == 2 * width, width > 0 else { return nil }
        let gains = p[0 ..< width].map { abs($0) }
        let median = gains.sorted()[width / 2]
        let (floor, ceiling) = (max(0.1 * median, 1e-6), max(10 * median, 1e-5))
        let offsetScale: Double
        switch calibration {
        case .none: offsetScale = 1
        case .range(let target): offsetScale = target.upperBound - target.lowerBound
        case .standardize(let deviation), .standardizeEach(let deviation), .centered(_, let deviation):
            offsetScale = deviation
        }
        return gains.map { min(max($0, floor), ceiling) } + Array(repeating: offsetScale, count: width)
    }

    /// Parameters that calibrate the sample `x` as `calibration` says (nil for `.none`).
    func calibratedParameters(for x: Tensor<Double>) -> [Double]? {
        let n = width, batch = x.shape[0]
        guard batch > 0 else { return nil }
        switch calibration {
        case .none:
            return nil
        case .range(let target):
            var lows = [Double](repeating: .infinity, count: n), highs = [Double](repeating: -.infinity, count: n)
            for b in 0 ..< batch {
                for i in 0 ..< n {
                    lows[i] = min(lows[i], x.scalars[b * n + i])
                    highs[i] = max(highs[i], x.scalars[b * n + i])
                }
            }
            // A feature that barely varies (a dark detector bin) must not get a huge gain: that only
            // amplifies its noise. Spans are floored at 1 % of the layer's widest.
            let widest = zip(highs, lows).map { $0 - $1 }.max() ?? 0
            var p = [Double](repeating: 0, count: 2 * n)
            for i in 0 ..< n {
                let span = highs[i] - lows[i]
                guard widest > 1e-12, span > 1e-12 else {
                    // Constant: carries nothing; park it mid-range.
                    p[n + i] = (target.lowerBound + target.upperBound) / 2
                    continue
                }
                let scale = (target.upperBound - target.lowerBound) / max(span, 0.01 * widest)
                p[i] = scale
                p[n + i] = (target.lowerBound + target.upperBound) / 2 - scale * (lows[i] + highs[i]) / 2
            }
            return p
        case .standardize(let deviation), .standardizeEach(let deviation), .centered(_, let deviation):
            var p = [Double](repeating: 0, count: 2 * n)
            var means = [Double](repeating: 0, count: n), deviations = [Double](repeating: 0, count: n)
            for i in 0 ..< n {
                var sum = 0.0, squares = 0.0
                for b in 0 ..< batch {
                    sum += x.scalars[b * n + i]
                    squares += x.scalars[b * n + i] * x.scalars[b * n + i]
                }
                means[i] = sum / Double(batch)
                deviations[i] = max(squares / Double(batch) - means[i] * means[i], 0).squareRoot()
            }
            // One gain for all features (the root-mean-square deviation sets it), offsets per feature:
            // the readout bins are one detector, and a per-bin gain would blow up a bin that happened
            // to be quiet in the calibration sample.
            let rms = (deviations.map { $0 * $0 }.reduce(0, +) / Double(n)).squareRoot()
            guard rms > 1e-12 else { return nil }
            let largest = deviations.max() ?? rms
            for i in 0 ..< n {
                let scale: Double
                var center = 0.0
                switch calibration {
                case .standardizeEach: scale = deviation / max(deviations[i], 0.1 * largest)
                case .centered(let mid, _):
                    scale = deviation / max(deviations[i], 0.1 * largest)
                    center = mid
                default: scale = deviation / rms
                }
                p[i] = scale
                p[n + i] = center - scale * means[i]
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
