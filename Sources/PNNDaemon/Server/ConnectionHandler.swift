#if canImport(Glibc)
import Glibc
#endif
import Logging
import NIOCore
import PNNProtocol

/// Last stage of a connection's pipeline: frames in, dispatcher calls out, replies back.
///
/// Every request runs in its own task, so requests on one connection are pipelined and their replies
/// leave in completion order, matched by id. A request error never closes the connection; a frame that
/// cannot be parsed (the stream is no longer trustworthy) is answered with an error under id 0 and then
/// only this connection is closed.
final class ConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = Frame

    private let connection: ClientConnection
    private let dispatcher: Dispatcher
    private let logger: Logger
    /// Set by the first protocol error: the stream is untrustworthy from there on, so nothing after it
    /// is dispatched and only one error reply is sent before the close.
    private var failed = false

    init(connection: ClientConnection, dispatcher: Dispatcher, logger: Logger) {
        self.connection = connection
        self.dispatcher = dispatcher
        var logger = logger
        logger[metadataKey: "pnn.connection"] = "\(connection.id)"
        self.logger = logger
    }

    func channelActive(context: ChannelHandlerContext) {
        dispatcher.connectionOpened(connection)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        let (dispatcher, id) = (self.dispatcher, connection.id)
        Task { await dispatcher.connectionClosed(id) }
        connection.closed()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !failed else { return }
        let frame = unwrapInboundIn(data)
        let (dispatcher, connection) = (self.dispatcher, self.connection)
        connection.noteReceived(frame)
        if frame.requestID == 0 && frame.kind != .cancel {
            let error = ProtocolError(.invalidArgument, "request id 0 is reserved for connection-level errors")
            connection.send(WireFormat.frame(for: .failure(error), id: 0, op: WireFormat.operationName(of: frame),
                                             allocator: connection.allocator))
            return
        }
        switch frame.kind {
        case .request:
            let envelope: RequestEnvelope
            do {
                envelope = try WireFormat.request(from: frame)
            } catch {
                let op = WireFormat.operationName(of: frame)
                dispatcher.recordRejected(op: op, code: error.code)
                connection.send(WireFormat.frame(for: .failure(error), id: frame.requestID, op: op,
                                                 allocator: connection.allocator))
                return
            }
            dispatcher.beginRequest()
            Task {
                let response = await dispatcher.handle(envelope, from: connection)
                connection.send(WireFormat.frame(for: response, id: envelope.id, op: envelope.request.operation,
                                                 allocator: connection.allocator))
                dispatcher.endRequest()
            }
        case .cancel:
            Task { await dispatcher.cancel(requestID: frame.requestID, from: connection.id) }
        case .response, .event:
            let error = ProtocolError(.invalidArgument, "clients send request and cancel frames only, got a \(frame.kind) frame")
            connection.send(WireFormat.frame(for: .failure(error), id: frame.requestID, op: "unknown",
                                             allocator: connection.allocator))
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard !failed else { return }
        failed = true
        let message: String
        switch error {
        case let error as FrameError:
            message = "malformed frame: \(error.message)"
        case is ByteToMessageDecoderError.PayloadTooLargeError:
            message = "frame exceeds the daemon's maximum of \(dispatcher.maxFrameBytes) bytes"
        case let error as IOError where error.errnoCode == ECONNRESET || error.errnoCode == EPIPE:
            context.close(promise: nil)
            return
        case ByteToMessageDecoderError.leftoverDataWhenDone(let rest):
            // The client hung up halfway through a frame (killed, or gave up): nobody is left to answer,
            // and the bytes are not worth a notice.
            logger.debug("client closed the connection in the middle of a frame",
                         metadata: ["pnn.bytes.unread": "\(rest.readableBytes)"])
            context.close(promise: nil)
            return
        default:
            message = "connection error: \(error)"
        }
        logger.notice("closing connection after a protocol error", metadata: ["pnn.error": "\(message)"])
        let channel = context.channel
        let reply = WireFormat.frame(for: .failure(ProtocolError(.invalidArgument, message)), id: 0, op: "frame",
                                     allocator: channel.allocator)
        channel.writeAndFlush(reply).whenComplete { _ in channel.close(promise: nil) }
    }
}
