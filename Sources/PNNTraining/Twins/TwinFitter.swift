import PNNCore
import PNNPhysics

/// Fits twins to calibration measurements and reports their held-out error.
public enum TwinFitter {
    /// Root-mean-square error of `twin` on `data`, in output units.
    public static func rmsError(_ twin: any Twin, on data: CalibrationData) throws(TrainingError) -> Double {
        var sum = 0.0
        for group in data.groups() {
            let part = data.rows(group)
            let theta = Array(part.parameters.scalars.prefix(part.parameters.shape[1]))
            let y = try twin.predict(part.inputs, theta)
            for (a, b) in zip(y.scalars, part.outputs.scalars) { sum += (a - b) * (a - b) }
        }
        return (sum / Double(max(data.outputs.count, 1))).squareRoot()
    }

    /// Physics twin: gradient descent (Adam) on the drive gains s, detector gains g and offsets c,
    /// with gradients through the model's exact VJP. Returns the fitted twin and its training RMS.
    public static func fitPhysics(_ start: PhysicsTwin, on data: CalibrationData, iterations: Int = 300,
                                  learningRate: Double = 0.01) throws(TrainingError) -> PhysicsTwin {
        var twin = start
        var optimizer = Optimizer(.adam(), shapes: [twin.inputGain.count, twin.outputGain.count, twin.outputOffset.count])
        let groups = data.groups()
        let scale = 1 / Double(max(data.outputs.count, 1))
        for _ in 0 ..< iterations {
            var gs = [Double](repeating: 0, count: twin.inputGain.count)
            var gg = [Double](repeating: 0, count: twin.outputGain.count)
            var gc = [Double](repeating: 0, count: twin.outputOffset.count)
            for group in groups {
                let part = data.rows(group)
                let theta = Array(part.parameters.scalars.prefix(part.parameters.shape[1]))
                // ∂(mean squared error)/∂prediction, evaluated through calibrationVJP's prediction.
                let probe = try twin.calibrationVJP(part.inputs, theta, outputGradient: Tensor.zeros(part.outputs.shape))
                var residual = probe.prediction
                for i in residual.scalars.indices {
                    residual.scalars[i] = 2 * (residual.scalars[i] - part.outputs.scalars[i]) * scale
                }
                let full = try twin.calibrationVJP(part.inputs, theta, outputGradient: residual)
                for i in gs.indices { gs[i] += full.inputGain[i] }
                for i in gg.indices { gg[i] += full.outputGain[i] }
                for i in gc.indices { gc[i] += full.outputOffset[i] }
            }
            var p = [twin.inputGain, twin.outputGain, twin.outputOffset]
            optimizer.step(&p, gradients: [gs, gg, gc], learningRate: learningRate)
            twin.inputGain = p[0].map { max($0, 0) }
            twin.outputGain = p[1]
            twin.outputOffset = p[2]
        }
        return twin
    }

    /// Physical constants of the twin's model (resonance frequencies, damping, component values —
    /// `FittableModel`), by coordinate search: for each constant in turn, a scan of relative offsets
    /// within ±`span` (the reality gap's scale), keeping the best, then a finer scan around it; the
    /// whole cycle `sweeps` times. A scan rather than gradient descent because the error is far from
    /// convex in a resonance frequency: over a 0.2 s drive a 2 % error in a 900 Hz mode is 20 rad of
    /// phase, and a gradient from the nominal value points into the nearest of many local minima.
    /// Returns the twin with the best constants (gains and offsets untouched).
    public static func fitPhysicalParameters(_ start: PhysicsTwin, on data: CalibrationData, span: Double = 0.08,
                                             sweeps: Int = 2,
                                             progress: (String) -> Void = { _ in }) throws(TrainingError) -> PhysicsTwin {
        guard let fittable = start.model as? any FittableModel else {
            throw TrainingError(.invalidArgument, "the \(start.model.kind) model has no fittable constants")
        }
        var best = start
        var bestError = try rmsError(start, on: data)
        var values = fittable.fittableParameters
        let names = fittable.fittableParameterNames
        func twin(_ v: [Double]) throws(TrainingError) -> PhysicsTwin? {
            guard let model = try? fittable.withFittableParameters(v) else { return nil }
            var t = PhysicsTwin(model: model)
            (t.inputGain, t.outputGain, t.outputOffset) = (start.inputGain, start.outputGain, start.outputOffset)
            return t
        }
        let coarse = stride(from: -span, through: span, by: span / 32).map { $0 }
        let fine = stride(from: -span / 32, through: span / 32, by: span / 320).map { $0 }
        for sweep in 0 ..< sweeps {
            for i in values.indices {
                for offsets in [coarse, fine] {
                    let centre = values[i]
                    for delta in offsets where delta != 0 {
                        var trial = values
                        trial[i] = centre * (1 + delta)
                        guard let candidate = try twin(trial) else { continue }
                        let error = try rmsError(candidate, on: data)
                        if error < bestError {
                            (bestError, best, values) = (error, candidate, trial)
                        }
                    }
                }
                progress(String(format: "sweep %d: %@ = %.5g, RMS %.4g", sweep + 1, names[i], values[i], bestError))
            }
        }
        return best
    }

    /// MLP twin: Adam on minibatches of the calibration data (standardised outputs).
    public static func fitMLP(shape: ModelShape, on data: CalibrationData, hidden: [Int], epochs: Int = 200,
                              batchSize: Int = 64, learningRate: Double = 3e-3, seed: UInt64 = 1) -> MLPTwin {
        var twin = MLPTwin(shape: shape, hidden: hidden, seed: seed)
        twin.standardize(outputs: data.outputs)
        var optimizer = Optimizer(.adam(), shapes: twin.weights.layers.map(\.count))
        var rng = SeededGenerator(seed: seed &+ 1)
        var order = Array(0 ..< data.count)
        for epoch in 0 ..< epochs {
            order.shuffle(using: &rng)
            let rate = LearningRateSchedule.cosine(epochs: epochs, floor: 0.05).rate(base: learningRate, epoch: Double(epoch))
            var start = 0
            while start < order.count {
                let idx = order[start ..< min(start + batchSize, order.count)]
                let part = data.select(idx)
                _ = twin.trainStep(x: part.inputs, theta: part.parameters, y: part.outputs, optimizer: &optimizer,
                                   learningRate: rate)
                start += batchSize
            }
        }
        return twin
    }
}
