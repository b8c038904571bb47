import NIOCore

/// Splits the stream into frame bodies at their u32 little-endian length prefixes, refusing a frame
/// longer than `maxFrameBytes` as soon as its prefix arrives.
///
///     +----------------+---------------------------+
///     | length L (u32) | frame body (L bytes)      |   L ≤ maxFrameBytes
///     +----------------+---------------------------+
///
/// The prefix is swift-nio-extras' `LengthFieldPrepender` format. Unlike `LengthFieldBasedFrameDecoder`
/// behind `ByteToMessageHandler(maximumBufferSize:)`, whose check only runs while a frame is still
/// incomplete (so an oversized frame arriving in one read slips through), the cap here holds for every
/// frame and nothing of an oversized frame is buffered beyond what one read delivered.
public struct FrameDecoder: ByteToMessageDecoder {
    public typealias InboundOut = ByteBuffer

    /// Largest accepted body (after the length prefix), in bytes.
    public let maxFrameBytes: Int

    public init(maxFrameBytes: Int) {
        self.maxFrameBytes = maxFrameBytes
    }

    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let length = buffer.getInteger(at: buffer.readerIndex, endianness: .little, as: UInt32.self) else {
            return .needMoreData
        }
        guard Int(length) <= maxFrameBytes else {
            throw ByteToMessageDecoderError.PayloadTooLargeError()
        }
        guard buffer.readableBytes >= 4 + Int(length) else {
            // Make room for the whole frame once, so a 1 MiB batch arriving in 64 KiB reads is not
            // copied again each time the cumulation buffer would have doubled.
            buffer.reserveCapacity(minimumWritableBytes: 4 + Int(length) - buffer.readableBytes)
            return .needMoreData
        }
        buffer.moveReaderIndex(forwardBy: 4)
        guard let body = buffer.readSlice(length: Int(length)) else { return .needMoreData }
        context.fireChannelRead(wrapInboundOut(body))
        return .continue
    }

    public mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer,
                                    seenEOF: Bool) throws -> DecodingState {
        while try decode(context: context, buffer: &buffer) == .continue {}
        if buffer.readableBytes > 0 {
            context.fireErrorCaught(ByteToMessageDecoderError.leftoverDataWhenDone(buffer))
        }
        return .needMoreData
    }
}
