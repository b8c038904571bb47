import PNNCore
import PNNPhysics
import PNNProtocol

/// A layer whose forward pass is a measurement on a physical system and whose backward pass is the
/// VJP of a digital twin at the same inputs and parameters (physics-aware training).
///
/// The drive x and the parameters θ must stay inside the device's limits: θ is projected back into
/// [minimum, maximum] after every optimiser step; x is clamped before it is sent (the clamp's true
/// gradient is zero outside the range) and a soft quadratic penalty on the part of x outside the range
/// pulls the preceding digital layer back in — the clamp + penalty of the PAT reference code.
public struct PhysicalLayer: Layer {
    public let name: String
    public let backend: any PhysicalBackend
    public let twin: any Twin
    /// Weight λ of the out-of-range penalty λ·mean_b Σ_i (x_bi − clamp(x_bi))².
    public let penaltyWeight: Double
    /// Where the starting θ is drawn, as fractions of the drive range (uniformly).
    public let initialFraction: ClosedRange<Double>
    /// The drive range used: the device's [minimum, maximum], or a narrower working range (the
    /// oscillators' models are only trusted — and their integrators only stable — for moderate drive).
    public let range: ClosedRange<Double>
    /// Acquisitions averaged into each reading: every sample is played this many times, back to back
    /// within one measurement, and its readings are averaged — an oscilloscope's averaging mode. The
    /// detector's additive noise falls by √acquisitions, and device time grows by the same factor.
    /// pnnd averages in the device (`run` with `acquisitions`); other backends through
    /// `PhysicalBackend.measure(batches:acquisitions:)`, which measures a backend that repeats exactly
    /// (a twin, a gap-free simulator) once instead.
    public let acquisitions: Int

    public init(name: String, backend: any PhysicalBackend, twin: any Twin, penaltyWeight: Double = 1,
                initialFraction: ClosedRange<Double> = 0.25 ... 0.75,
                driveRange: ClosedRange<Double>? = nil, acquisitions: Int = 1) throws(TrainingError) {
        guard backend.shape == twin.shape else {
            throw TrainingError(.shapeMismatch,
                                "\(name): device \(backend.label) has shape \(backend.shape) but its twin has \(twin.shape)")
        }
        guard (1 ... Request.maximumAcquisitions).contains(acquisitions) else {
            throw TrainingError(.invalidArgument,
                                "\(name): acquisitions must be 1…\(Request.maximumAcquisitions), got \(acquisitions)")
        }
        self.acquisitions = acquisitions
        self.name = name
        self.backend = backend
        self.twin = twin
        self.penaltyWeight = penaltyWeight
        self.initialFraction = initialFraction
        let limits = backend.limits.minimum ... backend.limits.maximum
        let wanted = driveRange ?? limits
        guard wanted.overlaps(limits) else {
            throw TrainingError(.invalidArgument, "\(name): working range \(wanted) lies outside the device's limits \(limits)")
        }
        range = wanted.clamped(to: limits)
    }

    public var inputCount: Int { backend.shape.inputs }
    public var outputCount: Int { backend.shape.outputs }
    public var parameterCount: Int { backend.shape.parameters }

    public func initialParameters(using rng: inout SeededGenerator) -> [Double] {
        let (lo, span) = (range.lowerBound, range.upperBound - range.lowerBound)
        return (0 ..< parameterCount).map { _ in lo + span * rng.nextUniform(in: initialFraction) }
    }

    /// θ moves in units of the working range's width.
    public func learningRateScales(_ parameters: [Double]) -> [Double]? {
        Array(repeating: range.upperBound - range.lowerBound, count: parameters.count)
    }

    public func project(_ parameters: inout [Double]) {
        clamp(&parameters)
    }

    /// Values clamped into the working range (drive before sending, θ after each step).
    func clamp(_ values: inout [Double]) {
        let (lo, hi) = (range.lowerBound, range.upperBound)
        for i in values.indices { values[i] = min(max(values[i], lo), hi) }
    }

    func clamped(_ x: Tensor<Double>) -> Tensor<Double> {
        var c = x
        clamp(&c.scalars)
        return c
    }

    public func forward(_ x: Tensor<Double>, parameters theta: [Double]) async throws(TrainingError) -> Tensor<Double> {
        let split = SplitForward(channels: [self])
        return try await split.end(try await split.begin(x, parameters: theta))
    }

    func checkReading(_ y: Tensor<Double>, batch: Int) throws(TrainingError) -> Tensor<Double> {
        guard y.shape == [batch, outputCount] else {
            throw TrainingError(.device, "\(name): \(backend.label) returned \(y.shape), expected [\(batch)×\(outputCount)]")
        }
        if let i = y.firstNonFiniteIndex {
            throw TrainingError(.device, "\(name): \(backend.label) returned a non-finite reading (sample \(i / outputCount), bin \(i % outputCount))")
        }
        return y
    }

    public func backward(input x: Tensor<Double>, output y: Tensor<Double>, parameters theta: [Double],
                         outputGradient g: Tensor<Double>) throws(TrainingError) -> LayerGradient {
        var (xBar, thetaBar) = try twin.vjp(clamped(x), theta, outputGradient: detectorAware(g, measured: y))
        let (lo, hi) = (range.lowerBound, range.upperBound)
        for i in xBar.scalars.indices where x.scalars[i] < lo || x.scalars[i] > hi { xBar.scalars[i] = 0 }
        return LayerGradient(input: xBar, parameters: thetaBar)
    }

    /// The detector is part of the physical forward pass: a reading at its rail is clipped, and a
    /// clipped reading's derivative is zero, so ∂L/∂y is dropped there (the twin does not model the
    /// clip and would keep pushing the drive into saturation — and, for the plate, into the regime where
    /// its model is no longer trusted). Readings in the top 10 % of the span get a soft quadratic pull
    /// back (weight `penaltyWeight`), the output-side twin of the input penalty.
    func detectorAware(_ g: Tensor<Double>, measured y: Tensor<Double>) -> Tensor<Double> {
        guard let span = twin.detectorRange, y.shape == g.shape else { return g }
        let top = span.upperBound, width = span.upperBound - span.lowerBound
        let knee = top - 0.1 * width
        let batch = Double(max(y.shape[0], 1))
        var out = g
        for i in out.scalars.indices {
            let v = y.scalars[i]
            if v >= top - 1e-6 * width || v <= span.lowerBound - 1e-9 * width {
                out.scalars[i] = 0
            }
            if v > knee { out.scalars[i] += 2 * penaltyWeight * (v - knee) / (width * width) / batch }
        }
        return out
    }

    public func inputPenalty(_ x: Tensor<Double>) -> (value: Double, gradient: Tensor<Double>)? {
        guard penaltyWeight > 0 else { return nil }
        let batch = Double(max(x.shape[0], 1))
        let (lo, hi) = (range.lowerBound, range.upperBound)
        var gradient = Tensor<Double>.zeros(x.shape)
        var value = 0.0
        for i in x.scalars.indices {
            let v = x.scalars[i]
            let excess = v > hi ? v - hi : (v < lo ? v - lo : 0)
            guard excess != 0 else { continue }
            value += excess * excess
            gradient.scalars[i] = 2 * penaltyWeight * excess / batch
        }
        return (penaltyWeight * value / batch, gradient)
    }
}
