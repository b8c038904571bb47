/// How the oscillator models turn (x, θ) into a piecewise-constant drive waveform and where they read.
///
/// The drive is a sequence of segments, each held for `substeps` integration steps of
/// `segmentSeconds / substeps`: first the P parameter segments, then the N data segments, then
/// `tailSegments` of silence while the system rings down:
///
///     u = [ θ₀ … θ_{P−1} | x₀ … x_{N−1} | 0 … 0 ]
///
/// Parameters come first so that, with a nonlinearity present, the state they leave behind changes how
/// the system responds to the data (a controllable convolution). The detector is read over the data
/// and tail window only, split into M bins of (almost) equal length.
public struct SegmentedDrive: Sendable, Codable, Equatable {
    /// Data segments N.
    public var inputs: Int
    /// Parameter segments P.
    public var parameters: Int
    /// Silent segments after the data, while the detector keeps reading.
    public var tailSegments: Int
    /// Integration steps per segment (≥ 1); the detector samples once per step.
    public var substeps: Int
    /// Duration of one segment in seconds.
    public var segmentSeconds: Double

    public init(inputs: Int, parameters: Int, tailSegments: Int, substeps: Int, segmentSeconds: Double) {
        self.inputs = inputs
        self.parameters = parameters
        self.tailSegments = tailSegments
        self.substeps = substeps
        self.segmentSeconds = segmentSeconds
    }

    public var segments: Int { parameters + inputs + tailSegments }
    /// Total integration steps.
    public var steps: Int { segments * substeps }
    /// Integration step in seconds.
    public var stepSeconds: Double { segmentSeconds / Double(substeps) }
    /// First step read by the detector.
    public var windowStart: Int { parameters * substeps }
    /// Steps read by the detector.
    public var windowSteps: Int { (inputs + tailSegments) * substeps }

    /// Checks the layout against `outputs` detector bins.
    public func validate(outputs: Int) throws(ModelError) {
        guard inputs >= 1, parameters >= 0, tailSegments >= 0, substeps >= 1 else {
            throw ModelError(.invalidConfiguration, "drive needs ≥ 1 input, ≥ 0 parameters and tail segments, ≥ 1 substep")
        }
        guard segmentSeconds > 0, segmentSeconds.isFinite else {
            throw ModelError(.invalidConfiguration, "segment duration must be positive, got \(segmentSeconds) s")
        }
        guard outputs >= 1, outputs <= windowSteps else {
            throw ModelError(.invalidConfiguration,
                             "outputs must be between 1 and the \(windowSteps) detector samples in the read window, got \(outputs)")
        }
    }

    /// Drive value of segment `s` for one sample.
    @inline(__always)
    public func segmentValue(_ s: Int, x: UnsafeBufferPointer<Double>, theta: UnsafeBufferPointer<Double>) -> Double {
        if s < parameters { return theta[s] }
        let i = s - parameters
        return i < inputs ? x[i] : 0
    }

    /// The detector bin of every sample in the read window (`[windowSteps]`, step n ↦ entry
    /// n − windowStart) and the number of samples in each bin (`[outputs]`). Models compute these
    /// once, so their forward and adjoint loops need no bin bookkeeping.
    public func bins(outputs: Int) -> (ofStep: [Int], lengths: [Int]) {
        var ofStep = [Int](repeating: 0, count: windowSteps)
        var lengths = [Int](repeating: 0, count: outputs)
        for m in 0 ..< outputs {
            for n in binStart(m, outputs: outputs) ..< binStart(m + 1, outputs: outputs) {
                ofStep[n - windowStart] = m
            }
            lengths[m] = binStart(m + 1, outputs: outputs) - binStart(m, outputs: outputs)
        }
        return (ofStep, lengths)
    }

    /// Start step of detector bin `m` of `outputs` (bin m spans `binStart(m) ..< binStart(m + 1)`).
    @inline(__always)
    public func binStart(_ m: Int, outputs: Int) -> Int {
        windowStart + m * windowSteps / outputs
    }
}
