#if canImport(Glibc)
import Glibc
#endif
import PNNCore

/// Training objectives on a batch of network outputs; values are means over the batch, gradients
/// are ∂(mean)/∂output.
public enum Loss: String, Sendable, Codable, CaseIterable {
    /// Softmax cross-entropy of the outputs read as class logits.
    case crossEntropy
    /// Mean squared error against one-hot targets (½·Σ per sample).
    case meanSquared

    public func evaluate(_ output: Tensor<Double>, labels: [Int]) throws(TrainingError)
        -> (value: Double, gradient: Tensor<Double>)
    {
        guard output.rank == 2, output.shape[0] == labels.count else {
            throw TrainingError(.shapeMismatch, "loss needs [B×C] outputs for \(labels.count) labels, got \(output.shape)")
        }
        let (batch, classes) = (output.shape[0], output.shape[1])
        guard labels.allSatisfy({ (0 ..< classes).contains($0) }) else {
            throw TrainingError(.shapeMismatch, "labels must be in 0..<\(classes)")
        }
        var gradient = Tensor<Double>.zeros(output.shape)
        var total = 0.0
        let scale = 1 / Double(max(batch, 1))
        for b in 0 ..< batch {
            let base = b * classes
            switch self {
            case .crossEntropy:
                var peak = -Double.infinity
                for c in 0 ..< classes { peak = max(peak, output.scalars[base + c]) }
                var sum = 0.0
                for c in 0 ..< classes { sum += exp(output.scalars[base + c] - peak) }
                let logSum = log(sum) + peak
                total += logSum - output.scalars[base + labels[b]]
                for c in 0 ..< classes {
                    let p = exp(output.scalars[base + c] - logSum)
                    gradient.scalars[base + c] = (p - (c == labels[b] ? 1 : 0)) * scale
                }
            case .meanSquared:
                for c in 0 ..< classes {
                    let d = output.scalars[base + c] - (c == labels[b] ? 1 : 0)
                    total += 0.5 * d * d
                    gradient.scalars[base + c] = d * scale
                }
            }
        }
        let value = total * scale
        guard value.isFinite else { throw TrainingError(.diverged, "loss is \(value)") }
        return (value, gradient)
    }
}

extension Tensor where Scalar == Double {
    /// Index of the largest entry of each row (ties go to the first): the predicted class.
    public func argmaxRows() -> [Int] {
        guard rank == 2, shape[1] > 0 else { return [] }
        let width = shape[1]
        return (0 ..< shape[0]).map { b in
            var best = 0
            for c in 1 ..< width where scalars[b * width + c] > scalars[b * width + best] { best = c }
            return best
        }
    }
}
