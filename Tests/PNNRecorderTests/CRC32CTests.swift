@testable import PNNRecorder
import PNNCore
import Testing

@Suite struct CRC32CTests {
    /// One bit at a time, straight from the definition: the oracle for the sliced tables.
    static func bitwise(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0 ..< 8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
        }
        return ~crc
    }

    @Test func knownVectors() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        // RFC 3720 (iSCSI) appendix B.4.
        #expect(CRC32C.checksum([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)
        #expect(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)) == 0x62A8_AB43)
        #expect(CRC32C.checksum((0 ..< 32).map { UInt8($0) }) == 0x46DD_794E)
        #expect(CRC32C.checksum((0 ..< 32).map { UInt8(31 - $0) }) == 0x113F_DB5C)
        #expect(CRC32C.checksum([]) == 0)
    }

    @Test func slicedTablesMatchTheBitwiseDefinitionAtEveryLength() {
        var generator = SeededGenerator(seed: 42)
        for length in 0 ..< 80 {
            let bytes = (0 ..< length).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            #expect(bytes.withUnsafeBytes { CRC32C.softwareChecksum($0) } == Self.bitwise(bytes), "length \(length)")
            #expect(CRC32C.checksum(bytes) == Self.bitwise(bytes), "length \(length)")
        }
    }

    /// The processor's instruction (when there is one) against the tables, at every alignment and
    /// length around the 8-byte steps, and continued across splits.
    @Test func hardwareAndTablesAgree() {
        var generator = SeededGenerator(seed: 7)
        let bytes = (0 ..< 4096).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
        bytes.withUnsafeBytes { all in
            for start in 0 ..< 9 {
                for length in [0, 1, 7, 8, 9, 15, 16, 17, 63, 64, 65, 1000, 4000] {
                    let part = UnsafeRawBufferPointer(rebasing: all[start ..< start + length])
                    #expect(CRC32C.checksum(part) == CRC32C.softwareChecksum(part), "start \(start), length \(length)")
                    let first = UnsafeRawBufferPointer(rebasing: part[..<(length / 3)])
                    let rest = UnsafeRawBufferPointer(rebasing: part[(length / 3)...])
                    #expect(CRC32C.checksum(rest, continuing: CRC32C.checksum(first)) == CRC32C.softwareChecksum(part))
                }
            }
        }
        #if arch(x86_64)
        // Every x86-64 machine this runs on (CI included) has SSE 4.2; without it the test above
        // would only compare the tables with themselves.
        #expect(CRC32C.hardware)
        #endif
    }

    @Test func continuingEqualsOneShot() {
        let bytes = (0 ..< 1000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let whole = CRC32C.checksum(bytes)
        for split in [0, 1, 7, 8, 9, 500, 999, 1000] {
            let first = CRC32C.checksum(bytes[..<split])
            let both = bytes[split...].withUnsafeBytes { CRC32C.checksum($0, continuing: first) }
            #expect(both == whole, "split at \(split)")
        }
    }
}
