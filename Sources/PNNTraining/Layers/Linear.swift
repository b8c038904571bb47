import PNNCore

/// y = x·Wᵀ + b, W [outputs×inputs]: the digital linear layer of the `hybrid` experiments only.
public struct Linear: Layer {
    public let name: String
    public let inputCount: Int
    public let outputCount: Int

    public init(name: String, inputs: Int, outputs: Int) {
        self.name = name
        self.inputCount = inputs
        self.outputCount = outputs
    }

    /// W row-major [outputs×inputs], then b [outputs].
    public var parameterCount: Int { outputCount * inputCount + outputCount }

    /// Glorot-uniform weights, zero bias.
    public func initialParameters(using rng: inout SeededGenerator) -> [Double] {
        let bound = (6 / Double(inputCount + outputCount)).squareRoot()
        var p = (0 ..< outputCount * inputCount).map { _ in rng.nextUniform(in: -bound ... bound) }
        p += Array(repeating: 0, count: outputCount)
        return p
    }

    public func forward(_ x: Tensor<Double>, parameters p: [Double]) async throws(TrainingError) -> Tensor<Double> {
        try checkInput(x)
        try checkParameters(p)
        let batch = x.shape[0]
        let (n, m) = (inputCount, outputCount)
        var y = [Double](repeating: 0, count: batch * m)
        // Bias first, then accumulate x·Wᵀ on top (β = 1).
        for row in 0 ..< batch {
            for j in 0 ..< m { y[row * m + j] = p[m * n + j] }
        }
        x.scalars.withUnsafeBufferPointer { xs in
            p.withUnsafeBufferPointer { ps in
                y.withUnsafeMutableBufferPointer { ys in
                    guard let xp = xs.baseAddress, let wp = ps.baseAddress, let yp = ys.baseAddress else { return }
                    BLAS.gemm(transposeA: false, transposeB: true, m: batch, n: m, k: n, xp, wp, beta: 1, yp)
                }
            }
        }
        return Tensor(uncheckedRows: y, columns: m)
    }

    public func backward(input x: Tensor<Double>, output _: Tensor<Double>, parameters p: [Double],
                         outputGradient g: Tensor<Double>) throws(TrainingError) -> LayerGradient {
        try checkInput(x)
        let batch = x.shape[0]
        let (n, m) = (inputCount, outputCount)
        var xBar = [Double](repeating: 0, count: batch * n)
        var pBar = [Double](repeating: 0, count: parameterCount)
        g.scalars.withUnsafeBufferPointer { gs in
            x.scalars.withUnsafeBufferPointer { xs in
                p.withUnsafeBufferPointer { ps in
                    xBar.withUnsafeMutableBufferPointer { xb in
                        pBar.withUnsafeMutableBufferPointer { pb in
                            guard let gp = gs.baseAddress, let xp = xs.baseAddress, let wp = ps.baseAddress,
                                  let xbp = xb.baseAddress, let pbp = pb.baseAddress else { return }
                            // x̄ [B×n] = ȳ [B×m] · W [m×n]
                            BLAS.gemm(transposeA: false, transposeB: false, m: batch, n: n, k: m, gp, wp, xbp)
                            // W̄ [m×n] = ȳᵀ [m×B] · x [B×n]
                            BLAS.gemm(transposeA: true, transposeB: false, m: m, n: n, k: batch, gp, xp, pbp)
                        }
                    }
                }
            }
        }
        for row in 0 ..< batch {
            for j in 0 ..< m { pBar[m * n + j] += g.scalars[row * m + j] }
        }
        return LayerGradient(input: Tensor(uncheckedRows: xBar, columns: n), parameters: pBar)
    }
}
