import PNNCore

/// A fixed wiring without weights: output j is input `source[j]`, or the mean of a group of inputs.
///
/// Used to spread a few features over a wider drive (each vowel feature on several shaper bins), to
/// wire one physical layer's detector bins to the next one's drive, and to read the classes off chosen
/// detector bins — one bin per class, or the mean of several (a wider detector: each reading's
/// independent noise averages down). Wiring and averaging, not computation, so it is allowed in
/// physics-only networks.
public struct FeatureMap: ParameterFreeLayer {
    public let name: String
    public let inputCount: Int
    /// Input indices averaged into each output (one index for plain wiring).
    public let groups: [[Int]]

    /// y_j = x_{source[j]}.
    public init(name: String, inputs: Int, source: [Int]) {
        self.init(name: name, inputs: inputs, averaging: source.map { [$0] })
    }

    /// y_j = mean_{i ∈ groups[j]} x_i.
    public init(name: String, inputs: Int, averaging groups: [[Int]]) {
        precondition(groups.allSatisfy { !$0.isEmpty && $0.allSatisfy { (0 ..< inputs).contains($0) } },
                     "feature map group empty or index out of range")
        self.name = name
        self.inputCount = inputs
        self.groups = groups
    }

    /// Repeats each of `inputs` features `times` times in a row: [x0 x0 x1 x1 …].
    public static func repeating(name: String, inputs: Int, times: Int) -> FeatureMap {
        FeatureMap(name: name, inputs: inputs, source: (0 ..< inputs * times).map { $0 / times })
    }

    /// Keeps the first `count` features.
    public static func prefix(name: String, inputs: Int, count: Int) -> FeatureMap {
        FeatureMap(name: name, inputs: inputs, source: Array(0 ..< count))
    }

    public var outputCount: Int { groups.count }

    public func forward(_ x: Tensor<Double>, parameters _: [Double]) async throws(TrainingError) -> Tensor<Double> {
        try checkInput(x)
        let batch = x.shape[0], n = inputCount, m = groups.count
        var y = [Double](repeating: 0, count: batch * m)
        for row in 0 ..< batch {
            for (j, group) in groups.enumerated() {
                var sum = 0.0
                for i in group { sum += x.scalars[row * n + i] }
                y[row * m + j] = sum / Double(group.count)  // exact for a group of one
            }
        }
        return Tensor(uncheckedRows: y, columns: m)
    }

    public func backward(input x: Tensor<Double>, output _: Tensor<Double>, parameters _: [Double],
                         outputGradient g: Tensor<Double>) throws(TrainingError) -> LayerGradient {
        let batch = x.shape[0], n = inputCount, m = groups.count
        var xBar = [Double](repeating: 0, count: batch * n)
        for row in 0 ..< batch {
            for (j, group) in groups.enumerated() {
                let share = g.scalars[row * m + j] / Double(group.count)
                for i in group { xBar[row * n + i] += share }
            }
        }
        return LayerGradient(input: Tensor(uncheckedRows: xBar, columns: n), parameters: [])
    }
}
