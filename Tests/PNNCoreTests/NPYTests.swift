#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import PNNCore
import Testing

@Suite struct NPYTests {
    /// `np.save(f, np.arange(6, dtype='<f4').reshape(2, 3))` with NumPy 2.4, byte for byte.
    static let numpyArange6: [UInt8] = [
        0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 0x01, 0x00, 0x76, 0x00, 0x7B, 0x27, 0x64, 0x65, 0x73, 0x63,
        0x72, 0x27, 0x3A, 0x20, 0x27, 0x3C, 0x66, 0x34, 0x27, 0x2C, 0x20, 0x27, 0x66, 0x6F, 0x72, 0x74,
        0x72, 0x61, 0x6E, 0x5F, 0x6F, 0x72, 0x64, 0x65, 0x72, 0x27, 0x3A, 0x20, 0x46, 0x61, 0x6C, 0x73,
        0x65, 0x2C, 0x20, 0x27, 0x73, 0x68, 0x61, 0x70, 0x65, 0x27, 0x3A, 0x20, 0x28, 0x32, 0x2C, 0x20,
        0x33, 0x29, 0x2C, 0x20, 0x7D, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20,
        0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20,
        0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20,
        0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x0A,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x00, 0x40, 0x00, 0x00, 0x40, 0x40,
        0x00, 0x00, 0x80, 0x40, 0x00, 0x00, 0xA0, 0x40,
    ]

    /// A version 1.0 file laid out as NumPy lays it out: the dict padded with spaces and a `\n` so the
    /// data starts at a multiple of 64 bytes.
    static func numpyV1(_ dict: String, data: [UInt8]) -> [UInt8] {
        let padded = (10 + dict.utf8.count + 1 + 63) / 64 * 64
        let text = dict + String(repeating: " ", count: padded - 10 - dict.utf8.count - 1) + "\n"
        let length = text.utf8.count
        return [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0, UInt8(length & 0xFF), UInt8(length >> 8)]
            + Array(text.utf8) + data
    }

    static func bytes<T>(of value: T) -> [UInt8] { withUnsafeBytes(of: value) { Array($0) } }

    /// Asserts that decoding `bytes` throws an `NPYError` whose message contains every fragment.
    static func expectNPYError(_ bytes: [UInt8], mentioning fragments: [String], sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            let t = try Tensor<Double>(npyBytes: bytes)
            Issue.record("expected an NPYError, decoded \(t)", sourceLocation: sourceLocation)
        } catch {
            for fragment in fragments {
                #expect(error.message.contains(fragment), "'\(error.message)' should mention '\(fragment)'",
                        sourceLocation: sourceLocation)
            }
        }
    }

    // MARK: Files as NumPy writes them

    @Test func helperReproducesNumPyLayout() {
        let data = (0 ..< 6).flatMap { Self.bytes(of: Float($0).bitPattern.littleEndian) }
        let built = Self.numpyV1("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", data: data)
        #expect(built == Self.numpyArange6)
    }

    @Test func parsesANumPyWrittenFloat32File() throws {
        let (header, offset) = try NPYHeader.parse(Self.numpyArange6)
        #expect(header == NPYHeader(descriptor: "<f4", fortranOrder: false, shape: [2, 3]))
        #expect(offset == 128)

        let t = try Tensor<Float>(npyBytes: Self.numpyArange6)
        #expect(t.shape == [2, 3])
        #expect(t.scalars == [0, 1, 2, 3, 4, 5])
        #expect(t[1, 2] == 5)

        // float32 data read into a float64 tensor converts exactly.
        let d = try Tensor<Double>(npyBytes: Self.numpyArange6)
        #expect(d.scalars == [0, 1, 2, 3, 4, 5])
    }

    @Test func encodesExactlyWhatNumPyWrites() throws {
        let t = try Tensor<Float>(shape: [2, 3], scalars: [0, 1, 2, 3, 4, 5])
        #expect(t.npyBytes() == Self.numpyArange6)
    }

    @Test func parsesBigEndianFloat64() throws {
        // np.save(f, np.array([1.5, -2.0, 3.25], dtype='>f8'))
        let data: [UInt8] = [
            0x3F, 0xF8, 0, 0, 0, 0, 0, 0,
            0xC0, 0x00, 0, 0, 0, 0, 0, 0,
            0x40, 0x0A, 0, 0, 0, 0, 0, 0,
        ]
        let file = Self.numpyV1("{'descr': '>f8', 'fortran_order': False, 'shape': (3,), }", data: data)
        #expect(file.count == 152)
        let t = try Tensor<Double>(npyBytes: file)
        #expect(t.shape == [3])
        #expect(t.scalars == [1.5, -2.0, 3.25])
    }

    @Test func parsesBigEndianFloat32() throws {
        let data = [Float(0.5), -8].flatMap { Self.bytes(of: $0.bitPattern.bigEndian) }
        let file = Self.numpyV1("{'descr': '>f4', 'fortran_order': False, 'shape': (1, 2), }", data: data)
        let t = try Tensor<Float>(npyBytes: file)
        #expect(t.shape == [1, 2])
        #expect(t.scalars == [0.5, -8])
    }

    @Test func parsesOneDimensionalShape() throws {
        let data = [1.0, 2, 3].flatMap { Self.bytes(of: $0.bitPattern.littleEndian) }
        let file = Self.numpyV1("{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }", data: data)
        let t = try Tensor<Double>(npyBytes: file)
        #expect(t.shape == [3])
        #expect(t.rank == 1)
        #expect(t.scalars == [1, 2, 3])
    }

    @Test func parsesScalarShape() throws {
        // np.save(f, np.array(2.5))
        let file = Self.numpyV1("{'descr': '<f8', 'fortran_order': False, 'shape': (), }",
                                data: [0, 0, 0, 0, 0, 0, 0x04, 0x40])
        #expect(file.count == 136)
        let t = try Tensor<Double>(npyBytes: file)
        #expect(t.shape == [])
        #expect(t.rank == 0)
        #expect(t.scalars == [2.5])

        let written = try Tensor<Double>(shape: [], scalars: [2.5]).npyBytes()
        #expect(written == file)
    }

    @Test func parsesEmptyArray() throws {
        let file = Self.numpyV1("{'descr': '<f4', 'fortran_order': False, 'shape': (0, 5), }", data: [])
        let t = try Tensor<Float>(npyBytes: file)
        #expect(t.shape == [0, 5])
        #expect(t.count == 0)
    }

    @Test func toleratesKeyOrderAndDoubleQuotes() throws {
        let data = Self.bytes(of: Float(7).bitPattern.littleEndian)
        let file = Self.numpyV1(#"{"shape": (1,), "fortran_order": False, "descr": "<f4"}"#, data: data)
        let t = try Tensor<Float>(npyBytes: file)
        #expect(t.shape == [1])
        #expect(t.scalars == [7])
    }

    @Test func parsesVersion2Header() throws {
        let dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }"
        let padded = (12 + dict.utf8.count + 1 + 63) / 64 * 64
        let text = dict + String(repeating: " ", count: padded - 12 - dict.utf8.count - 1) + "\n"
        let length = text.utf8.count
        let file: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 2, 0,
                             UInt8(length & 0xFF), UInt8(length >> 8), 0, 0]
            + Array(text.utf8) + [Float(1), 2].flatMap { Self.bytes(of: $0.bitPattern.littleEndian) }
        let t = try Tensor<Float>(npyBytes: file)
        #expect(t.scalars == [1, 2])
    }

    // MARK: Round trips

    static let awkwardDoubles: [Double] = [
        0, -0.0, 1, -1, .pi, Double(bitPattern: 0x0000_0000_DEAD_BEEF) /* subnormal */, -.leastNonzeroMagnitude, .leastNormalMagnitude,
        .greatestFiniteMagnitude, -.greatestFiniteMagnitude, .infinity, -.infinity, .nan, 0.1,
    ]

    static let awkwardFloats: [Float] = [
        0, -0.0, 1, -1, .pi, Float(bitPattern: 0x0001_2345) /* subnormal */, -.leastNonzeroMagnitude, .leastNormalMagnitude,
        .greatestFiniteMagnitude, -.greatestFiniteMagnitude, .infinity, -.infinity, .nan, 0.1,
    ]

    @Test func awkwardValuesIncludeSubnormals() {
        #expect(Self.awkwardDoubles[5].isSubnormal)
        #expect(Self.awkwardFloats[5].isSubnormal)
    }

    @Test func roundTripsFloat64BitExactly() throws {
        let t = try Tensor<Double>(shape: [2, 7], scalars: Self.awkwardDoubles)
        let bytes = t.npyBytes()
        #expect(try NPYHeader.parse(bytes).header.descriptor == "<f8")
        let back = try Tensor<Double>(npyBytes: bytes)
        #expect(back.shape == [2, 7])
        for (a, b) in zip(t.scalars, back.scalars) {
            if a.isNaN {
                #expect(b.isNaN)  // payloads are not part of the contract
            } else {
                #expect(a.bitPattern == b.bitPattern, "\(a) came back as \(b)")
            }
        }
    }

    @Test func roundTripsFloat32BitExactly() throws {
        let t = try Tensor<Float>(shape: [7, 2], scalars: Self.awkwardFloats)
        let bytes = t.npyBytes()
        #expect(try NPYHeader.parse(bytes).header.descriptor == "<f4")
        #expect(bytes.count == 128 + 14 * 4)
        let back = try Tensor<Float>(npyBytes: bytes)
        #expect(back.shape == [7, 2])
        for (a, b) in zip(t.scalars, back.scalars) {
            if a.isNaN {
                #expect(b.isNaN)
            } else {
                #expect(a.bitPattern == b.bitPattern, "\(a) came back as \(b)")
            }
        }
    }

    @Test func roundTripsThroughAFile() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("pnn-npy-\(UInt64.random(in: 0 ... .max))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("t.npy").path

        let t = try Tensor<Double>(shape: [3, 2], scalars: [1, -2, 3.5, 0, -0.0, 1e-300])
        try t.writeNPY(to: path)
        let back = try Tensor<Double>(npyFile: path)
        #expect(back.shape == t.shape)
        #expect(back.scalars.map(\.bitPattern) == t.scalars.map(\.bitPattern))
    }

    // MARK: Header layout

    @Test(arguments: [[Int](), [0], [1], [3], [2, 3], [128, 196], [1, 2, 3, 4, 5, 6, 7, 8], [123_456_789, 987_654_321]])
    func headerIsPaddedTo64Bytes(shape: [Int]) throws {
        let header = NPYHeader(descriptor: "<f8", shape: shape)
        let bytes = header.encoded()
        #expect(bytes.count % 64 == 0)
        #expect(bytes.last == 0x0A)
        #expect(Array(bytes.prefix(8)) == [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0])
        #expect(Int(bytes[8]) | Int(bytes[9]) << 8 == bytes.count - 10)
        let (parsed, offset) = try NPYHeader.parse(bytes)
        #expect(parsed == header)
        #expect(offset == bytes.count)
    }

    @Test func hugeHeaderSwitchesToVersion2() throws {
        let shape = [Int](repeating: 1, count: 30_000)  // dict longer than 65 535 bytes
        let bytes = NPYHeader(descriptor: "<f4", shape: shape).encoded()
        #expect(bytes[6] == 2)
        #expect(bytes.count % 64 == 0)
        let (parsed, offset) = try NPYHeader.parse(bytes)
        #expect(parsed.shape == shape)
        #expect(offset == bytes.count)
    }

    // MARK: Errors

    @Test func rejectsBadMagic() {
        var bytes = Self.numpyArange6
        bytes[1] = UInt8(ascii: "X")
        Self.expectNPYError(bytes, mentioning: ["not a .npy file", "magic"])
        Self.expectNPYError(Array("hello, world, this is text".utf8), mentioning: ["not a .npy file"])
        Self.expectNPYError([], mentioning: ["not a .npy file"])
    }

    @Test func rejectsTruncatedHeader() {
        Self.expectNPYError(Array(Self.numpyArange6.prefix(60)), mentioning: ["truncated .npy header"])
    }

    @Test func rejectsTruncatedData() {
        Self.expectNPYError(Array(Self.numpyArange6.dropLast(3)), mentioning: ["truncated .npy data", "[2, 3]", "24 bytes"])
    }

    /// Found by fuzzing `pnn run --input`: a shape whose product overflows used to trap the process.
    @Test func rejectsAShapeTooLargeToBeReal() throws {
        for shape in ["(99999999999, 99999999999)", "(4611686018427387904,)", "(2305843009213693952, 1)"] {
            let file = Self.numpyV1("{'descr': '<f4', 'fortran_order': False, 'shape': \(shape), }",
                                    data: [UInt8](repeating: 0, count: 16))
            Self.expectNPYError(file, mentioning: ["too large"])
        }
        // A zero extent holds nothing, however large the others.
        let empty = Self.numpyV1("{'descr': '<f4', 'fortran_order': False, 'shape': (0, 99999999999), }", data: [])
        #expect(try Tensor<Float>(npyBytes: empty).shape == [0, 99_999_999_999])
    }

    @Test func tensorShapesThatOverflowAreErrors() {
        #expect(throws: ShapeError.self) { _ = try Tensor<Float>(shape: [Int.max, 2], scalars: []) }
        #expect(Tensor<Float>.elementCount(of: [1 << 32, 1 << 32]) == nil)
        #expect(Tensor<Float>.elementCount(of: [3, 0, Int.max]) == 0)
        #expect(Tensor<Float>.elementCount(of: []) == 1)
    }

    @Test func rejectsFortranOrder() {
        let file = Self.numpyV1("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }",
                                data: [UInt8](repeating: 0, count: 24))
        Self.expectNPYError(file, mentioning: ["Fortran"])
    }

    @Test func rejectsUnsupportedDtype() {
        // np.save(f, np.arange(3, dtype='<i8'))
        let data = (0 ..< 3).flatMap { Self.bytes(of: Int64($0).littleEndian) }
        let file = Self.numpyV1("{'descr': '<i8', 'fortran_order': False, 'shape': (3,), }", data: data)
        Self.expectNPYError(file, mentioning: ["unsupported dtype", "'<i8'"])
    }

    @Test func rejectsUnsupportedVersion() {
        var bytes = Self.numpyArange6
        bytes[6] = 9
        Self.expectNPYError(bytes, mentioning: ["version 9.0"])
    }

    @Test func rejectsMalformedDict() {
        Self.expectNPYError(Self.numpyV1("{'descr': '<f4', 'shape': (2, 3), }", data: []), mentioning: ["fortran_order"])
        Self.expectNPYError(Self.numpyV1("{'descr': '<f4', 'fortran_order': False}", data: []), mentioning: ["shape"])
        Self.expectNPYError(Self.numpyV1("{'fortran_order': False, 'shape': (1,)}", data: []), mentioning: ["descr"])
        Self.expectNPYError(Self.numpyV1("{'descr': '<f4', 'fortran_order': Maybe, 'shape': (1,)}", data: []),
                            mentioning: ["unexpected character in .npy header"])
        Self.expectNPYError(Self.numpyV1("['descr']", data: []), mentioning: ["malformed .npy header"])
    }

    @Test func missingFileErrorNamesThePath() {
        let path = "/nonexistent-pnn-dir/missing.npy"
        #expect {
            try Tensor<Float>(npyFile: path)
        } throws: { error in
            let message = (error as? NPYError)?.message ?? ""
            return message.contains(path) && message.contains("cannot read")
        }
    }

    @Test func unwritablePathErrorNamesThePath() {
        let path = "/nonexistent-pnn-dir/out.npy"
        #expect {
            try Tensor<Float>([1]).writeNPY(to: path)
        } throws: { error in
            let message = (error as? NPYError)?.message ?? ""
            return message.contains(path) && message.contains("cannot write")
        }
    }
}
