import PNNCore

/// Multimode mechanical oscillator: a plate driven by a voice coil and read by a microphone.
///
/// Each mode k obeys  q̈ₖ + (ωₖ/Qₖ) q̇ₖ + ωₖ² (qₖ + γ qₖ³) = bₖ ũ(t),  with ũ = u + ε u² the coil drive
/// (ε: unmodelled coil/amplifier distortion, 0 in a twin) and u the segmented drive of
/// `SegmentedDrive` (θ first, then x, then silence). The microphone reads p = Σₖ cₖ q̇ₖ once per step;
/// output bin m is the detector's mean-square pressure  yₘ = G · mean_{n∈bin m} pₙ².
///
/// Integration: the linear part of every mode is stepped exactly (zero-order hold); the cubic
/// restoring force is held over one step (exponential Euler). The VJP is the discrete adjoint of that
/// scheme. Equations and defaults: docs/physics.md.
public struct MechanicalModel: PhysicalModel {
    public let configuration: Configuration
    public var kind: ModelKind { .mechanical }
    public var shape: ModelShape {
        ModelShape(inputs: configuration.drive.inputs, parameters: configuration.drive.parameters,
                   outputs: configuration.outputs)
    }
    public var outputRange: ClosedRange<Double> { 0 ... configuration.detectorFullScale }

    // Precomputed per-mode step coefficients: Φ (4), Γ·e₂ (2), ω²γ, bₖ, cₖ.
    let modes: Int
    let phi: [Matrix2]
    let gammaQ: [Double]
    let gammaV: [Double]
    let cubic: [Double]
    let coupling: [Double]
    let microphone: [Double]
    /// Detector bin of each sample in the read window, and samples per bin.
    let binOfStep: [Int]
    let binLength: [Int]

    public init(_ configuration: Configuration) throws(ModelError) {
        try configuration.validate()
        self.configuration = configuration
        let c = configuration
        modes = c.modeFrequenciesHz.count
        var phi: [Matrix2] = []
        var gammaQ: [Double] = []
        var gammaV: [Double] = []
        for k in 0 ..< modes {
            let omega = 2 * Double.pi * c.modeFrequenciesHz[k]
            let system = Matrix2(0, 1, -omega * omega, -omega / c.qualityFactors[k])
            let hold = try ZeroOrderHold(system: system, step: c.drive.stepSeconds)
            phi.append(hold.phi)
            // The force enters the velocity equation only: Γ·(0, f).
            gammaQ.append(hold.gamma.b)
            gammaV.append(hold.gamma.d)
        }
        self.phi = phi
        self.gammaQ = gammaQ
        self.gammaV = gammaV
        cubic = c.modeFrequenciesHz.map { let w = 2 * Double.pi * $0; return w * w * c.cubicStiffnessPerSquareMetre }
        coupling = c.driveCouplings
        microphone = c.microphoneWeights
        (binOfStep, binLength) = c.drive.bins(outputs: c.outputs)
    }

    public func forward(
        x: UnsafeBufferPointer<Double>, theta: UnsafeBufferPointer<Double>,
        y: UnsafeMutableBufferPointer<Double>, count: Int
    ) {
        let (n, m) = (shape.inputs, shape.outputs)
        guard count > 0, let yBase = y.baseAddress else { return }
        withWorkspace(storeTrajectory: false) { ws in
            for b in 0 ..< count {
                let xs = UnsafeBufferPointer(rebasing: x[b * n ..< (b + 1) * n])
                integrate(x: xs, theta: theta, workspace: ws, pressure: nil, outputs: yBase + b * m)
            }
        }
    }

    public func vjp(
        x: UnsafeBufferPointer<Double>, theta: UnsafeBufferPointer<Double>,
        yBar: UnsafeBufferPointer<Double>,
        xBar: UnsafeMutableBufferPointer<Double>, thetaBar: UnsafeMutableBufferPointer<Double>, count: Int
    ) {
        let (n, m) = (shape.inputs, shape.outputs)
        let drive = configuration.drive
        withWorkspace(storeTrajectory: true) { ws in
            for b in 0 ..< count {
                let xs = UnsafeBufferPointer(rebasing: x[b * n ..< (b + 1) * n])
                integrate(x: xs, theta: theta, workspace: ws, pressure: ws.pressure, outputs: ws.outputs)
                adjoint(x: xs, theta: theta, yBar: UnsafeBufferPointer(rebasing: yBar[b * m ..< (b + 1) * m]),
                        workspace: ws)
                // Segment gradients → x̄ (this sample) and θ̄ (accumulated).
                for s in 0 ..< drive.parameters { thetaBar[s] += ws.driveBar[s] }
                for i in 0 ..< n { xBar[b * n + i] = ws.driveBar[drive.parameters + i] }
            }
        }
    }

    public func perturbed(by gap: RealityGap, using rng: inout SeededGenerator) -> MechanicalModel {
        var c = configuration
        c.modeFrequenciesHz = c.modeFrequenciesHz.map { $0 * rng.offsetFactor(gap.parameterSpread) }
        // Damping is known less well than frequency: twice the spread on Q.
        c.qualityFactors = c.qualityFactors.map { $0 * rng.offsetFactor(2 * gap.parameterSpread) }
        c.driveCouplings = c.driveCouplings.map { $0 * rng.offsetFactor(gap.gainSpread) }
        c.microphoneWeights = c.microphoneWeights.map { $0 * rng.offsetFactor(gap.gainSpread) }
        c.cubicStiffnessPerSquareMetre *= rng.offsetFactor(5 * gap.parameterSpread)
        c.driveDistortion += Configuration.unmodelledDistortion * gap.unmodelled
        // Perturbed values stay within validate()'s bounds (offsetFactor keeps them positive), so this
        // cannot fail; fall back to the nominal model rather than trap if that ever changes.
        return (try? MechanicalModel(c)) ?? self
    }

    /// Raw microphone signal pₙ for every integration step (before the mean-square detector): the
    /// quantity whose drive → signal map is a convolution in the linear regime.
    public func microphoneTrace(x: [Double], theta: [Double]) throws(ModelError) -> [Double] {
        try validate(input: Tensor(rowVector: x), parameters: Tensor(theta))
        var trace = [Double](repeating: 0, count: configuration.drive.steps)
        withWorkspace(storeTrajectory: false) { ws in
            x.withUnsafeBufferPointer { xs in
                theta.withUnsafeBufferPointer { th in
                    trace.withUnsafeMutableBufferPointer { tr in
                        integrate(x: xs, theta: th, workspace: ws, pressure: tr.baseAddress, outputs: ws.outputs)
                    }
                }
            }
        }
        return trace
    }
}

