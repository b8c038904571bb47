#if canImport(Glibc)
import Glibc
#endif
import PNNCore
import PNNPhysics

/// A black-box twin: a small tanh MLP from [x, θ] to y, trained on calibration data.
///
/// It knows no physics, so it needs more data than the physics twin and extrapolates worse, but it
/// captures unmodelled effects the physics twin cannot (the paper's PNNs used such DNN twins).
/// Outputs are learnt standardised (per-bin mean and deviation of the training data).
public struct MLPTwin: Twin {
    public struct Weights: Codable, Sendable, Equatable {
        public var inputs: Int
        public var parameters: Int
        public var outputs: Int
        public var hidden: [Int]
        /// Per dense layer: W [out×in] row-major followed by b [out].
        public var layers: [[Double]]
        public var outputMean: [Double]
        public var outputScale: [Double]
    }

    public internal(set) var weights: Weights

    public init(weights: Weights) throws(TrainingError) {
        let sizes = [weights.inputs + weights.parameters] + weights.hidden + [weights.outputs]
        guard weights.layers.count == sizes.count - 1,
              zip(weights.layers, zip(sizes, sizes.dropFirst())).allSatisfy({ $0.count == $1.1 * $1.0 + $1.1 }),
              weights.outputMean.count == weights.outputs, weights.outputScale.count == weights.outputs
        else {
            throw TrainingError(.file, "MLP twin weights do not match its layer sizes \(sizes)")
        }
        self.weights = weights
    }

    /// Glorot-initialised network for `shape` with the given hidden widths.
    public init(shape: ModelShape, hidden: [Int], seed: UInt64) {
        var rng = SeededGenerator(seed: seed)
        let sizes = [shape.inputs + shape.parameters] + hidden + [shape.outputs]
        let layers = zip(sizes, sizes.dropFirst()).map { (n, m) -> [Double] in
            let bound = (6 / Double(n + m)).squareRoot()
            return (0 ..< n * m).map { _ in rng.nextUniform(in: -bound ... bound) } + [Double](repeating: 0, count: m)
        }
        weights = Weights(inputs: shape.inputs, parameters: shape.parameters, outputs: shape.outputs, hidden: hidden,
                          layers: layers, outputMean: [Double](repeating: 0, count: shape.outputs),
                          outputScale: [Double](repeating: 1, count: shape.outputs))
    }

    public var shape: ModelShape {
        ModelShape(inputs: weights.inputs, parameters: weights.parameters, outputs: weights.outputs)
    }

    var sizes: [Int] { [weights.inputs + weights.parameters] + weights.hidden + [weights.outputs] }

    /// [x | θ] per row, with a per-row θ [B×P].
    func joined(_ x: Tensor<Double>, _ theta: [Double], perSample: Bool) -> [Double] {
        let (b, n, p) = (x.shape[0], weights.inputs, weights.parameters)
        var z = [Double](repeating: 0, count: b * (n + p))
        for r in 0 ..< b {
            for i in 0 ..< n { z[r * (n + p) + i] = x.scalars[r * n + i] }
            for j in 0 ..< p { z[r * (n + p) + n + j] = perSample ? theta[r * p + j] : theta[j] }
        }
        return z
    }

    /// Activations of every layer (input, hidden after tanh, standardised output).
    func activations(_ z: [Double], batch: Int) -> [[Double]] {
        var acts = [z]
        let s = sizes
        for l in 0 ..< s.count - 1 {
            let (n, m) = (s[l], s[l + 1])
            var y = [Double](repeating: 0, count: batch * m)
            let w = weights.layers[l]
            for r in 0 ..< batch { for j in 0 ..< m { y[r * m + j] = w[n * m + j] } }
            acts[l].withUnsafeBufferPointer { a in
                w.withUnsafeBufferPointer { wp in
                    y.withUnsafeMutableBufferPointer { yp in
                        guard let ap = a.baseAddress, let wb = wp.baseAddress, let yb = yp.baseAddress else { return }
                        BLAS.gemm(transposeA: false, transposeB: true, m: batch, n: m, k: n, ap, wb, beta: 1, yb)
                    }
                }
            }
            if l < s.count - 2 { for i in y.indices { y[i] = tanh(y[i]) } }
            acts.append(y)
        }
        return acts
    }

    /// Backpropagates ∂L/∂(standardised output) through the layers: ∂L/∂z and per-layer gradients.
    func backpropagate(_ acts: [[Double]], outputGradient: [Double], batch: Int) -> (input: [Double], layers: [[Double]]) {
        let s = sizes
        var g = outputGradient
        var grads = [[Double]](repeating: [], count: s.count - 1)
        for l in (0 ..< s.count - 1).reversed() {
            let (n, m) = (s[l], s[l + 1])
            if l < s.count - 2 {
                // through tanh: d tanh = 1 − y²
                for i in g.indices { g[i] *= 1 - acts[l + 1][i] * acts[l + 1][i] }
            }
            var wg = [Double](repeating: 0, count: n * m + m)
            var xg = [Double](repeating: 0, count: batch * n)
            g.withUnsafeBufferPointer { gp in
                acts[l].withUnsafeBufferPointer { ap in
                    weights.layers[l].withUnsafeBufferPointer { wp in
                        wg.withUnsafeMutableBufferPointer { wgp in
                            xg.withUnsafeMutableBufferPointer { xgp in
                                guard let gb = gp.baseAddress, let ab = ap.baseAddress, let wb = wp.baseAddress,
                                      let wgb = wgp.baseAddress, let xgb = xgp.baseAddress else { return }
                                BLAS.gemm(transposeA: true, transposeB: false, m: m, n: n, k: batch, gb, ab, wgb)
                                BLAS.gemm(transposeA: false, transposeB: false, m: batch, n: n, k: m, gb, wb, xgb)
                            }
                        }
                    }
                }
            }
            for r in 0 ..< batch { for j in 0 ..< m { wg[n * m + j] += g[r * m + j] } }
            grads[l] = wg
            g = xg
        }
        return (g, grads)
    }

    public func predict(_ x: Tensor<Double>, _ theta: [Double]) throws(TrainingError) -> Tensor<Double> {
        try check(x, theta)
        let batch = x.shape[0], m = weights.outputs
        var y = activations(joined(x, theta, perSample: false), batch: batch)[sizes.count - 1]
        for i in y.indices { y[i] = y[i] * weights.outputScale[i % m] + weights.outputMean[i % m] }
        return Tensor(uncheckedRows: y, columns: m)
    }

    public func vjp(_ x: Tensor<Double>, _ theta: [Double], outputGradient g: Tensor<Double>)
        throws(TrainingError) -> (input: Tensor<Double>, parameters: [Double])
    {
        try check(x, theta)
        let batch = x.shape[0], (n, p, m) = (weights.inputs, weights.parameters, weights.outputs)
        let acts = activations(joined(x, theta, perSample: false), batch: batch)
        var gs = g.scalars
        for i in gs.indices { gs[i] *= weights.outputScale[i % m] }
        let zBar = backpropagate(acts, outputGradient: gs, batch: batch).input
        var xBar = [Double](repeating: 0, count: batch * n), thetaBar = [Double](repeating: 0, count: p)
        for r in 0 ..< batch {
            for i in 0 ..< n { xBar[r * n + i] = zBar[r * (n + p) + i] }
            for j in 0 ..< p { thetaBar[j] += zBar[r * (n + p) + n + j] }
        }
        return (Tensor(uncheckedRows: xBar, columns: n), thetaBar)
    }

    func check(_ x: Tensor<Double>, _ theta: [Double]) throws(TrainingError) {
        guard x.rank == 2, x.shape[1] == weights.inputs, theta.count == weights.parameters else {
            throw TrainingError(.shapeMismatch, "MLP twin takes x [B×\(weights.inputs)] and θ [\(weights.parameters)], got \(x.shape) and [\(theta.count)]")
        }
    }

    /// One Adam-style update on a batch of calibration data with per-sample θ: returns the batch MSE in
    /// standardised units.
    mutating func trainStep(x: Tensor<Double>, theta: Tensor<Double>, y: Tensor<Double>,
                            optimizer: inout Optimizer, learningRate: Double) -> Double {
        let batch = x.shape[0], m = weights.outputs
        let acts = activations(joined(x, theta.scalars, perSample: true), batch: batch)
        let out = acts[sizes.count - 1]
        var g = [Double](repeating: 0, count: out.count)
        var loss = 0.0
        for i in out.indices {
            let target = (y.scalars[i] - weights.outputMean[i % m]) / weights.outputScale[i % m]
            let d = out[i] - target
            loss += d * d
            g[i] = 2 * d / Double(out.count)
        }
        let grads = backpropagate(acts, outputGradient: g, batch: batch).layers
        optimizer.step(&weights.layers, gradients: grads, learningRate: learningRate)
        return loss / Double(out.count)
    }

    /// Sets the output standardisation from training targets.
    mutating func standardize(outputs y: Tensor<Double>) {
        let m = weights.outputs, b = Double(max(y.shape[0], 1))
        var mean = [Double](repeating: 0, count: m), square = [Double](repeating: 0, count: m)
        for i in y.scalars.indices { mean[i % m] += y.scalars[i] / b; square[i % m] += y.scalars[i] * y.scalars[i] / b }
        weights.outputMean = mean
        weights.outputScale = (0 ..< m).map { max((square[$0] - mean[$0] * mean[$0]).squareRoot(), 1e-6) }
    }
}
