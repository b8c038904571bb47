import NIOCore
import PNNCore
import PNNProtocol
import Testing

// Shared helpers of the protocol tests.

let allocator = ByteBufferAllocator()

/// A buffer holding `bytes`.
func buffer(_ bytes: [UInt8]) -> ByteBuffer { allocator.buffer(bytes: bytes) }

/// A buffer holding the UTF-8 of `text`.
func buffer(_ text: String) -> ByteBuffer { allocator.buffer(string: text) }

/// The readable bytes of `buffer`.
func bytes(_ buffer: ByteBuffer) -> [UInt8] { Array(buffer.readableBytesView) }

/// The readable bytes of `buffer` as UTF-8 text.
func text(_ buffer: ByteBuffer) -> String { String(decoding: buffer.readableBytesView, as: UTF8.self) }

/// The body of `frame` (header, metadata, payload; no length prefix).
func body(_ frame: Frame) -> [UInt8] {
    var out = allocator.buffer(capacity: frame.encodedLength)
    frame.write(to: &out)
    return bytes(out)
}

/// `frame` as it travels on the stream: u32-LE length prefix, then the body.
func streamBytes(_ frame: Frame) -> [UInt8] {
    let b = body(frame)
    return withUnsafeBytes(of: UInt32(b.count).littleEndian, Array.init) + b
}

/// Bytes from a hex string; whitespace is ignored.
func hex(_ string: String) -> [UInt8] {
    let digits = Array(string.filter { !$0.isWhitespace })
    precondition(digits.count % 2 == 0, "odd number of hex digits")
    return stride(from: 0, to: digits.count, by: 2).map { UInt8(String(digits[$0 ... $0 + 1]), radix: 16)! }
}

/// Little-endian bytes of Float32 values.
func floatBytes(_ values: [Float]) -> [UInt8] {
    values.flatMap { withUnsafeBytes(of: $0.bitPattern.littleEndian, Array.init) }
}

/// Float32 values whose bit patterns test the payload path: signed zeros, subnormals, extremes, NaN
/// payloads, infinities.
let awkwardFloats: [Float] = [
    0, -0.0, 1, -1, .pi, 1.0 / 3.0, .ulpOfOne,
    .leastNonzeroMagnitude, -.leastNonzeroMagnitude, .leastNormalMagnitude / 3, .leastNormalMagnitude,
    .greatestFiniteMagnitude, -.greatestFiniteMagnitude, 3.0e38, Float(bitPattern: 0x8001_16C2), 65504, 16_777_215,
    .infinity, -.infinity, .nan, Float(bitPattern: 0x7FC0_1234), Float(bitPattern: 0xFFA0_0001),
]

/// Checks shape and every bit of every element (`Tensor ==` compares values: -0 == 0, NaN != NaN).
func expectBitExact(_ actual: Tensor<Float>?, _ expected: Tensor<Float>, sourceLocation: SourceLocation = #_sourceLocation) {
    guard let actual else {
        Issue.record("tensor missing", sourceLocation: sourceLocation)
        return
    }
    #expect(actual.shape == expected.shape, sourceLocation: sourceLocation)
    #expect(actual.scalars.map(\.bitPattern) == expected.scalars.map(\.bitPattern), sourceLocation: sourceLocation)
}

/// A tensor of `shape` filled with seeded values that include the awkward ones.
func sampleTensor(_ shape: [Int], seed: UInt64, finite: Bool = true) -> Tensor<Float> {
    var rng = SeededGenerator(seed: seed)
    let pool = finite ? awkwardFloats.filter(\.isFinite) : awkwardFloats
    let count = shape.reduce(1, *)
    let scalars: [Float] = (0 ..< count).map { i in
        i < pool.count ? pool[i] : Float.random(in: -1e6 ... 1e6, using: &rng)
    }
    return try! Tensor(shape: shape, scalars: scalars)
}

/// Expects `body` to throw a `ProtocolError` with `code` whose message contains every fragment.
func expectProtocolError(_ code: ErrorCode, containing fragments: [String],
                         sourceLocation: SourceLocation = #_sourceLocation,
                         _ body: () throws(ProtocolError) -> Void) {
    do {
        try body()
        Issue.record("expected \(code.rawValue) error containing \(fragments)", sourceLocation: sourceLocation)
    } catch {
        #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
        for fragment in fragments {
            #expect(error.message.contains(fragment), "message \"\(error.message)\" lacks \"\(fragment)\"",
                    sourceLocation: sourceLocation)
        }
    }
}
