import PNNCore
import PNNData
import Testing

/// The MNIST-layout loader on tiny hand-made directories, so every path runs without the real data.
@Suite struct IDXImageDatasetTests {
    /// 3 training images of 4×4 (pixel `i` of image `n` is `16n + i`, times 5) and 2 test images.
    static func writeTinySet(in directory: TemporaryDirectory, gzip: Bool = true) throws -> String {
        let root = try directory.makeDirectory("tiny")
        func image(_ n: Int) -> [UInt8] { (0 ..< 16).map { UInt8((16 * n + $0) * 5) } }
        let files: [(String, [UInt8])] = [
            ("train-images-idx3-ubyte", Fixtures.idx([3, 4, 4], image(0) + image(1) + image(2))),
            ("train-labels-idx1-ubyte", Fixtures.idx([3], [7, 0, 9])),
            ("t10k-images-idx3-ubyte", Fixtures.idx([2, 4, 4], image(2) + image(0))),
            ("t10k-labels-idx1-ubyte", Fixtures.idx([2], [1, 1])),
        ]
        for (name, bytes) in files {
            try directory.write("tiny/" + name + (gzip ? ".gz" : ""), gzip ? Fixtures.gzipStored(bytes) : bytes)
        }
        return root
    }

    @Test(arguments: [false, true])
    func loadsScaledFeatures(gzip: Bool) throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let split = try MNIST.load(directory: Self.writeTinySet(in: directory, gzip: gzip))
        #expect(split.train.features.shape == [3, 16])
        #expect(split.test.features.shape == [2, 16])
        #expect(split.train.labels == [7, 0, 9])
        #expect(split.test.labels == [1, 1])
        #expect(split.train.name == "mnist/train")
        #expect(split.train.sample(1) == (16 ..< 32).map { Double($0 * 5) / 255 })
        #expect(split.train.classNames == MNIST.classNames)
    }

    @Test func downsamplesByBlockAverage() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let root = try Self.writeTinySet(in: directory)
        let half = try MNIST.load(.train, directory: root, downsample: 2)
        #expect(half.features.shape == [3, 4])
        #expect(half.name == "mnist/train 2×2")
        // Image 0, top-left block: pixels 0, 1, 4, 5 → mean 2.5, times 5, over 255.
        #expect(half.sample(0) == [2.5, 4.5, 10.5, 12.5].map { $0 * 5 / 255 })
        let quarter = try MNIST.load(.test, directory: root, downsample: 4)
        #expect(quarter.features.shape == [2, 1])
        #expect(quarter.sample(1) == [7.5 * 5 / 255])
    }

    @Test func rejectsAFactorThatDoesNotDivide() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let root = try Self.writeTinySet(in: directory)
        let error = datasetError { () throws(DatasetError) in try MNIST.load(.train, directory: root, downsample: 3) }
        #expect(error?.kind == .invalidArgument)
        #expect(error?.message.contains("does not divide the 4×4 images") == true)
        #expect(datasetError { () throws(DatasetError) in try MNIST.load(.train, directory: root, downsample: 0) }?.kind == .invalidArgument)
    }

    @Test func imageAndLabelCountsMustAgree() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let root = try Self.writeTinySet(in: directory, gzip: false)
        let labels = try directory.write("tiny/t10k-labels-idx1-ubyte", Fixtures.idx([3], [1, 1, 1]))
        let error = datasetError { () throws(DatasetError) in try MNIST.load(.test, directory: root) }
        #expect(error?.kind == .inconsistent)
        #expect(error?.description == "\(labels): 3 labels, but \(root)/t10k-images-idx3-ubyte holds 2 images")
    }

    @Test func labelsMustIndexTheClasses() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let root = try Self.writeTinySet(in: directory, gzip: false)
        try directory.write("tiny/t10k-labels-idx1-ubyte", Fixtures.idx([2], [1, 10]))
        let error = datasetError { () throws(DatasetError) in try FashionMNIST.load(.test, directory: root) }
        #expect(error?.kind == .inconsistent)
        #expect(error?.message == "label 10 of sample 1 is outside 0..<10")
    }

    @Test func missingFileNamesBothForms() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let root = try directory.makeDirectory("empty")
        let error = datasetError { () throws(DatasetError) in try MNIST.load(directory: root) }
        #expect(error?.kind == .fileNotFound)
        #expect(error?.description == "\(root)/train-images-idx3-ubyte: no such file (nor train-images-idx3-ubyte.gz next to it)")
    }
}
