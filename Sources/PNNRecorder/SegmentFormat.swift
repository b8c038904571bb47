/// The byte layout of segment files (all integers little-endian; docs/recorder.md has the full picture).
///
///     file   = header frame*
///     header = "PNNREC01" (8) | u32 format version = 1 | u32 flags = 0           16 bytes
///     frame  = u32 body length | u32 CRC-32C(body) | body                          8 + length bytes
///     body   = "PNN" + type byte ("B" batch record, "S" sequence checkpoint) | type-specific fields
///
/// The 4-byte marker at the start of every body lets a reader find the next frame after damage
/// (see `FrameWalker`) instead of giving up on the rest of the segment.
enum SegmentFormat {
    static let magic: [UInt8] = Array("PNNREC01".utf8)
    static let version: UInt32 = 1
    static let headerBytes = 16
    static let frameHeaderBytes = 8
    /// Smallest body: the marker alone.
    static let minimumBodyBytes = 4
    /// Largest body a writer produces and a reader believes; a bigger length field is damage.
    static let maximumBodyBytes = 1 << 30
    /// Bytes of a body read to decide whether a frame is wanted; covers any batch record summary
    /// (fixed fields, three ≤255-byte strings, three shapes of rank ≤ 8).
    static let prefixBytes = 1024

    static var header: [UInt8] {
        var writer = ByteWriter(capacity: headerBytes)
        writer.append(magic)
        writer.appendLittleEndian(version)
        writer.appendLittleEndian(UInt32(0))
        return writer.bytes
    }

    enum HeaderState: Equatable {
        case valid
        /// Our magic with a version this reader does not know: leave the file alone.
        case unsupportedVersion(UInt32)
        /// Anything else: shorter than a header, zeros from a crash during creation, or damage.
        case invalid
    }

    static func headerState(_ bytes: [UInt8]) -> HeaderState {
        guard bytes.count >= headerBytes, Array(bytes[0 ..< 8]) == magic else { return .invalid }
        var reader = ByteReader(bytes, offset: 8)
        guard let version = reader.readLittleEndian(UInt32.self), let flags = reader.readLittleEndian(UInt32.self)
        else { return .invalid }
        guard version == Self.version else { return .unsupportedVersion(version) }
        return flags == 0 ? .valid : .invalid
    }

    /// `seg-<16 hex digits>.pnnrec`; the number is the count of batch records the writer had appended
    /// before this segment, so names sort in append order.
    static func segmentName(index: UInt64) -> String {
        let hex = String(index, radix: 16)
        return "seg-" + String(repeating: "0", count: 16 - hex.count) + hex + ".pnnrec"
    }

    static func segmentIndex(fromName name: String) -> UInt64? {
        guard name.hasPrefix("seg-"), name.hasSuffix(".pnnrec"), name.utf8.count == 4 + 16 + 7 else { return nil }
        let digits = name.dropFirst(4).prefix(16)
        guard digits.allSatisfy({ $0.isHexDigit && !$0.isUppercase }) else { return nil }
        return UInt64(digits, radix: 16)
    }
}

/// What a frame holds, from the fourth byte of its body's marker.
enum FrameType: UInt8 {
    /// One `BatchRecord` of single acquisitions.
    case batch = 0x42  // "B"
    /// One `BatchRecord` whose outputs average several acquisitions: a batch body with a u16 count
    /// after the marker. Its own type (not a new segment version) because readers skip frame types they
    /// do not know: an older pnnd leaves these records alone instead of refusing the whole segment.
    case averagedBatch = 0x41  // "A"
    /// The last sequence number of every device, written first in each new segment.
    case checkpoint = 0x53  // "S"

    static let markerPrefix: [UInt8] = Array("PNN".utf8)

    var marker: [UInt8] { Self.markerPrefix + [rawValue] }

    /// Holds a `BatchRecord`.
    var isBatch: Bool { self == .batch || self == .averagedBatch }

    /// The type named by the first four bytes of a body; nil when they are not a known marker.
    init?(marker bytes: ArraySlice<UInt8>) {
        guard bytes.count >= 4 else { return nil }
        let start = bytes.startIndex
        guard bytes[start] == 0x50, bytes[start + 1] == 0x4E, bytes[start + 2] == 0x4E else { return nil }
        self.init(rawValue: bytes[start + 3])
    }
}
