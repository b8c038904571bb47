import NIOCore
import NIOEmbedded
import PNNCore
import PNNProtocol
import Testing

/// The framing stack of `addPNNFraming`: `FrameDecoder` + `FrameCodecHandler` (which writes the prefix),
/// fed the way swift-nio-extras tests its decoders: one byte at a time, in one batch and split at random.
@Suite("Framing pipeline")
struct FramingTests {
    static let maxFrameBytes = 1 << 16

    static func channel(maxFrameBytes: Int = maxFrameBytes) throws -> EmbeddedChannel {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addPNNFraming(maxFrameBytes: maxFrameBytes)
        return channel
    }

    /// Frames of every kind, empty and non-empty parts, and one large payload.
    static let frames: [Frame] = {
        var rng = SeededGenerator(seed: 42)
        let big = (0 ..< 40_000).map { _ in UInt8.random(in: 0 ... 255, using: &rng) }
        return [
            WireFormat.frame(for: RequestEnvelope(id: 1, request: .listDevices), allocator: allocator),
            WireFormat.cancelFrame(for: 1, allocator: allocator),
            Frame(kind: .response, requestID: .max, metadata: buffer("{\"ok\":true,\"op\":\"status\"}"),
                  payload: buffer([])),
            Frame(kind: .event, requestID: 0, metadata: buffer([]), payload: buffer([])),
            WireFormat.frame(for: RequestEnvelope(id: 2, deadlineMilliseconds: 250, request: .run(
                device: "sim0", input: sampleTensor([3, 4], seed: 1), parameters: sampleTensor([5], seed: 2))),
                allocator: allocator),
            Frame(kind: .request, requestID: 0xDEAD_BEEF, metadata: buffer("{\"op\":\"run\"}"), payload: buffer(big)),
            WireFormat.frame(for: RequestEnvelope(id: 3, request: .metrics), allocator: allocator),
        ]
    }()

    static let stream: [UInt8] = frames.flatMap(streamBytes)

    /// Writes `stream` in chunks of the given sizes and collects every decoded frame.
    static func deliver(_ stream: [UInt8], inChunksOf sizes: [Int], to channel: EmbeddedChannel) throws -> [Frame] {
        #expect(sizes.reduce(0, +) == stream.count)
        var frames: [Frame] = []
        var offset = 0
        for size in sizes {
            try channel.writeInbound(buffer(Array(stream[offset ..< offset + size])))
            offset += size
            while let frame = try channel.readInbound(as: Frame.self) {
                frames.append(frame)
            }
        }
        return frames
    }

    static func finishCleanly(_ channel: EmbeddedChannel) throws {
        let leftOver = try channel.finish()
        #expect(leftOver.isClean)
    }

    @Test func oneByteAtATime() throws {
        let channel = try Self.channel()
        let decoded = try Self.deliver(Self.stream, inChunksOf: Array(repeating: 1, count: Self.stream.count), to: channel)
        #expect(decoded == Self.frames)
        try Self.finishCleanly(channel)
    }

    @Test func oneBatch() throws {
        let channel = try Self.channel()
        let decoded = try Self.deliver(Self.stream, inChunksOf: [Self.stream.count], to: channel)
        #expect(decoded == Self.frames)
        try Self.finishCleanly(channel)
    }

    @Test("split at random points", arguments: 0 ..< 25 as Range<UInt64>)
    func randomSplits(seed: UInt64) throws {
        var rng = SeededGenerator(seed: seed)
        var sizes: [Int] = []
        var remaining = Self.stream.count
        let largest = [2, 7, 30, 300, 5000][Int(seed % 5)]
        while remaining > 0 {
            let size = Int.random(in: 1 ... min(largest, remaining), using: &rng)
            sizes.append(size)
            remaining -= size
        }
        let channel = try Self.channel()
        let decoded = try Self.deliver(Self.stream, inChunksOf: sizes, to: channel)
        #expect(decoded == Self.frames)
        try Self.finishCleanly(channel)
    }

    @Test func frameBoundariesAreNotNeeded() throws {
        // Chunks that end exactly inside the length prefix and inside the header.
        let channel = try Self.channel()
        let first = streamBytes(Self.frames[0])
        let sizes = [2, 2, 10, first.count - 14 + 3] + [Self.stream.count - first.count - 3]
        let decoded = try Self.deliver(Self.stream, inChunksOf: sizes, to: channel)
        #expect(decoded == Self.frames)
        try Self.finishCleanly(channel)
    }

    @Test func outboundFramesGetTheirLengthPrefix() throws {
        let channel = try Self.channel()
        for frame in Self.frames {
            try channel.writeOutbound(frame)
        }
        var written: [UInt8] = []
        while let chunk = try channel.readOutbound(as: ByteBuffer.self) {
            written += bytes(chunk)
        }
        #expect(written == Self.stream)
        #expect(Array(written.prefix(4)) == [44, 0, 0, 0])  // 24-byte header + {"op":"listDevices"}
        try Self.finishCleanly(channel)
    }

    /// The bytes sent past the pipeline (a refused connection, raw loops) are the pipeline's bytes.
    @Test func lengthPrefixedBytesAreWhatThePipelineWrites() {
        var written = ByteBufferAllocator().buffer(capacity: 0)
        for frame in Self.frames { frame.writeLengthPrefixed(to: &written) }
        #expect(bytes(written) == Self.stream)
    }

    @Test func whatOneSideWritesTheOtherReads() throws {
        let client = try Self.channel()
        let daemon = try Self.channel()
        for frame in Self.frames {
            try client.writeOutbound(frame)
        }
        while let chunk = try client.readOutbound(as: ByteBuffer.self) {
            try daemon.writeInbound(chunk)
        }
        var received: [Frame] = []
        while let frame = try daemon.readInbound(as: Frame.self) {
            received.append(frame)
        }
        #expect(received == Self.frames)
        try Self.finishCleanly(client)
        try Self.finishCleanly(daemon)
    }

    // MARK: Size cap

    static func frame(bodyBytes: Int) -> Frame {
        Frame(kind: .request, requestID: 5, metadata: buffer([UInt8](repeating: 0x20, count: bodyBytes - 24)),
              payload: buffer([]))
    }

    @Test func frameOfExactlyTheCapIsAccepted() throws {
        let channel = try Self.channel(maxFrameBytes: 1024)
        let frame = Self.frame(bodyBytes: 1024)
        try channel.writeInbound(buffer(streamBytes(frame)))
        #expect(try channel.readInbound(as: Frame.self) == frame)
        try Self.finishCleanly(channel)
    }

    @Test func oversizedFrameInOneReadIsRefused() throws {
        let channel = try Self.channel(maxFrameBytes: 1024)
        #expect(throws: ByteToMessageDecoderError.PayloadTooLargeError.self) {
            try channel.writeInbound(buffer(streamBytes(Self.frame(bodyBytes: 1025))))
        }
        #expect(try channel.readInbound(as: Frame.self) == nil)
        _ = try? channel.finish()
    }

    @Test func oversizedFrameIsRefusedAsSoonAsItsPrefixArrives() throws {
        let channel = try Self.channel(maxFrameBytes: 1024)
        let stream = streamBytes(Self.frame(bodyBytes: 1025))
        for byte in stream.prefix(3) {
            try channel.writeInbound(buffer([byte]))
        }
        #expect(throws: ByteToMessageDecoderError.PayloadTooLargeError.self) {
            try channel.writeInbound(buffer([stream[3]]))
        }
        _ = try? channel.finish()
    }

    @Test func hugeLengthPrefixIsRefusedWithoutWaitingForTheBody() throws {
        let channel = try Self.channel(maxFrameBytes: 1024)
        #expect(throws: ByteToMessageDecoderError.PayloadTooLargeError.self) {
            try channel.writeInbound(buffer([0xFF, 0xFF, 0xFF, 0xFF]))
        }
        _ = try? channel.finish()
    }

    @Test func framesBeforeAnOversizedOneAreDelivered() throws {
        let channel = try Self.channel(maxFrameBytes: 1024)
        let good = Self.frame(bodyBytes: 100)
        #expect(throws: ByteToMessageDecoderError.PayloadTooLargeError.self) {
            try channel.writeInbound(buffer(streamBytes(good) + streamBytes(Self.frame(bodyBytes: 4096))))
        }
        #expect(try channel.readInbound(as: Frame.self) == good)
        #expect(try channel.readInbound(as: Frame.self) == nil)
        _ = try? channel.finish()
    }

    @Test func oversizedFrameFedByteByByteNeverBuffersItsBody() throws {
        // Once refused, the decoder stays in its error state and drops the rest: nothing is buffered or
        // delivered however long the peer keeps sending (each later read reports dataReceivedInErrorState).
        let channel = try Self.channel(maxFrameBytes: 1024)
        let stream = streamBytes(Self.frame(bodyBytes: 50_000))
        var tooLarge = 0
        var afterwards = 0
        for byte in stream {
            do {
                try channel.writeInbound(buffer([byte]))
            } catch is ByteToMessageDecoderError.PayloadTooLargeError {
                tooLarge += 1
            } catch ByteToMessageDecoderError.dataReceivedInErrorState(let error, _) {
                #expect(error is ByteToMessageDecoderError.PayloadTooLargeError)
                afterwards += 1
            }
        }
        #expect(tooLarge == 1)
        #expect(afterwards == stream.count - 4)
        #expect(try channel.readInbound(as: Frame.self) == nil)
        _ = try? channel.finish()
    }

    // MARK: Malformed frames inside a sound length prefix

    @Test func malformedFrameRaisesFrameError() throws {
        let channel = try Self.channel()
        var body = body(Self.frames[0])
        body[0] = UInt8(ascii: "X")
        let good = Self.frames[2]
        #expect(throws: FrameError("bad magic: not a pnn protocol frame")) {
            try channel.writeInbound(buffer(streamBytes(good) + withUnsafeBytes(of: UInt32(body.count).littleEndian, Array.init) + body))
        }
        #expect(try channel.readInbound(as: Frame.self) == good)
        #expect(try channel.readInbound(as: Frame.self) == nil)
        _ = try? channel.finish()
    }

    /// After a malformed frame the stream is untrusted, yet `FrameCodecHandler` keeps decoding what follows
    /// in the same read, so pnnd may dispatch requests it received after the bad frame before the close
    /// takes effect. Pinned until the handler stops after its first `FrameError`.
    @Test func framesAfterAMalformedFrameAreNotDelivered() throws {
        let channel = try Self.channel()
        var bad = body(Self.frames[0])
        bad[0] = UInt8(ascii: "X")
        let stream = withUnsafeBytes(of: UInt32(bad.count).littleEndian, Array.init) + bad + streamBytes(Self.frames[2])
        #expect(throws: FrameError.self) {
            try channel.writeInbound(buffer(stream))
        }
        let after = try channel.readInbound(as: Frame.self)
        #expect(after == nil)
        _ = try? channel.finish()
    }

    @Test func wrongVersionRaisesFrameError() throws {
        let channel = try Self.channel()
        var stream = streamBytes(Self.frames[0])
        stream[4 + 4] = 9
        #expect(throws: FrameError("unsupported protocol version 9; this daemon speaks version 1")) {
            try channel.writeInbound(buffer(stream))
        }
        _ = try? channel.finish()
    }

    @Test func truncatedFrameAtEndOfStreamIsReported() throws {
        let channel = try Self.channel()
        let stream = streamBytes(Self.frames[0])
        try channel.writeInbound(buffer(Array(stream.dropLast(5))))
        #expect(try channel.readInbound(as: Frame.self) == nil)
        #expect(throws: ByteToMessageDecoderError.self) {
            _ = try channel.finish()
        }
    }
}
