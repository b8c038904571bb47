import PNNCore

/// A differentiable model of one physical system: batched forward `y = f(x, θ)` and its exact
/// vector–Jacobian product.
///
/// Conformers implement the two per-chunk kernels on raw row-major buffers; batching, validation and
/// multi-core execution come from the extension in `PhysicalModel+Batch.swift`. For time-stepped
/// models the VJP is the discrete adjoint of the integrator used by `forward`, so gradients are exact
/// for the discretised system (checked against finite differences in the tests).
public protocol PhysicalModel: Sendable {
    /// Which physical system this is.
    var kind: ModelKind { get }
    /// Layer sizes N, P, M.
    var shape: ModelShape { get }
    /// Range of outputs the real detector reports at default settings (the simulated ADC's range).
    var outputRange: ClosedRange<Double> { get }

    /// Forward for `count` samples: x [count×N] row-major, θ [P] shared by all, writes y [count×M].
    func forward(
        x: UnsafeBufferPointer<Double>, theta: UnsafeBufferPointer<Double>,
        y: UnsafeMutableBufferPointer<Double>, count: Int)

    /// VJP for `count` samples: given ȳ [count×M], writes x̄ [count×N] and *adds* θ̄ summed over the
    /// samples into `thetaBar` [P].
    func vjp(
        x: UnsafeBufferPointer<Double>, theta: UnsafeBufferPointer<Double>,
        yBar: UnsafeBufferPointer<Double>,
        xBar: UnsafeMutableBufferPointer<Double>, thetaBar: UnsafeMutableBufferPointer<Double>, count: Int)

    /// The hidden "true" system behind a simulator: physical parameters drawn around this model's
    /// according to `gap`, plus the model's unmodelled term scaled by `gap.unmodelled`.
    func perturbed(by gap: RealityGap, using rng: inout SeededGenerator) -> Self
}
