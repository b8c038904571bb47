import NIOCore
import PNNProtocol

/// The whole pipeline of a refused connection: once the channel is active it sends `error` under the
/// connection-level id 0, stops writing, drops whatever the client sends, and closes after `linger`
/// (or when the client hangs up first).
final class RefusedConnection: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let error: ProtocolError
    private let linger: TimeAmount

    init(error: ProtocolError, linger: TimeAmount) {
        self.error = error
        self.linger = linger
    }

    func channelActive(context: ChannelHandlerContext) {
        let frame = WireFormat.frame(for: .failure(error), id: 0, op: "connect", allocator: context.channel.allocator)
        var bytes = context.channel.allocator.buffer(capacity: 0)
        frame.writeLengthPrefixed(to: &bytes)
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(bytes)).whenComplete { _ in channel.close(mode: .output, promise: nil) }
        channel.eventLoop.scheduleTask(in: linger) { channel.close(promise: nil) }
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {}  // requests of a refused client

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
