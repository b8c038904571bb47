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

    public func vjp(_ x: Tensor<Double>, _ theta: [Double], outputGradient g: Tensor<Double>)
        throws(TrainingError) -> (input: Tensor<Double>, parameters: [Double])
    {
        let full = try calibrationVJP(x, theta, outputGradient: g)
        return (full.input, full.parameters)
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
        let (n, m) = (shape.inputs, shape.outputs)
        let scaled = scaledInput(x)
        let f = try modelOutput(scaled, theta)
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
        let inner: (input: Tensor<Double>, parameters: Tensor<Double>)
        do {
            inner = try model.vjp(scaled, Tensor(theta), outputGradient: fBar)
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
        return FullGradient(input: xBar, parameters: inner.parameters.scalars, inputGain: sBar,
                            outputGain: gBar, outputOffset: cBar, prediction: prediction)
    }
}
