import PNNCore

/// One stage of a network: `y = f(x; p)` on a batch x [B×inputCount] with a flat parameter vector p.
///
/// `forward` is async because a physical layer's forward is a measurement through pnnd; digital
/// layers simply compute. `backward` receives what the forward saw and produced, so a physical layer
/// can evaluate its twin's VJP at exactly the (x, θ) that was sent to the device — the heart of PAT.
public protocol Layer: Sendable {
    /// Short name for reports and checkpoints ("shg1", "affine2", …).
    var name: String { get }
    var inputCount: Int { get }
    var outputCount: Int { get }
    var parameterCount: Int { get }

    /// Starting parameters (seeded).
    func initialParameters(using rng: inout SeededGenerator) -> [Double]

    /// y [B×outputCount] for x [B×inputCount].
    func forward(_ x: Tensor<Double>, parameters: [Double]) async throws(TrainingError) -> Tensor<Double>

    /// Gradients of the loss with respect to the input and the parameters, given ∂L/∂y.
    func backward(input x: Tensor<Double>, output y: Tensor<Double>, parameters: [Double],
                  outputGradient: Tensor<Double>) throws(TrainingError) -> LayerGradient

    /// A soft penalty on the layer's *input* (e.g. drive outside the device's range), added to the loss:
    /// value and ∂/∂x. nil when the layer has none.
    func inputPenalty(_ x: Tensor<Double>) -> (value: Double, gradient: Tensor<Double>)?

    /// Puts parameters back into their allowed range after an optimiser step (hard constraint).
    func project(_ parameters: inout [Double])

    /// Per-parameter multipliers of the learning rate, given the starting parameters: the natural
    /// size of each parameter, so one learning rate moves a gain of 0.02 and an offset of 0.5 by the
    /// same relative amount (Adam's steps are absolute). nil = all 1.
    func learningRateScales(_ parameters: [Double]) -> [Double]?

    /// True when a sample's output depends on the other samples of its batch (a statistic over the
    /// batch): such a network cannot be cut into micro-batches.
    var couplesSamples: Bool { get }
}

extension Layer {
    public func inputPenalty(_ x: Tensor<Double>) -> (value: Double, gradient: Tensor<Double>)? { nil }
    public func project(_ parameters: inout [Double]) {}
    public func learningRateScales(_ parameters: [Double]) -> [Double]? { nil }
    public var couplesSamples: Bool { false }

    /// Checks x is [B×inputCount].
    func checkInput(_ x: Tensor<Double>) throws(TrainingError) {
        guard x.rank == 2, x.shape[1] == inputCount else {
            throw TrainingError(.shapeMismatch, "\(name) expects input [B×\(inputCount)], got \(x.shape)")
        }
    }

    func checkParameters(_ p: [Double]) throws(TrainingError) {
        guard p.count == parameterCount else {
            throw TrainingError(.shapeMismatch, "\(name) expects \(parameterCount) parameters, got \(p.count)")
        }
    }
}

/// ∂L/∂x [B×inputCount] and ∂L/∂p [parameterCount] (summed over the batch).
public struct LayerGradient: Sendable {
    public var input: Tensor<Double>
    public var parameters: [Double]

    public init(input: Tensor<Double>, parameters: [Double]) {
        self.input = input
        self.parameters = parameters
    }
}
