/// Reads little-endian fields from a byte array; every read returns nil instead of running past the end,
/// because the bytes come from disk and may be damaged.
struct ByteReader {
    let bytes: [UInt8]
    private(set) var offset: Int

    init(_ bytes: [UInt8], offset: Int = 0) {
        self.bytes = bytes
        self.offset = offset
    }

    var remaining: Int { bytes.count - offset }

    mutating func readByte() -> UInt8? {
        guard offset < bytes.count else { return nil }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func readLittleEndian<T: FixedWidthInteger>(_: T.Type = T.self) -> T? {
        let size = MemoryLayout<T>.size
        guard remaining >= size else { return nil }
        let value = bytes.withUnsafeBytes { T(littleEndian: $0.loadUnaligned(fromByteOffset: offset, as: T.self)) }
        offset += size
        return value
    }

    mutating func readDouble() -> Double? {
        readLittleEndian(UInt64.self).map(Double.init(bitPattern:))
    }

    mutating func readBytes(_ count: Int) -> ArraySlice<UInt8>? {
        guard count >= 0, remaining >= count else { return nil }
        defer { offset += count }
        return bytes[offset ..< offset + count]
    }

    /// u8 length + UTF-8 bytes; nil when truncated or not valid UTF-8.
    mutating func readShortString() -> String? {
        guard let length = readByte(), let raw = readBytes(Int(length)) else { return nil }
        return String(validating: raw, as: UTF8.self)
    }

    /// `count` float32 values stored little-endian.
    mutating func readFloats(_ count: Int) -> [Float]? {
        guard count >= 0, count <= remaining / 4 else { return nil }
        let start = offset
        let values = [Float](unsafeUninitializedCapacity: count) { buffer, initialised in
            bytes.withUnsafeBytes { raw in
                #if _endian(little)
                UnsafeMutableRawBufferPointer(buffer).copyMemory(
                    from: UnsafeRawBufferPointer(rebasing: raw[start ..< start + 4 * count]))
                #else
                for i in 0 ..< count {
                    let bits = UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: start + 4 * i, as: UInt32.self))
                    buffer.initializeElement(at: i, to: Float(bitPattern: bits))
                }
                #endif
            }
            initialised = count
        }
        offset += 4 * count
        return values
    }
}
