import PNNCore

/// Random probes for twin fitting, measured on a device (through pnnd or in process).
public enum CalibrationProbes {
    /// `samples` probes in batches of 50 sharing one θ (so the physics fit can batch model calls),
    /// plus a repeat of the first batch whose RMS difference / √2 is the device's noise floor.
    ///
    /// Probes stay inside the inner 80 % of the drive range (the trained networks live there too), and
    /// narrow enough that no step between drive values exceeds the slew limit and the mean power stays
    /// under its limit: pnnd would refuse the batch otherwise.
    public static func measure(on backend: any PhysicalBackend, samples: Int, seed: UInt64 = 2024)
        async throws(TrainingError) -> (data: CalibrationData, noiseFloor: Double)
    {
        var rng = SeededGenerator(seed: seed)
        let shape = backend.shape
        let limits = backend.limits
        var half = 0.4 * (limits.maximum - limits.minimum)
        if let step = limits.maxStep { half = min(half, 0.49 * step) }
        let centre = (limits.minimum + limits.maximum) / 2
        if let power = limits.maxMeanPower { half = min(half, max(power - centre * centre, 0).squareRoot() * 0.99) }
        let range = (centre - half) ... (centre + half)
        var xs: [Double] = [], thetas: [Double] = [], ys: [Double] = []
        var noise = 0.0
        var done = 0
        while done < samples {
            let batch = min(50, samples - done)
            let x = Tensor(uncheckedRows: (0 ..< batch * shape.inputs).map { _ in rng.nextUniform(in: range) },
                           columns: shape.inputs)
            let theta = (0 ..< shape.parameters).map { _ in rng.nextUniform(in: range) }
            let y = try await backend.measure(x, theta)
            if done == 0 {
                let again = try await backend.measure(x, theta)
                let d = zip(y.scalars, again.scalars).map { ($0 - $1) * ($0 - $1) }.reduce(0, +)
                noise = (d / Double(max(y.count, 1)) / 2).squareRoot()
            }
            xs += x.scalars
            for _ in 0 ..< batch { thetas += theta }
            ys += y.scalars
            done += batch
        }
        let data = try CalibrationData(
            inputs: Tensor(uncheckedRows: xs, columns: shape.inputs),
            parameters: Tensor(uncheckedRows: thetas, columns: max(shape.parameters, 1)),
            outputs: Tensor(uncheckedRows: ys, columns: shape.outputs))
        return (data, noise)
    }
}
