import PNNCore

/// A fixed average of groups of inputs, y_j = mean_{i ∈ groups[j]} x_i: a wider detector bin.
///
/// Reads one class off several detector bins (for instance the same class bin on every channel of a
/// bank) so that each reading's independent noise averages down, without any trainable mixing —
/// wiring and averaging, not computation, so it is allowed in physics-only networks.
public struct BinMean: Layer {
    public let name: String
    public let inputCount: Int
    /// Input indices averaged into each output.
    public let groups: [[Int]]

    public init(name: String, inputs: Int, groups: [[Int]]) {
        precondition(groups.allSatisfy { !$0.isEmpty && $0.allSatisfy { (0 ..< inputs).contains($0) } },
                     "bin group empty or out of range")
        self.name = name
        self.inputCount = inputs
        self.groups = groups
    }

    public var outputCount: Int { groups.count }
    public var parameterCount: Int { 0 }
    public func initialParameters(using rng: inout SeededGenerator) -> [Double] { [] }

    public func forward(_ x: Tensor<Double>, parameters _: [Double]) async throws(TrainingError) -> Tensor<Double> {
        try checkInput(x)
        let batch = x.shape[0], n = inputCount, m = groups.count
        var y = [Double](repeating: 0, count: batch * m)
        for row in 0 ..< batch {
            for (j, group) in groups.enumerated() {
                var sum = 0.0
                for i in group { sum += x.scalars[row * n + i] }
                y[row * m + j] = sum / Double(group.count)
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
