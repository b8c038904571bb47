import PNNCore
import PNNData
import Testing

@Suite struct IDXFileTests {
    @Test func parsesLabelsAndImages() throws {
        let labels = try IDXFile(bytes: Fixtures.idx([4], [3, 1, 4, 1]), rank: 1, path: "l")
        #expect(labels.dimensions == [4])
        #expect(Array(labels.elements) == [3, 1, 4, 1])
        let images = try IDXFile(bytes: Fixtures.idx([2, 1, 3], [0, 1, 2, 3, 4, 5]), rank: 3, path: "i")
        #expect(images.dimensions == [2, 1, 3])
        #expect(images.elements.count == 6)
        #expect(IDXFile.labelMagic == 0x801 && IDXFile.imageMagic == 0x803)
    }

    @Test func truncatedHeaderAndDataAreReported() {
        let shortMagic = datasetError { () throws(DatasetError) in try IDXFile(bytes: [0, 0], rank: 1, path: "/d/a") }
        #expect(shortMagic?.kind == .truncated)
        #expect(shortMagic?.description == "/d/a: truncated IDX file: 2 bytes, expected at least the 4-byte magic 0x00000801")

        let shortHeader = datasetError { () throws(DatasetError) in
            try IDXFile(bytes: Array(Fixtures.idx([2, 2, 2], []).prefix(10)), rank: 3, path: "/d/b")
        }
        #expect(shortHeader?.kind == .truncated)
        #expect(shortHeader?.message == "truncated IDX header: 3 dimensions need 16 bytes, file has 10")

        let shortData = datasetError { () throws(DatasetError) in
            try IDXFile(bytes: Fixtures.idx([2, 2, 2], [1, 2, 3, 4, 5]), rank: 3, path: "/d/c")
        }
        #expect(shortData?.kind == .truncated)
        #expect(shortData?.message == "truncated IDX data: dimensions 2×2×2 need 8 bytes after the 16-byte header, found 5")
    }

    @Test func wrongMagicSaysWhatItFound() {
        // A labels file where images are expected: the usual mix-up.
        let swapped = datasetError { () throws(DatasetError) in try IDXFile(bytes: Fixtures.idx([2], [0, 1]), rank: 3, path: "/d/images") }
        #expect(swapped?.kind == .malformedHeader)
        #expect(swapped?.description == "/d/images: not an unsigned-byte IDX file of rank 3: expected magic 0x00000803, found 0x00000801 (an IDX file of unsigned byte elements with 1 dimension)")

        let html = datasetError { () throws(DatasetError) in try IDXFile(bytes: Array("<html>".utf8), rank: 1, path: "/d/l") }
        #expect(html?.kind == .malformedHeader)
        #expect(html?.message.contains("found 0x3C68746D (not an IDX file)") == true)

        var floats = Fixtures.idx([1], [0, 0, 0, 0])
        floats[2] = 0x0D
        let float = datasetError { () throws(DatasetError) in try IDXFile(bytes: floats, rank: 1, path: "/d/f") }
        #expect(float?.message.contains("float32 elements") == true)
    }

    @Test func extraBytesAreASizeMismatch() {
        let error = datasetError { () throws(DatasetError) in try IDXFile(bytes: Fixtures.idx([3], [1, 2, 3, 4]), rank: 1, path: "/d/l") }
        #expect(error?.kind == .sizeMismatch)
        #expect(error?.message == "IDX size mismatch: dimensions 3 need 3 bytes after the 8-byte header, found 4 (1 extra)")
    }

    @Test func fileErrorsNameThePath() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = try directory.write("t10k-labels-idx1-ubyte.gz", Fixtures.gzipStored(Fixtures.idx([5], [1, 2])))
        let error = datasetError { () throws(DatasetError) in try IDXFile(path: path, rank: 1) }
        #expect(error?.kind == .truncated)
        #expect(error?.path == path)
    }
}
