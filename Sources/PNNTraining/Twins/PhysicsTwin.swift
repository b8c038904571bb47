import PNNCore
import PNNPhysics

/// The physical model with fitted calibration: y = g ⊙ f(s ⊙ x, θ) + c.
///
/// The model f keeps its nominal physics; what the fit adjusts are the quantities a real rig gets
/// wrong most: the gain of each drive channel s [N] (for SHG the spectral envelope seen by each
/// shaper bin, for the oscillators the AWG/coil channel gain), and each detector bin's gain g [M] and
/// offset c [M]. All three are fitted by gradient descent through f's exact VJP (`TwinFitter`).
/// With s = g = 1 and c = 0 the twin is the nominal model.
public struct PhysicsTwin: Twin {
    public let model: any PhysicalModel
    public var inputGain: [Double]
    public var outputGain: [Double]
    public var outputOffset: [Double]

    public init(model: any PhysicalModel) {
        self.model = model
        inputGain = Array(repeating: 1, count: model.shape.inputs)
        outputGain = Array(repeating: 1, count: model.shape.outputs)
        outputOffset = Array(repeating: 0, count: model.shape.outputs)
    }

    public var shape: ModelShape { model.shape }
    public var detectorRange: ClosedRange<Double>? { model.outputRange }

    /// x ⊙ s.
    func scaledInput(_ x: Tensor<Double>) -> Tensor<Double> {
        var xs = x
        let n = shape.inputs
        for i in xs.scalars.indices { xs.scalars[i] *= inputGain[i % n] }
        return xs
    }

    /// The raw model output f(s ⊙ x, θ), before the detector calibration.
    func modelOutput(_ scaled: Tensor<Double>, _ theta: [Double]) throws(TrainingError) -> Tensor<Double> {
        do {
            return try model.forward(scaled, Tensor(theta))
        } catch {
            throw TrainingError(.model, "twin forward failed: \(error)")
        }
    }

    public func predict(_ x: Tensor<Double>, _ theta: [Double]) throws(TrainingError) -> Tensor<Double> {
        var y = try modelOutput(scaledInput(x), theta)
        let m = shape.outputs
        for i in y.scalars.indices { y.scalars[i] = outputGain[i % m] * y.scalars[i] + outputOffset[i % m] }
        return y
    }

    /// PAT's backward: only x̄ and θ̄. Unlike `calibrationVJP` it never evaluates f on its own (ḡ, c̄
    /// and the prediction need f; x̄ and θ̄ do not), which saves one model forward per call — a
    /// quarter of an oscillator layer's training time.
    public func vjp(_ x: Tensor<Double>, _ theta: [Double], outputGradient g: Tensor<Double>)
        throws(TrainingError) -> (input: Tensor<Double>, parameters: [Double])
    {
        let m = shape.outputs
        var fBar = g
        for i in fBar.scalars.indices { fBar.scalars[i] *= outputGain[i % m] }
        let (xBar, thetaBar, _) = try inputVJP(x, theta, modelGradient: fBar)
        return (xBar, thetaBar)
    }

    /// Gradients with respect to everything: x, θ, and the calibration s, g, c (for fitting).
    struct FullGradient {
        var input: Tensor<Double>
        var parameters: [Double]
        var inputGain: [Double]
        var outputGain: [Double]
        var outputOffset: [Double]
        var prediction: Tensor<Double>
    }

    func calibrationVJP(_ x: Tensor<Double>, _ theta: [Double], outputGradient g: Tensor<Double>)
        throws(TrainingError) -> FullGradient
    {
        let m = shape.outputs
        let f = try modelOutput(scaledInput(x), theta)
        var fBar = g
        var gBar = [Double](repeating: 0, count: m), cBar = [Double](repeating: 0, count: m)
        var prediction = f
        for i in g.scalars.indices {
            let j = i % m
            gBar[j] += g.scalars[i] * f.scalars[i]
            cBar[j] += g.scalars[i]
            fBar.scalars[i] = g.scalars[i] * outputGain[j]
            prediction.scalars[i] = outputGain[j] * f.scalars[i] + outputOffset[j]
        }
        let (xBar, thetaBar, sBar) = try inputVJP(x, theta, modelGradient: fBar)
        return FullGradient(input: xBar, parameters: thetaBar, inputGain: sBar,
                            outputGain: gBar, outputOffset: cBar, prediction: prediction)
    }

    /// (x̄, θ̄, s̄) from f̄ = ∂L/∂f: the model's VJP at (s ⊙ x, θ), mapped back through the input gain.
    private func inputVJP(_ x: Tensor<Double>, _ theta: [Double], modelGradient fBar: Tensor<Double>)
        throws(TrainingError) -> (input: Tensor<Double>, parameters: [Double], inputGain: [Double])
    {
        let n = shape.inputs
        let inner: (input: Tensor<Double>, parameters: Tensor<Double>)
        do {
            inner = try model.vjp(scaledInput(x), Tensor(theta), outputGradient: fBar)
        } catch {
            throw TrainingError(.model, "twin VJP failed: \(error)")
        }
        var xBar = inner.input
        var sBar = [Double](repeating: 0, count: n)
        for i in xBar.scalars.indices {
            let j = i % n
            sBar[j] += xBar.scalars[i] * x.scalars[i]
            xBar.scalars[i] *= inputGain[j]
        }
        return (xBar, inner.parameters.scalars, sBar)
    }
}
