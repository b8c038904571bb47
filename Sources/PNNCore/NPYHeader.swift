/// The header of a NumPy `.npy` file (format versions 1.0, 2.0 and 3.0).
///
/// Layout: `\x93NUMPY`, major, minor, header length (u16 LE for 1.x, u32 LE for 2.x/3.x), then an
/// ASCII Python dict literal `{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }` padded
/// with spaces and a final `\n` so the data starts on a 64-byte boundary.
public struct NPYHeader: Sendable, Equatable {
    public var descriptor: String
    public var fortranOrder: Bool
    public var shape: [Int]

    public init(descriptor: String, fortranOrder: Bool = false, shape: [Int]) {
        self.descriptor = descriptor
        self.fortranOrder = fortranOrder
        self.shape = shape
    }

    static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]  // \x93NUMPY

    /// Parses the header at the start of `bytes`; returns it and the offset of the first data byte.
    public static func parse(_ bytes: [UInt8]) throws(NPYError) -> (header: NPYHeader, dataOffset: Int) {
        guard bytes.count >= 10, Array(bytes[0 ..< 6]) == magic else {
            throw NPYError("not a .npy file (missing \\x93NUMPY magic)")
        }
        let major = bytes[6]
        let headerLength: Int
        let headerStart: Int
        switch major {
        case 1:
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            headerStart = 10
        case 2, 3:
            guard bytes.count >= 12 else { throw NPYError("truncated .npy header") }
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
            headerStart = 12
        default:
            throw NPYError("unsupported .npy format version \(major).\(bytes[7])")
        }
        guard headerStart + headerLength <= bytes.count else {
            throw NPYError("truncated .npy header: needs \(headerLength) bytes, file has \(bytes.count - headerStart)")
        }
        guard let text = String(bytes: bytes[headerStart ..< headerStart + headerLength], encoding: .utf8) else {
            throw NPYError(".npy header is not text")
        }
        var parser = PythonLiteralParser(text)
        let dict = try parser.parseDict()
        guard case .string(let descr)? = dict["descr"] else { throw NPYError(".npy header lacks 'descr'") }
        guard case .bool(let fortran)? = dict["fortran_order"] else {
            throw NPYError(".npy header lacks 'fortran_order'")
        }
        guard case .tuple(let dims)? = dict["shape"] else { throw NPYError(".npy header lacks 'shape'") }
        guard dims.allSatisfy({ $0 >= 0 }) else { throw NPYError(".npy shape has a negative dimension") }
        return (NPYHeader(descriptor: descr, fortranOrder: fortran, shape: dims), headerStart + headerLength)
    }

    /// Serialises as a version 1.0 header (or 2.0 when the dict does not fit in 65 535 bytes).
    public func encoded() -> [UInt8] {
        let dims = shape.map(String.init).joined(separator: ", ")
        let shapeText = shape.count == 1 ? "(\(dims),)" : "(\(dims))"
        var dict = "{'descr': '\(descriptor)', 'fortran_order': \(fortranOrder ? "True" : "False"), 'shape': \(shapeText), }"
        let isV1 = dict.utf8.count + 11 < 65_536
        let prefix = isV1 ? 10 : 12
        let total = (prefix + dict.utf8.count + 1 + 63) / 64 * 64
        dict += String(repeating: " ", count: total - prefix - dict.utf8.count - 1) + "\n"
        let length = dict.utf8.count
        var out = Self.magic
        if isV1 {
            out += [1, 0, UInt8(length & 0xFF), UInt8(length >> 8)]
        } else {
            out += [2, 0] + (0 ..< 4).map { UInt8((length >> (8 * $0)) & 0xFF) }
        }
        out += Array(dict.utf8)
        return out
    }
}

/// Parses the tiny subset of Python literals that `.npy` headers use: a dict with string keys whose
/// values are strings, booleans or tuples of integers.
struct PythonLiteralParser {
    enum Value: Equatable { case string(String), bool(Bool), tuple([Int]) }

    private let chars: [Character]
    private var position = 0

    init(_ text: String) { chars = Array(text) }

    mutating func parseDict() throws(NPYError) -> [String: Value] {
        skipSpace()
        try expect("{")
        var result: [String: Value] = [:]
        while true {
            skipSpace()
            if peek() == "}" { position += 1; break }
            let key = try parseString()
            skipSpace()
            try expect(":")
            skipSpace()
            result[key] = try parseValue()
            skipSpace()
            if peek() == "," { position += 1; continue }
            skipSpace()
            try expect("}")
            break
        }
        return result
    }

    private mutating func parseValue() throws(NPYError) -> Value {
        switch peek() {
        case "'", "\"": return .string(try parseString())
        case "(": return .tuple(try parseTuple())
        case "T": try expectWord("True"); return .bool(true)
        case "F": try expectWord("False"); return .bool(false)
        default: throw NPYError("unexpected character in .npy header at offset \(position)")
        }
    }

    private mutating func parseTuple() throws(NPYError) -> [Int] {
        try expect("(")
        var values: [Int] = []
        while true {
            skipSpace()
            if peek() == ")" { position += 1; return values }
            var digits = ""
            while let c = peek(), c.isNumber { digits.append(c); position += 1 }
            // NumPy writes Python ints; some writers append 'L' (Python 2 longs).
            if peek() == "L" { position += 1 }
            guard let value = Int(digits) else { throw NPYError("bad dimension in .npy shape") }
            values.append(value)
            skipSpace()
            if peek() == "," { position += 1 }
        }
    }

    private mutating func parseString() throws(NPYError) -> String {
        guard let quote = peek(), quote == "'" || quote == "\"" else {
            throw NPYError("expected a quoted string in .npy header at offset \(position)")
        }
        position += 1
        var value = ""
        while let c = peek(), c != quote { value.append(c); position += 1 }
        try expect(quote)
        return value
    }

    private mutating func expectWord(_ word: String) throws(NPYError) {
        for c in word { try expect(c) }
    }

    private mutating func expect(_ c: Character) throws(NPYError) {
        guard peek() == c else { throw NPYError("malformed .npy header: expected '\(c)' at offset \(position)") }
        position += 1
    }

    private func peek() -> Character? { position < chars.count ? chars[position] : nil }

    private mutating func skipSpace() {
        while let c = peek(), c.isWhitespace { position += 1 }
    }
}
