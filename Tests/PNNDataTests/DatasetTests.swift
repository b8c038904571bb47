import PNNCore
import PNNData
import Testing

@Suite struct DatasetTests {
    /// 10 samples, 2 features (`[i, 10 i]`), labels 0 0 0 0 0 0 1 1 1 2.
    static func sample() throws -> Dataset {
        let values = (0 ..< 10).flatMap { [Double($0), Double(10 * $0)] }
        return try Dataset(name: "toy", features: Tensor(uncheckedRows: values, columns: 2),
                           labels: [0, 0, 0, 0, 0, 0, 1, 1, 1, 2], classNames: ["a", "b", "c", "d"])
    }

    @Test func basicCounts() throws {
        let data = try Self.sample()
        #expect(data.count == 10)
        #expect(data.featureCount == 2)
        #expect(data.classCount == 4)
        #expect(data.labelCounts() == [6, 3, 1, 0])
        #expect(data.description == "Dataset 'toy': 10 samples × 2 features, 4 classes")
    }

    @Test func initialiserChecksInvariants() {
        let rank1 = datasetError { () throws(DatasetError) in try Dataset(name: "x", features: Tensor([1, 2]), labels: [0, 0], classNames: ["a"]) }
        #expect(rank1?.kind == .inconsistent)
        let rows = datasetError { () throws(DatasetError) in
            try Dataset(name: "x", features: Tensor(uncheckedRows: [1, 2], columns: 1), labels: [0], classNames: ["a"])
        }
        #expect(rows?.message == "data set 'x': 2 feature rows but 1 labels")
        let label = datasetError { () throws(DatasetError) in
            try Dataset(name: "x", features: Tensor(uncheckedRows: [1, 2], columns: 1), labels: [0, 1], classNames: ["a"])
        }
        #expect(label?.message == "data set 'x': label 1 of sample 1 is outside 0..<1")
    }

    @Test func batchGathersRowsInOrder() throws {
        let data = try Self.sample()
        let (features, labels) = data.batch([9, 0, 9])
        #expect(features.shape == [3, 2])
        #expect(features.scalars == [9, 90, 0, 0, 9, 90])
        #expect(labels == [2, 0, 2])
        let empty = data.batch([Int]())
        #expect(empty.features.shape == [0, 2])
        #expect(empty.labels.isEmpty)
    }

    @Test func subsets() throws {
        let data = try Self.sample()
        let first = data.subset(first: 3)
        #expect(first.count == 3)
        #expect(first.labels == [0, 0, 0])
        #expect(first.features.scalars == [0, 0, 1, 10, 2, 20])
        #expect(data.subset(first: 50) == data)
        #expect(data.subset(indices: [8, 1]).labels == [1, 0])
    }

    @Test func shuffledIndicesArePermutationsFixedBySeed() throws {
        let data = try Self.sample()
        let a = data.shuffledIndices(seed: 42)
        #expect(a.sorted() == Array(0 ..< 10))
        #expect(data.shuffledIndices(seed: 42) == a)
        #expect(data.shuffledIndices(seed: 43) != a)
        // Pinned: the order must not change with the Swift release (our own Fisher–Yates).
        #expect(a == Self.pinnedOrderSeed42)
    }

    /// `shuffledIndices(seed: 42)` of 10 samples as first computed; a change here changes every run's data order.
    static let pinnedOrderSeed42 = [9, 1, 4, 2, 8, 7, 6, 5, 3, 0]

    @Test func shuffleIsUnbiasedEnough() throws {
        // Position of sample 0 over many seeds: each of 4 slots about a quarter of the time.
        let data = try Dataset(name: "four", features: Tensor(uncheckedRows: [0, 1, 2, 3], columns: 1),
                               labels: [0, 0, 0, 0], classNames: ["a"])
        var slots = [0, 0, 0, 0]
        for seed in 0 ..< 4000 as Range<UInt64> {
            if let slot = data.shuffledIndices(seed: seed).firstIndex(of: 0) { slots[slot] += 1 }
        }
        #expect(slots.allSatisfy { (900 ... 1100).contains($0) }, "\(slots)")
    }

    @Test func stratifiedSubsetKeepsClassShares() throws {
        let data = try Self.sample()
        let half = data.stratifiedSubset(5, seed: 7)
        // Shares 3, 1.5, 0.5 → 3 + the largest remainders (tie: lower label first) → [3, 2, 0].
        #expect(half.count == 5)
        #expect(half.labelCounts() == [3, 2, 0, 0])
        #expect(data.stratifiedSubset(5, seed: 7) == half)
        #expect(half.labels == half.labels.sorted(), "original order is kept")
        #expect(data.stratifiedSubset(10, seed: 1) == data)
        #expect(data.stratifiedSubset(0, seed: 1).count == 0)
    }
}
