#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import PNNData
import Testing

/// A fresh directory under the system temporary directory for files a test writes; `remove()` it
/// in a `defer`. Each test gets its own, so tests running in parallel never share files.
struct TemporaryDirectory {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory.path + "/pnn-data-tests-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    /// Writes `bytes` to `name` in this directory and returns the file's path.
    @discardableResult
    func write(_ name: String, _ bytes: [UInt8]) throws -> String {
        let file = path + "/" + name
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        return file
    }

    @discardableResult
    func write(_ name: String, text: String) throws -> String {
        try write(name, Array(text.utf8))
    }

    @discardableResult
    func makeDirectory(_ name: String) throws -> String {
        let directory = path + "/" + name
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        return directory
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// Builds small test files in the formats the loaders read.
enum Fixtures {
    /// An unsigned-byte IDX file: magic `00 00 08 rank`, big-endian dimensions, then `elements`.
    static func idx(_ dimensions: [Int], _ elements: [UInt8]) -> [UInt8] {
        var bytes: [UInt8] = [0, 0, 0x08, UInt8(dimensions.count)]
        for extent in dimensions { bytes += bigEndian(UInt32(extent)) }
        return bytes + elements
    }

    static func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
    }

    /// `gzip.compress(idx([2, 2, 3], [0, 20, …, 220]), compresslevel=9, mtime=0)` from Python 3:
    /// real deflate-compressed data, not produced by the code under test.
    static let pythonGzippedIDX: [UInt8] = [
        0x1F, 0x8B, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x03, 0x63, 0x60, 0xE0, 0x60, 0x66, 0x60,
        0x60, 0x60, 0x82, 0x62, 0x66, 0x06, 0x11, 0x0D, 0x9B, 0x80, 0x94, 0x8A, 0x9E, 0x05, 0x5B, 0x4E,
        0xDC, 0x01, 0x00, 0xA6, 0x13, 0xE4, 0x5D, 0x1C, 0x00, 0x00, 0x00,
    ]

    /// A gzip member holding `data` in stored (uncompressed) deflate blocks, with a correct CRC-32
    /// and length, so tests can corrupt or cut precise parts of a stream.
    static func gzipStored(_ data: [UInt8]) -> [UInt8] {
        var bytes: [UInt8] = [0x1F, 0x8B, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0x03]
        var chunks = stride(from: 0, to: data.count, by: 65535).map { data[$0 ..< min($0 + 65535, data.count)] }
        if chunks.isEmpty { chunks = [data[...]] }
        for (index, chunk) in chunks.enumerated() {
            let length = UInt16(chunk.count)
            bytes.append(index == chunks.count - 1 ? 1 : 0)  // BFINAL, BTYPE 00 (stored)
            bytes += [UInt8(length & 0xFF), UInt8(length >> 8), UInt8(~length & 0xFF), UInt8(~length >> 8)]
            bytes += chunk
        }
        bytes += littleEndian(crc32(data))
        bytes += littleEndian(UInt32(truncatingIfNeeded: data.count))
        return bytes
    }

    static func littleEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value & 0xFF), UInt8((value >> 8) & 0xFF), UInt8((value >> 16) & 0xFF), UInt8(value >> 24)]
    }

    /// CRC-32 (IEEE 802.3, reflected, as gzip uses), bit by bit: slow and obviously right.
    static func crc32(_ data: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in data {
            crc ^= UInt32(byte)
            for _ in 0 ..< 8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }
}

/// The `DatasetError` that `body` throws; records an issue (and returns nil) when it returns instead.
func datasetError<T>(sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws(DatasetError) -> T) -> DatasetError? {
    do {
        let value = try body()
        Issue.record("expected a DatasetError, got \(value)", sourceLocation: sourceLocation)
        return nil
    } catch {
        return error
    }
}
