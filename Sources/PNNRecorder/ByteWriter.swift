/// Appends little-endian integers, floats and short strings to a byte array.
struct ByteWriter {
    private(set) var bytes: [UInt8]

    init(capacity: Int) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    mutating func append(_ value: UInt8) { bytes.append(value) }

    mutating func append(_ raw: [UInt8]) { bytes.append(contentsOf: raw) }

    mutating func appendLittleEndian<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func append(_ value: Double) { appendLittleEndian(value.bitPattern) }

    /// u8 length + UTF-8 bytes; the caller has checked the length fits in a byte.
    mutating func appendShortString(_ text: String) {
        let utf8 = Array(text.utf8)
        bytes.append(UInt8(truncatingIfNeeded: utf8.count))
        bytes.append(contentsOf: utf8)
    }

    /// Raw IEEE-754 float32 bits, little-endian: NaN payloads and signed zeros survive unchanged.
    mutating func appendFloats(_ values: [Float]) {
        #if _endian(little)
        values.withUnsafeBytes { bytes.append(contentsOf: $0) }
        #else
        for value in values { appendLittleEndian(value.bitPattern) }
        #endif
    }

    /// Overwrites 4 bytes at `offset` (for length and checksum fields filled in after the body).
    mutating func patchLittleEndian(_ value: UInt32, at offset: Int) {
        withUnsafeBytes(of: value.littleEndian) { raw in
            for i in 0 ..< 4 { bytes[offset + i] = raw[i] }
        }
    }
}
