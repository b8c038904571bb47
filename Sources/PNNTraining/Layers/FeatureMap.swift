import PNNCore

/// A fixed wiring y_j = x_{source[j]}: selects, reorders or repeats features without weights.
///
/// Used to spread a few features over a wider drive (each vowel feature on several shaper bins) and to
/// read the classes off chosen detector bins — wiring, not computation, so it is allowed in
/// physics-only networks.
public struct FeatureMap: Layer {
    public let name: String
    public let inputCount: Int
    /// Input index feeding each output.
    public let source: [Int]

    public init(name: String, inputs: Int, source: [Int]) {
        precondition(source.allSatisfy { (0 ..< inputs).contains($0) }, "feature map index out of range")
        self.name = name
        self.inputCount = inputs
        self.source = source
    }

    /// Repeats each of `inputs` features `times` times in a row: [x0 x0 x1 x1 …].
    public static func repeating(name: String, inputs: Int, times: Int) -> FeatureMap {
        FeatureMap(name: name, inputs: inputs, source: (0 ..< inputs * times).map { $0 / times })
    }

    /// Keeps the first `count` features.
    public static func prefix(name: String, inputs: Int, count: Int) -> FeatureMap {
        FeatureMap(name: name, inputs: inputs, source: Array(0 ..< count))
    }

    public var outputCount: Int { source.count }
    public var parameterCount: Int { 0 }
    public func initialParameters(using rng: inout SeededGenerator) -> [Double] { [] }

    public func forward(_ x: Tensor<Double>, parameters _: [Double]) async throws(TrainingError) -> Tensor<Double> {
        try checkInput(x)
        let batch = x.shape[0], n = inputCount, m = source.count
        var y = [Double](repeating: 0, count: batch * m)
        for row in 0 ..< batch {
            for j in 0 ..< m { y[row * m + j] = x.scalars[row * n + source[j]] }
        }
        return Tensor(uncheckedRows: y, columns: m)
    }

    public func backward(input x: Tensor<Double>, output _: Tensor<Double>, parameters _: [Double],
                         outputGradient g: Tensor<Double>) throws(TrainingError) -> LayerGradient {
        let batch = x.shape[0], n = inputCount, m = source.count
        var xBar = [Double](repeating: 0, count: batch * n)
        for row in 0 ..< batch {
            for j in 0 ..< m { xBar[row * n + source[j]] += g.scalars[row * m + j] }
        }
        return LayerGradient(input: Tensor(uncheckedRows: xBar, columns: n), parameters: [])
    }
}
