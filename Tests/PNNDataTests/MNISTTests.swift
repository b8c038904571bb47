import PNNCore
import PNNData
import Testing

/// The real MNIST files, loaded once for the whole suite (a `static let` of an immutable, Sendable
/// value: lazily initialised once, thread-safe, no mutable global).
enum RealMNIST {
    static let directory: String? = try? MNIST.locate()
    static let full: Result<DatasetSplit, DatasetError>? = directory.map { directory in
        Result { () throws(DatasetError) in try MNIST.load(directory: directory) }
    }
}

@Suite(.enabled("MNIST not found by DatasetLocator.standard() (looked for mnist/ under $PNN_DATASETS, ../shared/datasets, /work/shared/datasets, …); skipping") {
    RealMNIST.directory != nil
})
struct MNISTTests {
    @Test func labelCountsAreTheStandardOnes() throws {
        let split = try #require(RealMNIST.full).get()
        #expect(split.train.labelCounts() == [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949])
        #expect(split.test.labelCounts() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009])
    }

    @Test func shapesAndValueRange() throws {
        let split = try #require(RealMNIST.full).get()
        #expect(split.train.features.shape == [60000, 784])
        #expect(split.test.features.shape == [10000, 784])
        #expect(split.train.name == "mnist/train" && split.test.name == "mnist/test")
        for part in [split.train, split.test] {
            // One pass through a buffer: 47 million elements are slow in a debug build otherwise.
            let (low, high, offGrid) = part.features.scalars.withUnsafeBufferPointer { values in
                var (low, high, offGrid) = (Double.infinity, -Double.infinity, 0)
                for value in values {
                    low = min(low, value)
                    high = max(high, value)
                    // Every value is a byte over 255.
                    if (value * 255).rounded() / 255 != value { offGrid += 1 }
                }
                return (low, high, offGrid)
            }
            #expect(low == 0 && high == 1, "\(part.name)")
            #expect(offGrid == 0, "\(part.name)")
        }
        // MNIST digits are centred: the image corner is always blank.
        #expect(split.train.sample(0).first == 0)
    }

    @Test func downsampledIsTheTwoByTwoAverage() throws {
        let full = try #require(RealMNIST.full).get().test
        let directory = try #require(RealMNIST.directory)
        let half = try MNIST.load(.test, directory: directory, downsample: 2)
        #expect(half.features.shape == [10000, 196])
        #expect(half.name == "mnist/test 14×14")
        #expect(half.labels == full.labels)

        // One image by hand: output (r, c) averages input rows 2r, 2r+1 and columns 2c, 2c+1.
        let image = full.sample(0)
        var expected: [Double] = []
        for r in 0 ..< 14 {
            for c in 0 ..< 14 {
                let block = [image[(2 * r) * 28 + 2 * c], image[(2 * r) * 28 + 2 * c + 1],
                             image[(2 * r + 1) * 28 + 2 * c], image[(2 * r + 1) * 28 + 2 * c + 1]]
                expected.append(block.reduce(0, +) / 4)
            }
        }
        let pooled = half.sample(0)
        #expect(zip(pooled, expected).allSatisfy { abs($0 - $1) < 1e-12 })
        #expect(pooled.contains { $0 > 0.5 }, "the digit survives pooling")

        // And every image the same way, compactly.
        let (source, pooledAll) = (full.features.scalars, half.features.scalars)
        var worst = 0.0
        for n in 0 ..< full.count {
            for r in 0 ..< 14 {
                for c in 0 ..< 14 {
                    let top = n * 784 + 56 * r + 2 * c
                    let mean = (source[top] + source[top + 1] + source[top + 28] + source[top + 29]) / 4
                    worst = max(worst, abs(pooledAll[n * 196 + 14 * r + c] - mean))
                }
            }
        }
        #expect(worst < 1e-12)
    }

    @Test func batchesFromRealData() throws {
        let train = try #require(RealMNIST.full).get().train
        let order = train.shuffledIndices(seed: 1)
        let (features, labels) = train.batch(order.prefix(32))
        #expect(features.shape == [32, 784])
        #expect(labels == order.prefix(32).map { train.labels[$0] })
        #expect(features.row(5) == train.sample(order[5]))
        let small = train.stratifiedSubset(1000, seed: 3)
        #expect(small.labelCounts().allSatisfy { (80 ... 120).contains($0) }, "\(small.labelCounts())")
    }
}

@Suite(.enabled("Fashion-MNIST not found (install Debian's dataset-fashion-mnist or set PNN_DATASETS); skipping") {
    (try? FashionMNIST.locate()) != nil
})
struct FashionMNISTTests {
    @Test func loadsWithClassNamesAndBalancedCounts() throws {
        let split = try FashionMNIST.load()
        #expect(split.train.labelCounts() == [Int](repeating: 6000, count: 10))
        #expect(split.test.labelCounts() == [Int](repeating: 1000, count: 10))
        #expect(split.train.featureCount == 784)
        #expect(split.train.classNames[0] == "T-shirt/top" && split.train.classNames[9] == "Ankle boot")
        #expect(split.test.features.scalars.max() == 1)
    }
}
