import NIOCore

/// Turns length-delimited frame bodies into `Frame`s and back.
///
/// Sits between swift-nio-extras' `LengthFieldBasedFrameDecoder`/`LengthFieldPrepender` (which own the
/// u32 length prefix) and the server's or client's request handler.
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
        var buffer = context.channel.allocator.buffer(capacity: frame.encodedLength)
        frame.write(to: &buffer)
        context.write(wrapOutboundOut(buffer), promise: promise)
    }
}
