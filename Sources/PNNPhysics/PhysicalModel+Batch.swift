import PNNCore

/// Batched, validated, multi-core entry points on top of the per-chunk kernels.
extension PhysicalModel {
    /// Checks x [B×N] and θ [P]: rank, sizes and finiteness.
    public func validate(input x: Tensor<Double>, parameters theta: Tensor<Double>) throws(ModelError) {
        guard x.rank == 2, x.shape[1] == shape.inputs else {
            throw ModelError(.shapeMismatch, "\(kind) input must have shape [B×\(shape.inputs)], got \(x.shape)")
        }
        guard theta.rank == 1, theta.shape[0] == shape.parameters else {
            throw ModelError(.shapeMismatch, "\(kind) parameters must have shape [\(shape.parameters)], got \(theta.shape)")
        }
        if let i = x.firstNonFiniteIndex {
            throw ModelError(.nonFinite, "input element \(i) (sample \(i / shape.inputs), feature \(i % shape.inputs)) is \(x.scalars[i])")
        }
        if let i = theta.firstNonFiniteIndex {
            throw ModelError(.nonFinite, "parameter \(i) is \(theta.scalars[i])")
        }
    }

    /// y [B×M] = f(x [B×N], θ [P]), samples spread over all cores.
    public func forward(_ x: Tensor<Double>, _ theta: Tensor<Double>) throws(ModelError) -> Tensor<Double> {
        try validate(input: x, parameters: theta)
        let batch = x.shape[0]
        let (n, m) = (shape.inputs, shape.outputs)
        var y = Tensor<Double>.zeros([batch, m])
        x.scalars.withUnsafeBufferPointer { xs in
            theta.scalars.withUnsafeBufferPointer { th in
                y.scalars.withUnsafeMutableBufferPointer { ys in
                    let (xShared, thShared, yShared) = (SharedReadBuffer(xs), SharedReadBuffer(th), SharedBuffer(ys))
                    ParallelBatch.forEachChunk(count: batch) { _, samples in
                        self.forward(
                            x: xShared.slice(samples.lowerBound * n, samples.count * n),
                            theta: thShared.buffer,
                            y: yShared.slice(samples.lowerBound * m, samples.count * m),
                            count: samples.count)
                    }
                }
            }
        }
        return y
    }

    /// (x̄ [B×N], θ̄ [P]) = ȳᵀ ∂f/∂(x, θ) at (x, θ); θ̄ is summed over the batch in a fixed order.
    public func vjp(
        _ x: Tensor<Double>, _ theta: Tensor<Double>, outputGradient yBar: Tensor<Double>
    ) throws(ModelError) -> (input: Tensor<Double>, parameters: Tensor<Double>) {
        try validate(input: x, parameters: theta)
        let batch = x.shape[0]
        guard yBar.shape == [batch, shape.outputs] else {
            throw ModelError(.shapeMismatch, "output gradient must have shape [\(batch)×\(shape.outputs)], got \(yBar.shape)")
        }
        let (n, p, m) = (shape.inputs, shape.parameters, shape.outputs)
        let chunks = ParallelBatch.chunkCount(count: batch)
        var xBar = Tensor<Double>.zeros([batch, n])
        // One θ̄ row per chunk, reduced afterwards in chunk order: deterministic whatever the core count.
        var partial = [Double](repeating: 0, count: chunks * p)
        x.scalars.withUnsafeBufferPointer { xs in
            theta.scalars.withUnsafeBufferPointer { th in
                yBar.scalars.withUnsafeBufferPointer { ybs in
                    xBar.scalars.withUnsafeMutableBufferPointer { xbs in
                        partial.withUnsafeMutableBufferPointer { parts in
                            let xShared = SharedReadBuffer(xs), thShared = SharedReadBuffer(th)
                            let ybShared = SharedReadBuffer(ybs), xbShared = SharedBuffer(xbs)
                            let partShared = SharedBuffer(parts)
                            ParallelBatch.forEachChunk(count: batch) { c, samples in
                                self.vjp(
                                    x: xShared.slice(samples.lowerBound * n, samples.count * n),
                                    theta: thShared.buffer,
                                    yBar: ybShared.slice(samples.lowerBound * m, samples.count * m),
                                    xBar: xbShared.slice(samples.lowerBound * n, samples.count * n),
                                    thetaBar: partShared.slice(c * p, p),
                                    count: samples.count)
                            }
                        }
                    }
                }
            }
        }
        var thetaBar = [Double](repeating: 0, count: p)
        for c in 0 ..< chunks {
            for j in 0 ..< p { thetaBar[j] += partial[c * p + j] }
        }
        return (xBar, Tensor(thetaBar))
    }

    /// Float32 convenience: converts at the boundary, computes in Float64.
    public func forward(_ x: Tensor<Float>, _ theta: Tensor<Float>) throws(ModelError) -> Tensor<Float> {
        try forward(x.converted(to: Double.self), theta.converted(to: Double.self)).converted(to: Float.self)
    }
}
