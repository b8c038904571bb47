import PNNData
import Testing

@Suite struct DatasetLocatorTests {
    @Test func standardOrder() {
        let locator = DatasetLocator.standard(environment: ["PNN_DATASETS": "/data", "HOME": "/home/u"], currentDirectory: "/src/pnn")
        #expect(locator.candidates(for: "mnist") == [
            "/data/mnist", "/src/pnn/../shared/datasets/mnist", "/work/shared/datasets/mnist",
            "/usr/share/datasets/mnist", "/home/u/.cache/pnn/datasets/mnist",
        ])
        let bare = DatasetLocator.standard(environment: ["PNN_DATASETS": ""], currentDirectory: "/work/main/")
        #expect(bare.roots == ["/work/main/../shared/datasets", "/work/shared/datasets", "/usr/share/datasets"])
    }

    @Test func firstDirectoryHoldingTheFilesWins() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.makeDirectory("a/vowels")  // exists but empty: skipped
        try directory.makeDirectory("b/vowels")
        try directory.write("b/vowels/vowels.csv.gz", [])
        try directory.makeDirectory("c/vowels")
        try directory.write("c/vowels/vowels.csv", [])
        let locator = DatasetLocator(roots: ["\(directory.path)/a", "\(directory.path)/b/", "\(directory.path)/c"])
        #expect(try locator.locate("vowels", containing: ["vowels.csv"]) == "\(directory.path)/b/vowels")
        #expect(try locator.locate("vowels") == "\(directory.path)/a/vowels")
    }

    @Test func notFoundListsEveryPlace() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.makeDirectory("a/mnist")
        try directory.write("a/mnist/train-images-idx3-ubyte", [])
        let locator = DatasetLocator(roots: ["\(directory.path)/a", "\(directory.path)/nowhere"])
        let error = datasetError { () throws(DatasetError) in
            try locator.locate("mnist", containing: ["train-images-idx3-ubyte", "train-labels-idx1-ubyte"])
        }
        #expect(error?.kind == .datasetNotFound)
        #expect(error?.description == """
            mnist: data set not found; looked in:
              \(directory.path)/a/mnist (missing train-labels-idx1-ubyte[.gz])
              \(directory.path)/nowhere/mnist (no such directory)
            Set PNN_DATASETS to a directory containing 'mnist/'.
            """)
    }
}
