import PNNCore

/// A labelled classification data set held in memory: one row of features per sample.
///
/// A value type so a training run can take a subset or a shuffled view without affecting anyone
/// else's copy; the feature storage is shared copy-on-write until then. The initialiser checks the
/// invariants once so the helpers below never have to.
public struct Dataset: Sendable, Equatable {
    /// Short name for logs and reports, e.g. `mnist/train` or `vowels/test`.
    public var name: String
    /// Features, shape `[count, featureCount]`.
    public let features: Tensor<Double>
    /// Class index of each sample, in `0 ..< classCount`.
    public let labels: [Int]
    /// Name of each class, indexed by label.
    public let classNames: [String]

    /// - Throws: `.inconsistent` unless `features` is rank 2 with at least one column, there is one
    ///   label per row and every label indexes `classNames`.
    public init(name: String, features: Tensor<Double>, labels: [Int], classNames: [String]) throws(DatasetError) {
        guard features.rank == 2, features.shape[1] > 0 else {
            throw DatasetError(.inconsistent, "data set '\(name)': features must have shape [count, features ≥ 1], got \(features.shape)")
        }
        guard labels.count == features.shape[0] else {
            throw DatasetError(.inconsistent, "data set '\(name)': \(features.shape[0]) feature rows but \(labels.count) labels")
        }
        if let bad = labels.firstIndex(where: { !classNames.indices.contains($0) }) {
            throw DatasetError(.inconsistent, "data set '\(name)': label \(labels[bad]) of sample \(bad) is outside 0..<\(classNames.count)")
        }
        self.init(unchecked: name, features: features, labels: labels, classNames: classNames)
    }

    private init(unchecked name: String, features: Tensor<Double>, labels: [Int], classNames: [String]) {
        self.name = name
        self.features = features
        self.labels = labels
        self.classNames = classNames
    }

    /// Number of samples.
    public var count: Int { labels.count }
    /// Features per sample (e.g. 784 for MNIST, 196 when downsampled to 14×14).
    public var featureCount: Int { features.shape[1] }
    /// Number of classes, whether or not each occurs in this set.
    public var classCount: Int { classNames.count }

    /// How many samples each class has, indexed by label.
    public func labelCounts() -> [Int] {
        var counts = [Int](repeating: 0, count: classCount)
        for label in labels { counts[label] += 1 }
        return counts
    }

    /// Features of sample `index`.
    public func sample(_ index: Int) -> [Double] { features.row(index) }

    /// The features and labels of `indices`, in that order (repeats allowed): one training batch.
    public func batch(_ indices: some Collection<Int>) -> (features: Tensor<Double>, labels: [Int]) {
        let width = featureCount
        let rows = indices.count
        var labels: [Int] = []
        labels.reserveCapacity(rows)
        // Rows are copied as whole slices straight into uninitialised storage: a batch is built once
        // per step, so per-element appends here would show up in training time.
        let scalars = [Double](unsafeUninitializedCapacity: rows * width) { buffer, initialized in
            features.scalars.withUnsafeBufferPointer { source in
                var offset = 0
                for index in indices {
                    precondition(index >= 0 && index < count, "sample index \(index) out of range 0..<\(count) in '\(name)'")
                    let row = UnsafeBufferPointer(rebasing: source[index * width ..< (index + 1) * width])
                    _ = UnsafeMutableBufferPointer(rebasing: buffer[offset ..< offset + width]).initialize(fromContentsOf: row)
                    offset += width
                    labels.append(self.labels[index])
                }
                initialized = offset
            }
        }
        return (Tensor(uncheckedRows: scalars, columns: width), labels)
    }

    /// The samples at `indices`, in that order, as a data set with the same classes.
    public func subset(indices: some Collection<Int>) -> Dataset {
        let (features, labels) = batch(indices)
        return Dataset(unchecked: name, features: features, labels: labels, classNames: classNames)
    }

    /// The first `n` samples (all of them when `n ≥ count`), e.g. for a quick smoke-test run.
    public func subset(first n: Int) -> Dataset {
        precondition(n >= 0, "subset size must be ≥ 0, got \(n)")
        return n >= count ? self : subset(indices: 0 ..< n)
    }

    /// `n` samples drawn without replacement so each class keeps its share of the whole (largest
    /// remainder rounding), in their original order. Unlike `subset(first:)` this stays balanced when
    /// the file is sorted by class, and the same seed always draws the same samples.
    public func stratifiedSubset(_ n: Int, seed: UInt64) -> Dataset {
        precondition(n >= 0, "subset size must be ≥ 0, got \(n)")
        guard n < count else { return self }
        var byClass = [[Int]](repeating: [], count: classCount)
        for (index, label) in labels.enumerated() { byClass[label].append(index) }
        // Exact shares n·kᵢ/N, floored; the leftover samples go to the largest remainders (lowest
        // label first on ties) so quotas sum to n and never exceed a class's size.
        var quotas = byClass.map { n * $0.count / count }
        let remainders = byClass.indices.map { (label: $0, remainder: n * byClass[$0].count % count) }
        let leftover = n - quotas.reduce(0, +)
        for entry in remainders.sorted(by: { ($0.remainder, -$0.label) > ($1.remainder, -$1.label) }).prefix(leftover) {
            quotas[entry.label] += 1
        }
        var generator = SeededGenerator(seed: seed)
        var chosen: [Int] = []
        chosen.reserveCapacity(n)
        for (label, members) in byClass.enumerated() {
            var members = members
            generator.shuffle(&members)
            chosen += members.prefix(quotas[label])
        }
        chosen.sort()
        return subset(indices: chosen)
    }

    /// A random permutation of `0 ..< count`, the same for the same seed on every machine and Swift
    /// release (see `SeededShuffle.swift`).
    public func shuffledIndices(seed: UInt64) -> [Int] {
        var generator = SeededGenerator(seed: seed)
        return shuffledIndices(using: &generator)
    }

    /// A random permutation of `0 ..< count` drawn from `generator`, for one epoch of a longer stream.
    public func shuffledIndices(using generator: inout SeededGenerator) -> [Int] {
        var indices = Array(0 ..< count)
        generator.shuffle(&indices)
        return indices
    }
}

extension Dataset: CustomStringConvertible {
    public var description: String {
        "Dataset '\(name)': \(count) samples × \(featureCount) features, \(classCount) classes"
    }
}
