import NIOCore

/// Turns length-delimited frame bodies into `Frame`s and back.
///
/// Inbound it parses the bodies `FrameDecoder` cuts out. Outbound it writes the u32 length prefix, the
/// header and the metadata as one small buffer and a large tensor payload as a second one, so a 1 MiB
/// batch goes to the socket (one writev) without being copied into a frame buffer first.
public final class FrameCodecHandler: ChannelDuplexHandler {
    public typealias InboundIn = ByteBuffer
    public typealias InboundOut = Frame
    public typealias OutboundIn = Frame
    public typealias OutboundOut = ByteBuffer

    /// Set by the first malformed frame: after it the stream cannot be trusted, so nothing that follows
    /// (even if it parses) is passed on while the connection is being closed.
    private var failed = false

    public init() {}

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !failed else { return }
        let body = unwrapInboundIn(data)
        do {
            context.fireChannelRead(wrapInboundOut(try Frame(body: body)))
        } catch {
            failed = true
            context.fireErrorCaught(error)
        }
    }

    /// Payloads up to this size are copied behind the metadata and leave as one buffer: copying a few
    /// KiB is cheaper than a second pending write and iovec.
    static let inlinePayloadBytes = 8192

    public func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let frame = unwrapOutboundIn(data)
        let inline = frame.payload.readableBytes <= Self.inlinePayloadBytes
        var head = context.channel.allocator.buffer(
            capacity: 4 + Frame.headerBytes + frame.metadata.readableBytes + (inline ? frame.payload.readableBytes : 0))
        head.writeInteger(UInt32(frame.encodedLength), endianness: .little)
        frame.writeHeaderAndMetadata(to: &head)
        if inline {
            var payload = frame.payload
            head.writeBuffer(&payload)
            context.write(wrapOutboundOut(head), promise: promise)
        } else {
            context.write(wrapOutboundOut(head), promise: nil)
            context.write(wrapOutboundOut(frame.payload), promise: promise)
        }
    }
}
