import Foundation
import NIOCore
import PNNProtocol

/// Matches pipelined replies to their callers by request id, feeds subscription events to their streams
/// and fails everything pending when the connection ends.
///
/// Modelled on swift-nio-extras' `NIORequestResponseWithIDHandler`, plus what that one lacks: event
/// frames, connection-level errors (id 0), cancellation and subscriptions. Sits on top of
/// `addPNNFraming`; all state is confined to the channel's event loop.
final class ResponseRouter: ChannelDuplexHandler {
    typealias InboundIn = Frame
    typealias InboundOut = Never
    typealias OutboundIn = Command
    typealias OutboundOut = Frame

    typealias EventSink = AsyncThrowingStream<DeviceEvent, any Error>.Continuation

    /// What `PNNClient` writes into the channel.
    enum Command: Sendable {
        /// Send `frame` and complete `reply` with the response frame of the same id. `events`, for a
        /// subscription, receives the event frames carrying that id.
        case request(Frame, reply: EventLoopPromise<Frame>, events: EventSink?)
        /// The caller of request `id` stopped waiting: fail its call with `.cancelled` and tell pnnd.
        case cancel(UInt64)
        /// The consumer dropped the event stream of subscription `id`: stop routing and tell pnnd.
        case unsubscribe(UInt64)
    }

    private let maxFrameBytes: Int
    private var pending: [UInt64: EventLoopPromise<Frame>] = [:]
    /// Requests cancelled before their reply came: pnnd still sends exactly one (protocol.md), which
    /// is then dropped. A reply to an id in neither set was never asked for — the stream is out of step,
    /// and the calls waiting on it might never be answered.
    private var cancelledAwaitingReply: Set<UInt64> = []
    private var subscriptions: [UInt64: EventSink] = [:]
    /// Set once the connection is unusable; requests written afterwards fail with it at once.
    private var terminalError: ClientError?
    /// The client closed the channel itself: event streams end without an error.
    private var closedLocally = false

    /// Why the connection ended, shared with `PNNClient`: a call made after the channel has closed
    /// never reaches this handler, and must still learn the reason.
    private let ending: ConnectionEnding

    init(maxFrameBytes: Int, ending: ConnectionEnding = ConnectionEnding()) {
        self.maxFrameBytes = maxFrameBytes
        self.ending = ending
    }

    // MARK: Inbound

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch frame.kind {
        case .response where frame.requestID == 0:
            connectionLevelError(frame, context: context)
        case .response:
            routeResponse(frame, context: context)
        case .event:
            routeEvent(frame)
        case .request, .cancel:
            failAll(ClientError(.protocolViolation, "pnnd sent a \(frame.kind) frame, which only clients send"))
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        failAll(ClientError(.connection, closedLocally ? "the client closed its connection to pnnd"
                                                      : "connection to pnnd closed"))
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        failAll(ClientError(.connection, "connection to pnnd closed"))
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        failAll(Self.classify(error, maxFrameBytes: maxFrameBytes))
        context.close(promise: nil)
    }

    /// A reply with the reserved id 0: the daemon rejects the connection itself (e.g. an undecodable
    /// frame) and closes it, so every pending call fails with that error.
    private func connectionLevelError(_ frame: Frame, context: ChannelHandlerContext) {
        let error: ClientError
        do {
            if case .failure(let wire) = try WireFormat.response(from: frame) {
                error = .server(wire)
            } else {
                error = ClientError(.protocolViolation, "pnnd sent a non-error reply with the reserved request id 0")
            }
        } catch let decoding {
            error = ClientError(.protocolViolation, "undecodable connection-level reply from pnnd: \(decoding.message)")
        }
        // Later calls learn that the connection is gone — except when pnnd refused the connection itself
        // for being at its limit: then "try again later" is the truth for every call.
        let refusal = error.code == .server(.resourceExhausted)
            ? error : ClientError(.connection, "connection to pnnd closed after a connection-level error: \(error)")
        failAll(error, thenRefuse: refusal)
        context.close(promise: nil)
    }

    private func routeResponse(_ frame: Frame, context: ChannelHandlerContext) {
        guard let reply = pending.removeValue(forKey: frame.requestID) else {
            // The reply to a cancelled request: nobody waits for it.
            if cancelledAwaitingReply.remove(frame.requestID) != nil { return }
            failAll(ClientError(.protocolViolation, "pnnd answered request \(frame.requestID), which was not outstanding"))
            context.close(promise: nil)
            return
        }
        if let sink = subscriptions[frame.requestID] {
            // A subscribe reply: anything but `subscribed` means no events will follow.
            if (try? WireFormat.response(from: frame)) != .subscribed {
                subscriptions[frame.requestID] = nil
                sink.finish()
            }
        }
        reply.succeed(frame)
    }

    private func routeEvent(_ frame: Frame) {
        // No stream: its consumer is gone (pnnd was told) or the subscription never existed.
        guard let sink = subscriptions[frame.requestID] else { return }
        do {
            sink.yield(try WireFormat.event(from: frame))
        } catch {
            subscriptions[frame.requestID] = nil
            sink.finish(throwing: ClientError(.protocolViolation, "undecodable event from pnnd: \(error.message)"))
        }
    }

    // MARK: Outbound

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .request(let frame, let reply, let events):
            let id = frame.requestID
            if let error = terminalError {
                reply.fail(error)
                events?.finish(throwing: error)
                promise?.fail(error)
                return
            }
            guard pending[id] == nil else {
                let error = ClientError(.invalidRequest, "request id \(id) is already in use on this connection")
                reply.fail(error)
                events?.finish(throwing: error)
                promise?.fail(error)
                return
            }
            pending[id] = reply
            if let events { subscriptions[id] = events }
            context.write(wrapOutboundOut(frame), promise: promise)

        case .cancel(let id):
            // Already answered (or failed): nothing to cancel.
            guard let reply = pending.removeValue(forKey: id) else {
                promise?.succeed(())
                return
            }
            subscriptions.removeValue(forKey: id)?.finish()
            cancelledAwaitingReply.insert(id)
            reply.fail(ClientError(.cancelled, "request \(id) was cancelled"))
            context.write(wrapOutboundOut(WireFormat.cancelFrame(for: id, allocator: context.channel.allocator)),
                          promise: promise)

        case .unsubscribe(let id):
            guard let sink = subscriptions.removeValue(forKey: id) else {
                promise?.succeed(())
                return
            }
            sink.finish()
            if let reply = pending.removeValue(forKey: id) {
                // Its `subscribed` reply is still on the way.
                cancelledAwaitingReply.insert(id)
                reply.fail(ClientError(.cancelled, "subscription \(id) was cancelled"))
            }
            context.write(wrapOutboundOut(WireFormat.cancelFrame(for: id, allocator: context.channel.allocator)),
                          promise: promise)
        }
    }

    func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        if mode == .all { closedLocally = true }
        context.close(mode: mode, promise: promise)
    }

    // MARK: Failing

    /// Fails every pending call with `error` and ends every event stream; requests written later fail
    /// with `refusal` (default: `error`). The first terminal error sticks.
    private func failAll(_ error: ClientError, thenRefuse refusal: ClientError? = nil) {
        if terminalError == nil {
            terminalError = refusal ?? error
            ending.record(refusal ?? error)
        }
        let replies = pending
        let sinks = subscriptions
        pending = [:]
        subscriptions = [:]
        cancelledAwaitingReply = []
        for reply in replies.values { reply.fail(error) }
        for sink in sinks.values {
            if closedLocally { sink.finish() } else { sink.finish(throwing: error) }
        }
    }

    /// The client-facing form of an error from the pipeline.
    static func classify(_ error: any Error, maxFrameBytes: Int) -> ClientError {
        switch error {
        case let error as ClientError:
            return error
        case let error as FrameError:
            return ClientError(.protocolViolation, "undecodable frame from pnnd: \(error.message)")
        case is ByteToMessageDecoderError.PayloadTooLargeError:
            return ClientError(.protocolViolation, "pnnd sent a frame larger than this client's limit of \(maxFrameBytes) bytes")
        case ByteToMessageDecoderError.leftoverDataWhenDone:
            return ClientError(.connection, "connection to pnnd closed in the middle of a frame")
        case let error as IOError:
            return ClientError(.connection, "connection to pnnd failed: \(Self.reason(errno: error.errnoCode))")
        case ChannelError.ioOnClosedChannel, ChannelError.alreadyClosed, ChannelError.eof:
            return ClientError(.connection, "connection to pnnd closed")
        default:
            return ClientError(.connection, "connection to pnnd failed: \(error)")
        }
    }

    /// `strerror` text, lower-cased to sit inside a sentence.
    static func reason(errno code: CInt) -> String {
        String(cString: strerror(code)).lowercased()
    }
}
