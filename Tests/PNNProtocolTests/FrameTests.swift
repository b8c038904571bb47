import NIOCore
import PNNCore
import PNNProtocol
import Testing

@Suite("Frame: byte layout and parsing")
struct FrameTests {
    /// The header as docs/protocol.md draws it, byte by byte.
    @Test func headerBytesMatchTheDocumentedLayout() {
        let frame = Frame(kind: .response, requestID: 0x0102_0304_0506_0708,
                          metadata: buffer("{}"), payload: buffer(floatBytes([1.0])))
        let expected: [UInt8] = [
            0x50, 0x4E, 0x4E, 0x31,                          // 0  magic "PNN1"
            0x01,                                            // 4  version
            0x02,                                            // 5  kind = response
            0x00, 0x00,                                      // 6  reserved
            0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01,  // 8  request id, u64 LE
            0x02, 0x00, 0x00, 0x00,                          // 16 metadata length 2, u32 LE
            0x04, 0x00, 0x00, 0x00,                          // 20 payload length 4, u32 LE
            0x7B, 0x7D,                                      // 24 metadata "{}"
            0x00, 0x00, 0x80, 0x3F,                          // 26 payload: Float32 1.0 LE
        ]
        #expect(body(frame) == expected)
        #expect(frame.encodedLength == expected.count)
        #expect(Frame.headerBytes == 24)
        #expect(Frame.magic == Array("PNN1".utf8))
        #expect(Frame.version == 1)
    }

    @Test func kindBytesAreStable() {
        #expect(FrameKind.allCases.map(\.rawValue) == [1, 2, 3, 4])
        #expect(FrameKind.request.rawValue == 1)
        #expect(FrameKind.response.rawValue == 2)
        #expect(FrameKind.event.rawValue == 3)
        #expect(FrameKind.cancel.rawValue == 4)
    }

    /// The worked example of docs/protocol.md and clients/python/test_pnn_client.py: a complete
    /// `listDevices` request with id 1, length prefix included.
    @Test func listDevicesRequestMatchesTheDocumentedHexDump() {
        let frame = WireFormat.frame(for: RequestEnvelope(id: 1, request: .listDevices), allocator: allocator)
        let documented = hex("""
            2c000000
            504e4e31 01 01 0000
            0100000000000000
            14000000
            00000000
            7b226f70223a22 6c69737444657669636573 227d
            """)
        #expect(streamBytes(frame) == documented)
        #expect(text(frame.metadata) == #"{"op":"listDevices"}"#)
    }

    /// The second worked example: `run` on "sim0" with x = [[1, 2]] and theta = [0.5], id 2.
    @Test func runRequestMatchesTheDocumentedHexDump() {
        let envelope = RequestEnvelope(id: 2, request: .run(device: "sim0", input: Tensor(rowVector: [1, 2]),
                                                           parameters: Tensor([0.5])))
        let frame = WireFormat.frame(for: envelope, allocator: allocator)
        let documented = hex("""
            84000000
            504e4e31 01 01 0000
            0200000000000000
            60000000
            0c000000
            """) + Array(#"{"device":"sim0","op":"run","tensors":[{"name":"x","shape":[1,2]},{"name":"theta","shape":[1]}]}"#.utf8)
            + hex("0000803f 00000040 0000003f")
        #expect(streamBytes(frame) == documented)
    }

    @Test("round trip", arguments: FrameKind.allCases)
    func roundTrip(kind: FrameKind) throws {
        var rng = SeededGenerator(seed: UInt64(kind.rawValue))
        for id: UInt64 in [0, 1, 0xFFFF_FFFF, UInt64.max, rng.next()] {
            for (m, p) in [(0, 0), (2, 0), (0, 4), (57, 4096)] {
                let metadata = (0 ..< m).map { _ in UInt8.random(in: 0x20 ... 0x7E, using: &rng) }
                let payload = (0 ..< p).map { _ in UInt8.random(in: 0 ... 255, using: &rng) }
                let frame = Frame(kind: kind, requestID: id, metadata: buffer(metadata), payload: buffer(payload))
                let encoded = body(frame)
                #expect(encoded.count == 24 + m + p)
                let decoded = try Frame(body: buffer(encoded))
                #expect(decoded == frame)
                #expect(decoded.kind == kind)
                #expect(decoded.requestID == id)
                #expect(bytes(decoded.metadata) == metadata)
                #expect(bytes(decoded.payload) == payload)
            }
        }
    }

    @Test func writeAppendsAfterExistingBytes() throws {
        let frame = Frame(kind: .cancel, requestID: 9, metadata: buffer([]), payload: buffer([]))
        var out = buffer([0xAA, 0xBB])
        frame.write(to: &out)
        #expect(out.readableBytes == 2 + 24)
        out.moveReaderIndex(forwardBy: 2)
        #expect(try Frame(body: out) == frame)
    }

    struct BadFrame: Sendable, CustomTestStringConvertible {
        var name: String
        var bytes: [UInt8]
        var message: String
        var testDescription: String { name }
    }

    /// A sound 24-byte header followed by `extra` bytes, with fields overridden.
    static func header(magic: [UInt8] = Frame.magic, version: UInt8 = 1, kind: UInt8 = 1,
                       metadataLength: UInt32 = 0, payloadLength: UInt32 = 0, extra: Int = 0) -> [UInt8] {
        magic + [version, kind, 0, 0] + [7, 0, 0, 0, 0, 0, 0, 0]
            + withUnsafeBytes(of: metadataLength.littleEndian, Array.init)
            + withUnsafeBytes(of: payloadLength.littleEndian, Array.init)
            + [UInt8](repeating: 0x20, count: extra)
    }

    static let badFrames: [BadFrame] = [
        BadFrame(name: "empty", bytes: [], message: "frame of 0 bytes is shorter than the 24-byte header"),
        BadFrame(name: "short", bytes: Array(header().prefix(23)),
                 message: "frame of 23 bytes is shorter than the 24-byte header"),
        BadFrame(name: "bad magic", bytes: header(magic: Array("PNN2".utf8)), message: "bad magic: not a pnn protocol frame"),
        BadFrame(name: "HTTP instead of pnn", bytes: Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8),
                 message: "bad magic: not a pnn protocol frame"),
        BadFrame(name: "version 0", bytes: header(version: 0),
                 message: "unsupported protocol version 0; this daemon speaks version 1"),
        BadFrame(name: "version 2", bytes: header(version: 2),
                 message: "unsupported protocol version 2; this daemon speaks version 1"),
        BadFrame(name: "kind 0", bytes: header(kind: 0), message: "unknown frame kind 0"),
        BadFrame(name: "kind 5", bytes: header(kind: 5), message: "unknown frame kind 5"),
        BadFrame(name: "kind 255", bytes: header(kind: 255), message: "unknown frame kind 255"),
        BadFrame(name: "body longer than lengths", bytes: header(metadataLength: 2, payloadLength: 0, extra: 3),
                 message: "frame lengths disagree: header says 2 + 0 bytes, frame holds 3"),
        BadFrame(name: "body shorter than lengths", bytes: header(metadataLength: 2, payloadLength: 8, extra: 6),
                 message: "frame lengths disagree: header says 2 + 8 bytes, frame holds 6"),
        BadFrame(name: "trailing bytes without lengths", bytes: header(extra: 1),
                 message: "frame lengths disagree: header says 0 + 0 bytes, frame holds 1"),
        BadFrame(name: "maximal lengths", bytes: header(metadataLength: .max, payloadLength: .max, extra: 4),
                 message: "frame lengths disagree: header says 4294967295 + 4294967295 bytes, frame holds 4"),
    ]

    @Test("decode errors", arguments: badFrames)
    func decodeError(_ bad: BadFrame) {
        #expect(throws: FrameError(bad.message)) {
            try Frame(body: buffer(bad.bytes))
        }
    }

    @Test func frameErrorDescribesItself() {
        let error = FrameError("bad magic: not a pnn protocol frame")
        #expect(error.description == "bad magic: not a pnn protocol frame")
        #expect("\(error)" == "bad magic: not a pnn protocol frame")
    }

    @Test func metadataAndPayloadAreSlicesOfTheBody() throws {
        let frame = Frame(kind: .request, requestID: 3, metadata: buffer("{\"op\":\"run\"}"),
                          payload: buffer(floatBytes([1, 2, 3])))
        var stream = buffer([0xEE])
        frame.write(to: &stream)
        stream.moveReaderIndex(forwardBy: 1)
        let decoded = try Frame(body: stream)
        #expect(text(decoded.metadata) == "{\"op\":\"run\"}")
        #expect(bytes(decoded.payload) == floatBytes([1, 2, 3]))
    }
}
