/// An unsigned-byte IDX file, the format of the MNIST family: a 4-byte magic `00 00 08 <rank>`,
/// `rank` big-endian UInt32 dimensions, then the elements in row-major order.
///
/// The element count must match the file size exactly: MNIST mirrors have been known to serve
/// HTML error pages or half-downloaded files under the right name, and a size check catches both
/// before they turn into silently wrong training data.
public struct IDXFile: Sendable, Equatable {
    /// Extent of each dimension, outermost first (e.g. `[60000, 28, 28]`).
    public let dimensions: [Int]
    /// The elements in row-major order; `elements.count == dimensions.reduce(1, *)`. A slice of the
    /// file's bytes, so parsing copies nothing.
    public let elements: ArraySlice<UInt8>

    /// Magic of a rank-1 unsigned-byte file (labels).
    public static let labelMagic: UInt32 = 0x0000_0801
    /// Magic of a rank-3 unsigned-byte file (images).
    public static let imageMagic: UInt32 = 0x0000_0803

    /// Parses IDX `bytes` that must have `rank` dimensions.
    ///
    /// - Parameter path: named in errors.
    /// - Throws: `.truncated` (shorter than the header or its declared data), `.malformedHeader` (magic
    ///   or element type), `.sizeMismatch` (longer than declared).
    public init(bytes: [UInt8], rank: Int, path: String) throws(DatasetError) {
        precondition((1 ... 255).contains(rank), "IDX rank must be 1…255, got \(rank)")
        let expectedMagic = UInt32(0x0800) | UInt32(rank)
        guard bytes.count >= 4 else {
            throw DatasetError(.truncated, path: path,
                               "truncated IDX file: \(bytes.count) bytes, expected at least the 4-byte magic \(Self.hex(expectedMagic))")
        }
        let magic = Self.bigEndianUInt32(bytes, at: 0)
        guard magic == expectedMagic else {
            throw DatasetError(.malformedHeader, path: path,
                               "not an unsigned-byte IDX file of rank \(rank): expected magic \(Self.hex(expectedMagic)), found \(Self.hex(magic))\(Self.explain(magic))")
        }
        let headerSize = 4 + 4 * rank
        guard bytes.count >= headerSize else {
            throw DatasetError(.truncated, path: path,
                               "truncated IDX header: \(rank) dimensions need \(headerSize) bytes, file has \(bytes.count)")
        }
        var dimensions: [Int] = []
        dimensions.reserveCapacity(rank)
        var count = 1
        for axis in 0 ..< rank {
            let extent = Int(Self.bigEndianUInt32(bytes, at: 4 + 4 * axis))
            let (product, overflow) = count.multipliedReportingOverflow(by: extent)
            guard !overflow else {
                throw DatasetError(.malformedHeader, path: path, "IDX dimensions \(dimensions + [extent]) overflow the element count")
            }
            count = product
            dimensions.append(extent)
        }
        let found = bytes.count - headerSize
        guard found >= count else {
            throw DatasetError(.truncated, path: path,
                               "truncated IDX data: dimensions \(Self.shape(dimensions)) need \(count) bytes after the \(headerSize)-byte header, found \(found)")
        }
        guard found == count else {
            throw DatasetError(.sizeMismatch, path: path,
                               "IDX size mismatch: dimensions \(Self.shape(dimensions)) need \(count) bytes after the \(headerSize)-byte header, found \(found) (\(found - count) extra)")
        }
        self.dimensions = dimensions
        self.elements = bytes[headerSize...]
    }

    /// Reads and parses an IDX file, gzip-compressed or not.
    public init(path: String, rank: Int) throws(DatasetError) {
        try self.init(bytes: DatasetFile.read(path: path), rank: rank, path: path)
    }

    private static func bigEndianUInt32(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16 | UInt32(bytes[offset + 2]) << 8 | UInt32(bytes[offset + 3])
    }

    private static func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return "0x" + String(repeating: "0", count: max(0, 8 - digits.count)) + digits
    }

    private static func shape(_ dimensions: [Int]) -> String {
        dimensions.map(String.init).joined(separator: "×")
    }

    /// A hint for the commonest wrong files: another IDX type or rank, gzip that was not inflated.
    private static func explain(_ magic: UInt32) -> String {
        if magic >> 16 == 0x1F8B { return " (gzip data inside a gzip stream?)" }
        guard magic >> 16 == 0 else { return " (not an IDX file)" }
        let types: [UInt32: String] = [0x08: "unsigned byte", 0x09: "signed byte", 0x0B: "int16",
                                       0x0C: "int32", 0x0D: "float32", 0x0E: "float64"]
        guard let type = types[(magic >> 8) & 0xFF] else { return " (not an IDX file)" }
        let rank = magic & 0xFF
        return " (an IDX file of \(type) elements with \(rank) dimension\(rank == 1 ? "" : "s"))"
    }
}
