import PNNCore

/// Features [count×D] with one class label per row: what the trainer consumes.
public struct LabelledData: Sendable {
    public var features: Tensor<Double>
    public var labels: [Int]
    public var classCount: Int

    public init(features: Tensor<Double>, labels: [Int], classCount: Int) throws(TrainingError) {
        guard features.rank == 2, features.shape[0] == labels.count else {
            throw TrainingError(.shapeMismatch, "\(labels.count) labels for features of shape \(features.shape)")
        }
        guard labels.allSatisfy({ (0 ..< classCount).contains($0) }) else {
            throw TrainingError(.shapeMismatch, "labels must lie in 0..<\(classCount)")
        }
        self.features = features
        self.labels = labels
        self.classCount = classCount
    }

    public var count: Int { labels.count }
    public var featureCount: Int { features.shape[1] }

    /// Rows `indices` as a batch.
    public func batch(_ indices: ArraySlice<Int>) -> (features: Tensor<Double>, labels: [Int]) {
        let d = featureCount
        var x = [Double]()
        x.reserveCapacity(indices.count * d)
        var y = [Int]()
        y.reserveCapacity(indices.count)
        features.scalars.withUnsafeBufferPointer { all in
            for i in indices {
                x.append(contentsOf: all[i * d ..< (i + 1) * d])
                y.append(labels[i])
            }
        }
        return (Tensor(uncheckedRows: x, columns: d), y)
    }

    /// The first `n` rows (all if n ≥ count).
    public func prefix(_ n: Int) -> LabelledData {
        let k = min(max(n, 0), count)
        let b = batch(Array(0 ..< k)[...])
        // Sizes and labels come from self, so they are consistent by construction.
        return LabelledData(unchecked: b.features, labels: b.labels, classCount: classCount)
    }

    init(unchecked features: Tensor<Double>, labels: [Int], classCount: Int) {
        self.features = features
        self.labels = labels
        self.classCount = classCount
    }
}
