#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import PNNCore

/// Nonlinear electronic oscillator: a series RLC circuit whose capacitor is shunted by a transistor
/// stage, driven by an arbitrary-waveform generator and read by an oscilloscope.
///
///     C dV/dt = I − I_T(V),   L dI/dt = u(t) − R I − V,
///     I_T(V) = I₀ [tanh(V/V_s) + η tanh²(V/V_s)]
///
/// The transistor (a degenerated differential pair) is a conductance that saturates at ±I₀, so the
/// circuit's damping falls as the amplitude grows; η is an even-order asymmetry from device mismatch,
/// 0 in the nominal model and switched on by the reality gap as its unmodelled term. u is the AWG
/// waveform of `SegmentedDrive` (θ, then x, then silence); the scope samples V once per step and output
/// bin m is the scope's average  yₘ = G · mean_{n∈bin m} Vₙ.
///
/// Integration: (V, I) is stepped exactly for the linear RLC part (zero-order hold, inputs u/L and
/// −I_T/C held over the step); the VJP is the discrete adjoint. Equations and defaults: docs/physics.md.
public struct ElectronicModel: PhysicalModel {
    public let configuration: Configuration
    public var kind: ModelKind { .electronic }
    public var shape: ModelShape {
        ModelShape(inputs: configuration.drive.inputs, parameters: configuration.drive.parameters,
                   outputs: configuration.outputs)
    }
    public var outputRange: ClosedRange<Double> { -configuration.scopeFullScaleVolts ... configuration.scopeFullScaleVolts }

    /// Exact one-step propagator of the RLC circuit.
    let hold: ZeroOrderHold
    /// Scope bin of each sample in the read window, and samples per bin.
    let binOfStep: [Int]
    let binLength: [Int]

    public init(_ configuration: Configuration) throws(ModelError) {
        try configuration.validate()
        self.configuration = configuration
        let c = configuration
        let system = Matrix2(0, 1 / c.capacitanceFarads, -1 / c.inductanceHenries,
                             -c.resistanceOhms / c.inductanceHenries)
        hold = try ZeroOrderHold(system: system, step: c.drive.stepSeconds)
        (binOfStep, binLength) = c.drive.bins(outputs: c.outputs)
    }

    /// Transistor current I_T(V) and its slope dI_T/dV.
    @inline(__always)
    func transistor(_ volts: Double) -> (current: Double, slope: Double) {
        let c = configuration
        let t = tanh(volts / c.transistorVoltsScale)
        let sech2 = 1 - t * t
        let current = c.transistorCurrentAmps * (t + c.transistorAsymmetry * t * t)
        let slope = c.transistorCurrentAmps / c.transistorVoltsScale * sech2 * (1 + 2 * c.transistorAsymmetry * t)
        return (current, slope)
    }

    public func forward(
        x: UnsafeBufferPointer<Double>, theta: UnsafeBufferPointer<Double>,
        y: UnsafeMutableBufferPointer<Double>, count: Int
    ) {
        let (n, m) = (shape.inputs, shape.outputs)
        for b in 0 ..< count {
            let xs = UnsafeBufferPointer(rebasing: x[b * n ..< (b + 1) * n])
            let ys = UnsafeMutableBufferPointer(rebasing: y[b * m ..< (b + 1) * m])
            run(x: xs, theta: theta, voltages: nil, outputs: ys)
        }
    }

    public func vjp(
        x: UnsafeBufferPointer<Double>, theta: UnsafeBufferPointer<Double>,
        yBar: UnsafeBufferPointer<Double>,
        xBar: UnsafeMutableBufferPointer<Double>, thetaBar: UnsafeMutableBufferPointer<Double>, count: Int
    ) {
        let (n, m) = (shape.inputs, shape.outputs)
        let d = configuration.drive
        // Vₙ at the start of every step (n = 0 … steps), the forward trajectory the adjoint walks back.
        var voltages = [Double](repeating: 0, count: d.steps + 1)
        var outputs = [Double](repeating: 0, count: m)
        var segmentBar = [Double](repeating: 0, count: d.segments)
        for b in 0 ..< count {
            let xs = UnsafeBufferPointer(rebasing: x[b * n ..< (b + 1) * n])
            voltages.withUnsafeMutableBufferPointer { vs in
                outputs.withUnsafeMutableBufferPointer { ys in
                    run(x: xs, theta: theta, voltages: vs, outputs: ys)
                }
            }
            voltages.withUnsafeBufferPointer { vs in
                segmentBar.withUnsafeMutableBufferPointer { sb in
                    adjoint(voltages: vs, yBar: UnsafeBufferPointer(rebasing: yBar[b * m ..< (b + 1) * m]),
                            segmentBar: sb)
                }
            }
            for s in 0 ..< d.parameters { thetaBar[s] += segmentBar[s] }
            for i in 0 ..< n { xBar[b * n + i] = segmentBar[d.parameters + i] }
        }
    }

    public func perturbed(by gap: RealityGap, using rng: inout SeededGenerator) -> ElectronicModel {
        var c = configuration
        c.inductanceHenries *= rng.offsetFactor(gap.parameterSpread)
        c.capacitanceFarads *= rng.offsetFactor(gap.parameterSpread)
        // Series resistance includes contacts and the inductor's copper: known to ±2× the spread.
        c.resistanceOhms *= rng.offsetFactor(2 * gap.parameterSpread)
        c.transistorCurrentAmps *= rng.offsetFactor(gap.gainSpread)
        c.transistorVoltsScale *= rng.offsetFactor(gap.gainSpread)
        c.scopeGain *= rng.offsetFactor(gap.gainSpread)
        c.transistorAsymmetry += Configuration.unmodelledAsymmetry * gap.unmodelled
        // offsetFactor keeps every value positive, so validation passes; never trap on a daemon path.
        return (try? ElectronicModel(c)) ?? self
    }

    /// Raw scope trace Vₙ₊₁ for every step (before bin averaging).
    public func scopeTrace(x: [Double], theta: [Double]) throws(ModelError) -> [Double] {
        try validate(input: Tensor(rowVector: x), parameters: Tensor(theta))
        var voltages = [Double](repeating: 0, count: configuration.drive.steps + 1)
        var outputs = [Double](repeating: 0, count: shape.outputs)
        x.withUnsafeBufferPointer { xs in
            theta.withUnsafeBufferPointer { th in
                voltages.withUnsafeMutableBufferPointer { vs in
                    outputs.withUnsafeMutableBufferPointer { ys in
                        run(x: xs, theta: th, voltages: vs, outputs: ys)
                    }
                }
            }
        }
        return Array(voltages.dropFirst())
    }
}
