import NIOCore

/// Turns length-delimited frame bodies into `Frame`s and back.
///
/// Inbound it parses the bodies `FrameDecoder` cuts out. Outbound it writes the u32 length prefix, the
/// header and the metadata as one small buffer and the tensor payload as a second one, so a 1 MiB batch
/// goes to the socket (one writev) without being copied into a frame buffer first.
public final class FrameCodecHandler: ChannelDuplexHandler, Sendable {
    public typealias InboundIn = ByteBuffer
    public typealias InboundOut = Frame
    public typealias OutboundIn = Frame
    public typealias OutboundOut = ByteBuffer

    public init() {}

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let body = unwrapInboundIn(data)
        do {
            context.fireChannelRead(wrapInboundOut(try Frame(body: body)))
        } catch {
            context.fireErrorCaught(error)
        }
    }

    public func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let frame = unwrapOutboundIn(data)
        var head = context.channel.allocator.buffer(capacity: 4 + Frame.headerBytes + frame.metadata.readableBytes)
        head.writeInteger(UInt32(frame.encodedLength), endianness: .little)
        frame.writeHeaderAndMetadata(to: &head)
        if frame.payload.readableBytes == 0 {
            context.write(wrapOutboundOut(head), promise: promise)
        } else {
            context.write(wrapOutboundOut(head), promise: nil)
            context.write(wrapOutboundOut(frame.payload), promise: promise)
        }
    }
}
