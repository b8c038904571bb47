import NIOCore
import NIOPosix
import PNNCore
import PNNProtocol
import Synchronization

/// An async connection to pnnd over its Unix socket; safe to use from many tasks at once (requests are
/// pipelined and matched to their replies by id).
///
/// Every call throws `ClientError`; error replies from the daemon become `.server(code)`. Closing the
/// client (or losing the connection) fails all calls still waiting. Leases belong to the connection
/// and end with it.
public final class PNNClient: Sendable {
    /// Protocol versions this client speaks, newest last.
    public static let supportedVersions = [Int(Frame.version)]

    /// The socket this client is connected to.
    public let socketPath: String
    let channel: any Channel
    /// Next request id; 0 is reserved for connection-level errors.
    private let nextID = Atomic<UInt64>(1)
    /// The daemon's frame-size limit from `hello`, 0 until then.
    private let serverMaxFrameBytes = Atomic<Int>(0)
    /// Whether `hello` listed `acquisitions` (the daemon averages repeated acquisitions itself).
    private let serverAverages = Atomic<Bool>(false)
    /// Set by the router when the connection ends (see `roundTrip`).
    private let ending: ConnectionEnding

    private init(channel: any Channel, socketPath: String, ending: ConnectionEnding) {
        self.channel = channel
        self.socketPath = socketPath
        self.ending = ending
    }

    deinit {
        channel.close(promise: nil)
    }

    /// Connects to pnnd at `socketPath`.
    ///
    /// `maxFrameBytes` caps the size of one incoming frame (a larger reply fails the connection).
    public static func connect(socketPath: String, maxFrameBytes: Int = 64 << 20,
                               eventLoopGroup: (any EventLoopGroup)? = nil) async throws(ClientError) -> PNNClient {
        let group = eventLoopGroup ?? MultiThreadedEventLoopGroup.singleton
        let ending = ConnectionEnding()
        let bootstrap = ClientBootstrap(group: group)
            // Whole 1 MiB frames per write and per read (see SocketTuning).
            .channelOption(.recvAllocator, value: SocketTuning.receiveAllocator)
            .channelOption(.socketOption(.so_sndbuf), value: SocketTuning.sendBuffer)
            .channelInitializer { channel in
            channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addPNNFraming(maxFrameBytes: maxFrameBytes)
                try channel.pipeline.syncOperations.addHandler(ResponseRouter(maxFrameBytes: maxFrameBytes, ending: ending))
            }
        }
        do {
            let channel = try await bootstrap.connect(unixDomainSocketPath: socketPath).get()
            return PNNClient(channel: channel, socketPath: socketPath, ending: ending)
        } catch let error as IOError {
            throw ClientError(.connection, "cannot connect to pnnd at \(socketPath): \(ResponseRouter.reason(errno: error.errnoCode))")
        } catch let error as SocketAddressError {
            throw ClientError(.connection, "cannot connect to pnnd at \(socketPath): invalid socket path (\(error))")
        } catch {
            throw ClientError(.connection, "cannot connect to pnnd at \(socketPath): \(error)")
        }
    }

    /// Closes the connection: calls still waiting fail with `.connection`, event streams end normally.
    public func close() async {
        try? await channel.close().get()
    }

    // MARK: Requests

    /// Sends any request and waits for its reply.
    ///
    /// Error replies are thrown as `.server(code)`, never returned as `Response.failure`. `deadline`
    /// travels as whole milliseconds (rounded up); pnnd enforces it. Cancelling the calling task sends
    /// a cancel frame for the request and fails the call with `.cancelled`. Use `events()` rather than
    /// sending `.subscribe` here, which would drop the events.
    public func send(_ request: Request, deadline: Duration? = nil) async throws(ClientError) -> Response {
        try await exchange(request, deadline: deadline, id: makeRequestID(), events: nil)
    }

    /// Records the daemon's frame-size limit so oversized requests fail before they are sent.
    func noteServer(_ reply: HelloReply) {
        serverMaxFrameBytes.store(max(0, reply.maxFrameBytes), ordering: .relaxed)
        serverAverages.store(reply.capabilities.contains(HelloReply.acquisitionsCapability), ordering: .relaxed)
    }

    /// Whether the daemon's `hello` offered averaging of repeated acquisitions (false before `hello`).
    public var averagesAcquisitions: Bool { serverAverages.load(ordering: .relaxed) }

    /// Refuses an `acquisitions` the daemon would not honour: out of range, or asked of a daemon that
    /// did not offer averaging in `hello` (an older pnnd ignores the field and measures once).
    static func checkAcquisitions(_ acquisitions: Int, offered: Bool) throws(ClientError) {
        guard acquisitions != 1 else { return }
        guard (1 ... Request.maximumAcquisitions).contains(acquisitions) else {
            throw ClientError(.invalidRequest, "acquisitions must be 1…\(Request.maximumAcquisitions), got \(acquisitions)")
        }
        guard offered else {
            throw ClientError(.invalidRequest,
                              "pnnd did not offer averaging of acquisitions in its hello reply (an older daemon measures "
                                  + "once); call hello first, or average repeated runs on the client")
        }
    }

    func makeRequestID() -> UInt64 {
        while true {
            let id = nextID.wrappingAdd(1, ordering: .relaxed).oldValue
            if id != 0 { return id }
        }
    }

    /// Encodes, sends and awaits one request; `events` receives a subscription's events.
    func exchange(_ request: Request, deadline: Duration?, id: UInt64,
                  events: ResponseRouter.EventSink?) async throws(ClientError) -> Response {
        let envelope = RequestEnvelope(id: id, deadlineMilliseconds: try Self.milliseconds(deadline), request: request)
        let frame = WireFormat.frame(for: envelope, allocator: channel.allocator)
        let limit = serverMaxFrameBytes.load(ordering: .relaxed)
        if limit > 0, frame.encodedLength > limit {
            throw ClientError(.invalidRequest,
                              "'\(request.operation)' request of \(frame.encodedLength) bytes exceeds pnnd's frame limit of \(limit) bytes; send smaller batches")
        }
        let replyFrame = try await roundTrip(frame, events: events).get()
        let response: Response
        do {
            response = try WireFormat.response(from: replyFrame)
        } catch {
            throw ClientError(.protocolViolation, "undecodable reply to '\(request.operation)': \(error.message)")
        }
        if case .failure(let error) = response { throw .server(error) }
        return response
    }

    /// Hands `frame` to the router and waits for the reply frame, sending a cancel frame if the task is
    /// cancelled meanwhile.
    private func roundTrip(_ frame: Frame, events: ResponseRouter.EventSink?) async -> Result<Frame, ClientError> {
        let call = CallState()
        let channel = self.channel
        let ending = self.ending
        let id = frame.requestID
        return await withTaskCancellationHandler {
            // The request is queued under the lock, so a cancel frame can never overtake it.
            let reply: EventLoopPromise<Frame>? = call.phase.withLock { phase in
                guard phase == .preparing else { return nil }
                phase = .sent
                let reply = channel.eventLoop.makePromise(of: Frame.self)
                let written = channel.eventLoop.makePromise(of: Void.self)
                written.futureResult.whenFailure { error in
                    // Also reached when the router failed the request itself (then this is a no-op). A
                    // channel that has closed fails the write before the router sees it: the reason the
                    // router recorded (a connection-level error from pnnd, say) is the one to report.
                    reply.fail(ending.error ?? ResponseRouter.classify(error, maxFrameBytes: 0))
                }
                channel.writeAndFlush(ResponseRouter.Command.request(frame, reply: reply, events: events), promise: written)
                return reply
            }
            guard let reply else {
                events?.finish()
                return .failure(ClientError(.cancelled, "request \(id) was cancelled before it was sent"))
            }
            do {
                return .success(try await reply.futureResult.get())
            } catch {
                return .failure(ResponseRouter.classify(error, maxFrameBytes: 0))
            }
        } onCancel: {
            call.phase.withLock { phase in
                if phase == .sent {
                    channel.writeAndFlush(ResponseRouter.Command.cancel(id), promise: nil)
                }
                phase = .cancelled
            }
        }
    }

    /// `deadline` as positive whole milliseconds for the wire.
    static func milliseconds(_ deadline: Duration?) throws(ClientError) -> Int? {
        guard let deadline else { return nil }
        let (seconds, attoseconds) = deadline.components
        let milliseconds = (Double(seconds) * 1e3 + Double(attoseconds) / 1e15).rounded(.up)
        guard milliseconds > 0 else {
            throw ClientError(.invalidRequest, "a deadline must be positive, got \(deadline)")
        }
        // About 285 years: far beyond any request, and exactly representable.
        return Int(min(milliseconds, 9e12))
    }
}

/// Where one call stands, shared between the call and its cancellation handler.
private final class CallState: Sendable {
    enum Phase { case preparing, sent, cancelled }
    let phase = Mutex(Phase.preparing)
}
