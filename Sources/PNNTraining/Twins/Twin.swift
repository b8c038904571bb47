import PNNCore
import PNNPhysics

/// A differentiable stand-in for one physical system: what PAT differentiates through.
///
/// `predict` is the twin's own forward (used for in-silico training and to report twin error);
/// `vjp` is evaluated at the (x, θ) actually sent to the device, with the output gradient taken from
/// the loss on the *measured* outputs.
public protocol Twin: Sendable {
    var shape: ModelShape { get }
    /// y [B×M] for x [B×N] at θ [P].
    func predict(_ x: Tensor<Double>, _ theta: [Double]) throws(TrainingError) -> Tensor<Double>
    /// (∂L/∂x [B×N], ∂L/∂θ [P] summed over the batch) given ∂L/∂y [B×M].
    func vjp(_ x: Tensor<Double>, _ theta: [Double], outputGradient: Tensor<Double>)
        throws(TrainingError) -> (input: Tensor<Double>, parameters: [Double])
    /// The range the real detector reports (its ADC span), when the twin knows it.
    var detectorRange: ClosedRange<Double>? { get }
}

extension Twin {
    public var detectorRange: ClosedRange<Double>? { nil }
}
