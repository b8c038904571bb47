import PNNCore
@testable import PNNData
import Testing

@Suite struct GzipReaderTests {
    @Test func fixtureCRCMatchesTheKnownCheckValue() {
        #expect(Fixtures.crc32(Array("123456789".utf8)) == 0xCBF4_3926)
    }

    @Test func inflatesPythonGzipAndTheIDXInsideParses() throws {
        let bytes = try GzipReader.decompress(Fixtures.pythonGzippedIDX)
        #expect(bytes == Fixtures.idx([2, 2, 3], (0 ..< 12).map { UInt8($0 * 20) }))
        let file = try IDXFile(bytes: bytes, rank: 3, path: "tiny.gz")
        #expect(file.dimensions == [2, 2, 3])
        #expect(Array(file.elements) == (0 ..< 12).map { UInt8($0 * 20) })
    }

    @Test func detectsGzipByContentNotByName() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let idx = Fixtures.idx([3], [1, 2, 3])
        // gzip data without a .gz name, and plain data with one: both load.
        let gzipped = try directory.write("labels-idx1-ubyte", Fixtures.gzipStored(idx))
        let plain = try directory.write("labels-idx1-ubyte.gz", idx)
        #expect(try DatasetFile.read(path: gzipped) == idx)
        #expect(try DatasetFile.read(path: plain) == idx)
        #expect(try DatasetFile.readRaw(path: gzipped) == Fixtures.gzipStored(idx))
        #expect(try IDXFile(path: gzipped, rank: 1).dimensions == [3])
    }

    @Test func storedBlocksAndConcatenatedMembersInflate() throws {
        let data = (0 ..< 70_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        #expect(try GzipReader.decompress(Fixtures.gzipStored(data)) == data)
        let twoMembers = Fixtures.gzipStored([1, 2]) + Fixtures.gzipStored([3])
        #expect(try GzipReader.decompress(twoMembers) == [1, 2, 3])
        #expect(try GzipReader.decompress(Fixtures.gzipStored([])) == [])
        #expect(try GzipReader.decompress(Fixtures.gzipStored([7]) + [0, 0, 0]) == [7])
    }

    @Test func checksumMismatchIsCorrupt() {
        var bytes = Fixtures.gzipStored(Array("hello, world".utf8))
        bytes[15] ^= 0xFF  // a data byte: the CRC no longer matches
        let error = datasetError { () throws(DatasetError) in try GzipReader.decompress(bytes, path: "/data/x.gz") }
        #expect(error?.kind == .corruptGzip)
        #expect(error?.description.hasPrefix("/data/x.gz: corrupt gzip data") == true)
        #expect(error?.message.contains("incorrect data check") == true)
    }

    @Test func invalidDeflateDataIsCorrupt() {
        var bytes = Fixtures.pythonGzippedIDX
        bytes[10] = 0xFF  // block type 11 is reserved
        #expect(datasetError { () throws(DatasetError) in try GzipReader.decompress(bytes) }?.kind == .corruptGzip)
        var method = Fixtures.pythonGzippedIDX
        method[2] = 0x09  // compression method other than deflate
        let error = datasetError { () throws(DatasetError) in try GzipReader.decompress(method) }
        #expect(error?.kind == .corruptGzip)
        #expect(error?.message.contains("unknown compression method") == true)
    }

    @Test func trailingGarbageIsCorrupt() {
        let error = datasetError { () throws(DatasetError) in try GzipReader.decompress(Fixtures.pythonGzippedIDX + [0x41, 0x42]) }
        #expect(error?.kind == .corruptGzip)
        #expect(error?.message.contains("2 bytes of trailing garbage") == true)
    }

    @Test(arguments: [1, 4, 8, 20, 33])
    func cutStreamIsTruncated(dropping: Int) throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = try directory.write("cut.gz", Array(Fixtures.pythonGzippedIDX.prefix(Fixtures.pythonGzippedIDX.count - dropping)))
        let error = datasetError { () throws(DatasetError) in try DatasetFile.read(path: path) }
        #expect(error?.kind == .truncated)
        #expect(error?.path == path)
        #expect(error?.description.contains("truncated gzip data") == true)
    }

    @Test func missingFileAndDirectoryAreNamed() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let missing = directory.path + "/nope.gz"
        let notFound = datasetError { () throws(DatasetError) in try DatasetFile.read(path: missing) }
        #expect(notFound?.kind == .fileNotFound)
        #expect(notFound?.description == "\(missing): no such file")
        let isDirectory = datasetError { () throws(DatasetError) in try DatasetFile.read(path: directory.path) }
        #expect(isDirectory?.kind == .notReadable)
        #expect(isDirectory?.description.contains("is a directory") == true)
    }

    @Test func readsAnEmptyFile() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        #expect(try DatasetFile.read(path: directory.write("empty", [])) == [])
    }
}
