import PNNCore
import PNNDevices

/// Random probe batches for `calibrate`: what a digital twin is fitted to.
///
/// Inputs are uniform over the device's drive range; every batch of `batchSize` probes shares one random
/// θ (a device takes one θ per batch), so S probes cover ⌈S / batchSize⌉ parameter settings. A probe that
/// would break a step or power limit is scaled towards zero until it passes, so probes are always
/// within limits and cover them as widely as the limits allow.
struct CalibrationProbes {
    static let batchSize = 32

    struct Batch {
        var input: Tensor<Float>
        var parameters: Tensor<Float>
    }

    static func make(for device: DeviceDescription, samples: Int, seed: UInt64) -> [Batch] {
        var rng = SeededGenerator(seed: seed)
        let limits = device.limits
        var batches: [Batch] = []
        var remaining = samples
        while remaining > 0 {
            let b = min(batchSize, remaining)
            remaining -= b
            var theta = (0 ..< device.parameters).map { _ in Float(rng.nextUniform(in: limits.minimum ... limits.maximum)) }
            var rows: [Float] = []
            for _ in 0 ..< b {
                rows += (0 ..< device.inputs).map { _ in Float(rng.nextUniform(in: limits.minimum ... limits.maximum)) }
            }
            var batch = Batch(input: Tensor(uncheckedRows: rows, columns: max(device.inputs, 1)),
                              parameters: Tensor(theta))
            if device.inputs == 0 { batch.input = Tensor<Float>.zeros([b, 0]) }
            // Shrink towards zero until the step/power limits hold; ten halvings reach 0.1 %.
            var attempts = 0
            while limits.check(input: batch.input, parameters: batch.parameters, order: device.driveOrder) != nil,
                  attempts < 10 {
                let scale: Float = 0.5
                theta = theta.map { clamp($0 * scale, limits) }
                batch.parameters = Tensor(theta)
                var scaled = batch.input
                for i in scaled.scalars.indices { scaled.scalars[i] = clamp(scaled.scalars[i] * scale, limits) }
                batch.input = scaled
                attempts += 1
            }
            batches.append(batch)
        }
        return batches
    }

    private static func clamp(_ v: Float, _ limits: DriveLimits) -> Float {
        min(max(v, Float(limits.minimum)), Float(limits.maximum))
    }
}
