#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import NIOCore
import PNNCore
import PNNProtocol
import Synchronization

/// A blocking connection to pnnd over a plain POSIX socket, for strictly sequential callers such as a
/// training loop: every call sends one request and returns when its reply has arrived.
///
/// Same protocol, requests, replies and errors (`ClientError`) as `PNNClient`, without NIO's event loop
/// and Swift concurrency in between: a call is one `sendmsg` and (for replies up to the buffer size) one
/// `read` on the calling thread. On the 2-core lab machine that takes tens of microseconds off every small
/// request's round trip (see docs/performance.md); for 1 MiB batches it saves a copy on receipt.
///
/// Pipelining is the caller's, on its own thread: `run(_:batches:)` and `submitRuns`/`awaitRuns` put
/// several requests on the socket before reading replies. What it leaves out, by design: concurrency
/// (calls from several threads are serialised, each holding the connection until its reply), event
/// subscriptions, and cancellation — a call blocks its thread
/// until pnnd answers, and pnnd enforces `deadline`. Use `PNNClient` for those. Closing the client, or
/// losing the connection, fails later calls with `.connection`.
public final class PNNBlockingClient: Sendable {
    /// The socket this client is connected to.
    public let socketPath: String
    private let connection: Mutex<Connection>

    private init(socketPath: String, connection: consuming Connection) {
        self.socketPath = socketPath
        self.connection = Mutex(connection)
    }

    /// Connects to pnnd at `socketPath`.
    ///
    /// `maxFrameBytes` caps the size of one incoming frame (a larger reply fails the connection).
    public static func connect(socketPath: String, maxFrameBytes: Int = 64 << 20) throws(ClientError) -> PNNBlockingClient {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else {
            throw ClientError(.connection, "cannot connect to pnnd at \(socketPath): \(ResponseRouter.reason(errno: errno))")
        }
        // A whole batch per sendmsg (see SocketTuning); a refusal only costs speed.
        var sendBuffer = Int32(SocketTuning.sendBufferBytes)
        _ = setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sendBuffer, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard socketPath.utf8.count < capacity, !socketPath.isEmpty else {
            closeDescriptor(fd)
            throw ClientError(.connection, "cannot connect to pnnd at \(socketPath): invalid socket path (longer than \(capacity - 1) bytes or empty)")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, byte) in socketPath.utf8.enumerated() { raw[i] = byte }
        }
        var status: Int32
        repeat {
            status = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connectDescriptor(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
                }
            }
        } while status != 0 && errno == EINTR
        guard status == 0 else {
            let reason = ResponseRouter.reason(errno: errno)
            closeDescriptor(fd)
            throw ClientError(.connection, "cannot connect to pnnd at \(socketPath): \(reason)")
        }
        return PNNBlockingClient(socketPath: socketPath, connection: Connection(fd: fd, maxFrameBytes: maxFrameBytes))
    }

    /// Closes the connection; later calls fail with `.connection`.
    public func close() {
        connection.withLock { $0.close(ClientError(.connection, "the client closed its connection to pnnd")) }
    }

    /// Sends any request and waits for its reply.
    ///
    /// Error replies are thrown as `.server(code)`, never returned as `Response.failure`. `deadline`
    /// travels as whole milliseconds (rounded up); pnnd enforces it. `.subscribe` is accepted but its
    /// events are dropped: use `PNNClient.events()`.
    public func send(_ request: Request, deadline: Duration? = nil) throws(ClientError) -> Response {
        let milliseconds = try PNNClient.milliseconds(deadline)
        return try connection.withLock { (connection: inout Connection) throws(ClientError) -> Response in
            try connection.exchange(request, deadlineMilliseconds: milliseconds)
        }
    }

    // MARK: Operations (as on PNNClient)

    /// Negotiates the protocol version and learns the daemon's frame-size limit (larger requests then
    /// fail locally with `.invalidRequest`).
    public func hello(client: String = "pnn") throws(ClientError) -> HelloReply {
        let response = try send(.hello(versions: PNNClient.supportedVersions, client: client))
        guard case .hello(let reply) = response else { throw PNNClient.unexpected(response, to: "hello") }
        guard PNNClient.supportedVersions.contains(reply.version) else {
            throw ClientError(.protocolViolation,
                              "pnnd chose protocol version \(reply.version); this client speaks \(PNNClient.supportedVersions.map(String.init).joined(separator: ", "))")
        }
        connection.withLock {
            $0.serverMaxFrameBytes = max(0, reply.maxFrameBytes)
            $0.serverAverages = reply.capabilities.contains(HelloReply.acquisitionsCapability)
        }
        return reply
    }

    /// All devices with their state, shape, lease holder and queue depth.
    public func devices() throws(ClientError) -> [DeviceSummary] {
        let response = try send(.listDevices)
        guard case .devices(let list) = response else { throw PNNClient.unexpected(response, to: "listDevices") }
        return list
    }

    /// Everything about one device: shapes, limits, model, notes.
    public func describe(_ device: String) throws(ClientError) -> DeviceInfo {
        let response = try send(.describe(device: device))
        guard case .description(let info) = response else { throw PNNClient.unexpected(response, to: "describe") }
        return info
    }

    /// Takes exclusive use of `device` for this connection; `idleSeconds` shortens the daemon's idle TTL.
    public func lease(_ device: String, idleSeconds: Double? = nil) throws(ClientError) -> LeaseGrant {
        let response = try send(.lease(device: device, idleSeconds: idleSeconds))
        guard case .leased(let grant) = response else { throw PNNClient.unexpected(response, to: "lease") }
        return grant
    }

    /// Gives up this connection's lease on `device`.
    public func release(_ device: String) throws(ClientError) {
        let response = try send(.release(device: device))
        guard case .released = response else { throw PNNClient.unexpected(response, to: "release") }
    }

    /// Whether the daemon's `hello` offered averaging of repeated acquisitions (false before `hello`).
    public var averagesAcquisitions: Bool { connection.withLock { $0.serverAverages } }

    /// One measurement: `input` x [B×N] and `parameters` θ [P] → output y [B×M]; with `acquisitions`
    /// A > 1, each row of y is the mean of A readings of its sample (needs `averagesAcquisitions`).
    public func run(_ device: String, input: Tensor<Float>, parameters: Tensor<Float>, acquisitions: Int = 1,
                    deadline: Duration? = nil) throws(ClientError) -> (output: Tensor<Float>, info: RunInfo) {
        try PNNClient.checkAcquisitions(acquisitions, offered: averagesAcquisitions)
        let response = try send(.run(device: device, input: input, parameters: parameters, acquisitions: acquisitions),
                                deadline: deadline)
        guard case .ran(let info, let output) = response else { throw PNNClient.unexpected(response, to: "run") }
        return (output, info)
    }

    /// Several measurements on one device, pipelined: all requests go out before the first reply is
    /// read, and pnnd runs them in this order. For independent batches — the channels of a wide
    /// physical layer — this hides the round trip and the recording of one behind the next. The
    /// requests' total size should stay within the socket buffers (a few MiB).
    public func run(_ device: String, batches: [(input: Tensor<Float>, parameters: Tensor<Float>)],
                    acquisitions: Int = 1,
                    deadline: Duration? = nil) throws(ClientError) -> [(output: Tensor<Float>, info: RunInfo)] {
        try awaitRuns(try submitRuns(device, batches: batches, acquisitions: acquisitions, deadline: deadline))
    }

    /// Sends measurements without waiting for them: pnnd queues them on the device in this order, behind
    /// any sent earlier. Read them back with `awaitRuns`, in any order; replies that arrive while
    /// another submission is awaited are kept until then. This lets a caller work while the device
    /// measures — a training loop prepares one micro-batch's next drive while pnnd measures another's.
    /// Every submission must be awaited, and no more than the device's queue (`queueCapacity`) may be
    /// outstanding at once: pnnd answers the rest with resourceExhausted.
    public func submitRuns(_ device: String, batches: [(input: Tensor<Float>, parameters: Tensor<Float>)],
                           acquisitions: Int = 1, deadline: Duration? = nil) throws(ClientError) -> PendingRuns {
        try PNNClient.checkAcquisitions(acquisitions, offered: averagesAcquisitions)
        let milliseconds = try PNNClient.milliseconds(deadline)
        let requests = batches.map {
            Request.run(device: device, input: $0.input, parameters: $0.parameters, acquisitions: acquisitions)
        }
        let sent = try connection.withLock { (connection: inout Connection) throws(ClientError) -> [(id: UInt64, operation: String)] in
            try connection.submitAll(requests, deadlineMilliseconds: milliseconds)
        }
        return PendingRuns(requests: sent)
    }

    /// The replies to a `submitRuns`, in the order the batches were given; waits for those not yet in.
    /// Every reply is read even when one is an error, and the first error is then thrown.
    public func awaitRuns(_ pending: PendingRuns) throws(ClientError) -> [(output: Tensor<Float>, info: RunInfo)] {
        let responses = try connection.withLock { (connection: inout Connection) throws(ClientError) -> [Response] in
            try connection.awaitReplies(to: pending.requests)
        }
        var results: [(output: Tensor<Float>, info: RunInfo)] = []
        for response in responses {
            guard case .ran(let info, let output) = response else { throw PNNClient.unexpected(response, to: "run") }
            results.append((output, info))
        }
        return results
    }

    /// `samples` random probes within the device's limits, recorded by the daemon for twin fitting.
    public func calibrate(_ device: String, samples: Int, seed: UInt64? = nil, deadline: Duration? = nil)
        throws(ClientError) -> (input: Tensor<Float>, parameters: Tensor<Float>, output: Tensor<Float>, info: CalibrationInfo)
    {
        let response = try send(.calibrate(device: device, samples: samples, seed: seed), deadline: deadline)
        guard case .calibrated(let info, let x, let theta, let y) = response else {
            throw PNNClient.unexpected(response, to: "calibrate")
        }
        return (x, theta, y, info)
    }

    /// Daemon health: uptime, connections, devices, recorder.
    public func status() throws(ClientError) -> StatusReport {
        let response = try send(.status)
        guard case .status(let report) = response else { throw PNNClient.unexpected(response, to: "status") }
        return report
    }

    /// The daemon's metrics in the Prometheus text exposition format.
    public func metrics() throws(ClientError) -> String {
        let response = try send(.metrics)
        guard case .metrics(let text) = response else { throw PNNClient.unexpected(response, to: "metrics") }
        return text
    }
}

/// Run requests on the socket whose replies `PNNBlockingClient.awaitRuns` has not returned yet.
public struct PendingRuns: Sendable {
    fileprivate let requests: [(id: UInt64, operation: String)]
    /// Batches submitted.
    public var count: Int { requests.count }
}

/// The socket and its buffers; only ever used under `PNNBlockingClient.connection`'s lock.
private struct Connection: ~Copyable {
    /// Payloads from this size on are received straight into the Float32 array that becomes the
    /// tensor, not into `inbound` first (one copy of a 1 MiB batch less).
    static let directPayloadBytes = 64 << 10

    private var fd: Int32
    private let maxFrameBytes: Int
    /// The daemon's frame-size limit from `hello`, 0 until then.
    var serverMaxFrameBytes = 0
    /// Whether `hello` listed `acquisitions`.
    var serverAverages = false
    private var nextID: UInt64 = 1
    /// Requests sent whose replies have not been read (id → operation).
    private var inFlight: [UInt64: String] = [:]
    /// Replies read while the caller awaited others (`submitRuns`), until they are awaited.
    private var parked: [UInt64: Result<Response, ClientError>] = [:]
    /// Set once the connection is unusable; every later call fails with it.
    private var terminalError: ClientError?
    private let allocator = ByteBufferAllocator()
    /// Length prefix, header and metadata of the request being sent (reused).
    private var head: ByteBuffer
    /// Bytes read from the socket and not yet consumed (reused; a reply's body is a slice of it).
    private var inbound: ByteBuffer

    init(fd: Int32, maxFrameBytes: Int) {
        self.fd = fd
        self.maxFrameBytes = maxFrameBytes
        head = allocator.buffer(capacity: 512)
        inbound = allocator.buffer(capacity: 16_384)
    }

    deinit {
        if fd >= 0 { closeDescriptor(fd) }
    }

    mutating func close(_ reason: ClientError) {
        if terminalError == nil { terminalError = reason }
        if fd >= 0 {
            closeDescriptor(fd)
            fd = -1
        }
    }

    /// Fails the connection for good with `error` and returns it for throwing.
    private mutating func fail(_ error: ClientError) -> ClientError {
        close(error)
        return error
    }

    mutating func exchange(_ request: Request, deadlineMilliseconds: Int?) throws(ClientError) -> Response {
        let id = try submit(request, deadlineMilliseconds: deadlineMilliseconds)
        return try awaitReplies(to: [(id, request.operation)])[0]
    }

    /// Sends every request before reading any reply (pipelining: pnnd decodes and queues the next while
    /// it works on the first), then returns the replies in request order. Every reply is read even when
    /// one is an error, so the connection stays in step; the first error is then thrown.
    mutating func exchangeAll(_ requests: [Request], deadlineMilliseconds: Int?) throws(ClientError) -> [Response] {
        try awaitReplies(to: try submitAll(requests, deadlineMilliseconds: deadlineMilliseconds))
    }

    /// Sends every request; returns their ids and operations for `awaitReplies`.
    mutating func submitAll(_ requests: [Request], deadlineMilliseconds: Int?) throws(ClientError)
        -> [(id: UInt64, operation: String)]
    {
        var sent: [(id: UInt64, operation: String)] = []
        sent.reserveCapacity(requests.count)
        for request in requests {
            sent.append((try submit(request, deadlineMilliseconds: deadlineMilliseconds), request.operation))
        }
        return sent
    }

    /// Frames and sends one request; returns its id.
    private mutating func submit(_ request: Request, deadlineMilliseconds: Int?) throws(ClientError) -> UInt64 {
        if let terminalError { throw terminalError }
        let id = nextID
        nextID = nextID == .max ? 1 : nextID + 1
        // Metadata into `head`; the tensors go to the socket from their own memory.
        let (metadata, tensors) = WireFormat.requestParts(
            for: RequestEnvelope(id: id, deadlineMilliseconds: deadlineMilliseconds, request: request), allocator: allocator)
        let payloadBytes = 4 * tensors.reduce(0) { $0 + $1.count }
        let frameBytes = Frame.headerBytes + metadata.readableBytes + payloadBytes
        if serverMaxFrameBytes > 0, frameBytes > serverMaxFrameBytes {
            throw ClientError(.invalidRequest,
                              "'\(request.operation)' request of \(frameBytes) bytes exceeds pnnd's frame limit of \(serverMaxFrameBytes) bytes; send smaller batches")
        }
        head.clear()
        head.writeInteger(UInt32(frameBytes), endianness: .little)
        Frame.writeHeader(kind: .request, requestID: id, metadataLength: metadata.readableBytes, payloadLength: payloadBytes,
                          to: &head)
        var metadataBytes = metadata
        head.writeBuffer(&metadataBytes)
        try send(head, tensors)
        inFlight[id] = request.operation
        return id
    }

    /// Reads frames until every request in `outstanding` (id, operation) has its reply, in any order.
    /// Replies to other requests in flight (an earlier `submitRuns` not awaited yet) are parked.
    mutating func awaitReplies(to outstanding: [(id: UInt64, operation: String)]) throws(ClientError) -> [Response] {
        var replies = [Response?](repeating: nil, count: outstanding.count)
        var remaining = outstanding.count
        var firstError: ClientError?
        func settle(_ index: Int, _ result: Result<Response, ClientError>) {
            remaining -= 1
            switch result {
            case .success(let response):
                replies[index] = response
                if case .failure(let error) = response, firstError == nil { firstError = .server(error) }
            case .failure(let error):
                replies[index] = .failure(ProtocolError(.internal, "undecodable"))
                if firstError == nil { firstError = error }
            }
        }
        for (index, request) in outstanding.enumerated() {
            if let result = parked.removeValue(forKey: request.id) {
                settle(index, result)
            } else if inFlight[request.id] == nil {
                throw ClientError(.invalidRequest, "the reply to '\(request.operation)' request \(request.id) was already read")
            }
        }
        while remaining > 0 {
            let received = try receive()
            switch received.header.kind {
            case .event:
                continue  // no subscriptions on this client
            case .response where received.header.requestID == 0:
                // The daemon rejects the connection itself and closes it.
                let error: ClientError
                if case .failure(let wire)? = try? received.response() {
                    error = .server(wire)
                } else {
                    error = ClientError(.protocolViolation, "undecodable connection-level reply from pnnd")
                }
                _ = fail(ClientError(.connection, "connection to pnnd closed after a connection-level error: \(error)"))
                throw error
            case .response:
                let id = received.header.requestID
                guard let operation = inFlight.removeValue(forKey: id) else {
                    throw fail(ClientError(.protocolViolation, "pnnd answered request \(id), which was not outstanding"))
                }
                let result: Result<Response, ClientError>
                do {
                    result = .success(try received.response())
                } catch {
                    result = .failure(ClientError(.protocolViolation, "undecodable reply to '\(operation)': \(error.message)"))
                }
                if let index = outstanding.firstIndex(where: { $0.id == id }) {
                    settle(index, result)
                } else {
                    parked[id] = result
                }
            case .request, .cancel:
                throw fail(ClientError(.protocolViolation, "pnnd sent a \(received.header.kind) frame, which only clients send"))
            }
        }
        if let firstError { throw firstError }
        return replies.compactMap { $0 }
    }

    // MARK: Sending

    /// Writes `head` and then every tensor's values with as few `sendmsg` calls as the socket allows.
    private mutating func send(_ head: ByteBuffer, _ tensors: [Tensor<Float>]) throws(ClientError) {
        let result: Result<Void, ClientError> = head.withUnsafeReadableBytes { head in
            withSegments(tensors[...], [head]) { segments in sendAll(segments) }
        }
        if case .failure(let error) = result { throw fail(error) }
    }

    /// Calls `body` with the memory of `prefix` followed by that of every tensor.
    private func withSegments<R>(_ tensors: ArraySlice<Tensor<Float>>, _ prefix: [UnsafeRawBufferPointer],
                                 _ body: ([UnsafeRawBufferPointer]) -> R) -> R {
        guard let first = tensors.first else { return body(prefix) }
        return first.scalars.withUnsafeBytes { withSegments(tensors.dropFirst(), prefix + [$0], body) }
    }

    /// MSG_NOSIGNAL: a closed peer is an error to report, not a SIGPIPE that kills the process.
    private func sendAll(_ segments: [UnsafeRawBufferPointer]) -> Result<Void, ClientError> {
        var segment = 0
        var offset = 0  // into segments[segment]
        return withUnsafeTemporaryAllocation(of: iovec.self, capacity: segments.count) { iov in
            while true {
                while segment < segments.count && offset == segments[segment].count {
                    segment += 1
                    offset = 0
                }
                guard segment < segments.count else { return .success(()) }
                var count = 0
                for (i, s) in segments.enumerated().dropFirst(segment) where s.count > 0 {
                    guard let base = s.baseAddress else { continue }
                    let skip = i == segment ? offset : 0
                    iov[count] = iovec(iov_base: UnsafeMutableRawPointer(mutating: base + skip), iov_len: s.count - skip)
                    count += 1
                }
                var message = msghdr()
                message.msg_iov = iov.baseAddress
                message.msg_iovlen = count
                var sent = sendmsg(fd, &message, Int32(MSG_NOSIGNAL))
                if sent < 0 {
                    if errno == EINTR { continue }
                    return .failure(Self.ioError(errno))
                }
                while sent > 0 {
                    let step = min(sent, segments[segment].count - offset)
                    offset += step
                    sent -= step
                    if offset == segments[segment].count && sent > 0 {
                        segment += 1
                        offset = 0
                    }
                }
            }
        }
    }

    // MARK: Receiving

    /// One frame from pnnd: its header, and either the whole body in `inbound` or, for a large response
    /// payload, the metadata and the payload already as Float32 values.
    private struct Received {
        var header: Frame.Header
        var frame: Frame?
        var metadata: ByteBuffer
        var scalars: [Float]

        func response() throws(ProtocolError) -> Response {
            if let frame { return try WireFormat.response(from: frame) }
            return try WireFormat.response(metadata: metadata, payloadScalars: scalars)
        }
    }

    private mutating func receive() throws(ClientError) -> Received {
        if inbound.readableBytes == 0 {
            inbound.clear()  // the previous reply is decoded and gone: reuse the storage from the start
        }
        try fill(4)
        guard let prefix = inbound.getInteger(at: inbound.readerIndex, endianness: .little, as: UInt32.self) else {
            throw fail(ClientError(.connection, "connection to pnnd closed in the middle of a frame"))
        }
        let length = Int(prefix)
        guard length <= maxFrameBytes else {
            throw fail(ClientError(.protocolViolation, "pnnd sent a frame larger than this client's limit of \(maxFrameBytes) bytes"))
        }
        try fill(4 + min(length, Frame.headerBytes))
        let header: Frame.Header
        do {
            let bytes = inbound.getSlice(at: inbound.readerIndex + 4, length: min(length, Frame.headerBytes)) ?? ByteBuffer()
            header = try Frame.Header(parsing: bytes, bodyLength: length)
        } catch {
            throw fail(ClientError(.protocolViolation, "undecodable frame from pnnd: \(error.message)"))
        }
        let payloadBytes = header.payloadLength
        if payloadBytes >= Self.directPayloadBytes, payloadBytes % 4 == 0, header.kind == .response {
            try fill(4 + Frame.headerBytes + header.metadataLength)
            inbound.moveReaderIndex(forwardBy: 4 + Frame.headerBytes)
            let metadata = inbound.readSlice(length: header.metadataLength) ?? ByteBuffer()
            let scalars = try receivePayload(bytes: payloadBytes)
            return Received(header: header, frame: nil, metadata: metadata, scalars: scalars)
        }
        try fill(4 + length)
        inbound.moveReaderIndex(forwardBy: 4)
        let body = inbound.readSlice(length: length) ?? ByteBuffer()
        do {
            return Received(header: header, frame: try Frame(body: body), metadata: ByteBuffer(), scalars: [])
        } catch {
            throw fail(ClientError(.protocolViolation, "undecodable frame from pnnd: \(error.message)"))
        }
    }

    /// The next `bytes` bytes of the stream (a payload) as Float32 values: what `inbound` already holds,
    /// then the rest read from the socket straight into the array.
    private mutating func receivePayload(bytes: Int) throws(ClientError) -> [Float] {
        var failure: ClientError?
        let fd = self.fd
        let scalars = [Float](unsafeUninitializedCapacity: bytes / 4) { out, initialized in
            let destination = UnsafeMutableRawBufferPointer(out)
            guard let base = destination.baseAddress else { return }
            let buffered = min(inbound.readableBytes, bytes)
            inbound.readWithUnsafeReadableBytes { source in
                if buffered > 0, let from = source.baseAddress { base.copyMemory(from: from, byteCount: buffered) }
                return buffered
            }
            var received = buffered
            while received < bytes {
                let n = read(fd, base + received, bytes - received)
                if n > 0 {
                    received += n
                } else if n < 0 && errno == EINTR {
                    continue
                } else {
                    failure = n == 0 ? ClientError(.connection, "connection to pnnd closed in the middle of a frame")
                                     : Self.ioError(errno)
                    return  // nothing counted as initialised: Float needs no clean-up
                }
            }
            initialized = bytes / 4
        }
        if let failure { throw fail(failure) }
        return scalars
    }

    /// Reads until `inbound` holds at least `count` bytes.
    private mutating func fill(_ count: Int) throws(ClientError) {
        while inbound.readableBytes < count {
            if inbound.writableBytes < count - inbound.readableBytes {
                // Room for all of it at once, so a body is read straight into place.
                inbound.discardReadBytes()
                inbound.reserveCapacity(minimumWritableBytes: count - inbound.readableBytes)
            }
            let fd = self.fd
            var readError: Int32 = 0
            let n = inbound.writeWithUnsafeMutableBytes(minimumWritableBytes: 1) { buffer -> Int in
                guard let base = buffer.baseAddress else { return 0 }
                let n = read(fd, base, buffer.count)
                if n < 0 { readError = errno }
                return max(n, 0)
            }
            if readError == EINTR { continue }
            if readError != 0 { throw fail(Self.ioError(readError)) }
            if n == 0 {
                throw fail(ClientError(.connection, inbound.readableBytes > 0 ? "connection to pnnd closed in the middle of a frame"
                                                                              : "connection to pnnd closed"))
            }
        }
    }

    private static func ioError(_ code: Int32) -> ClientError {
        ClientError(.connection, "connection to pnnd failed: \(ResponseRouter.reason(errno: code))")
    }
}

/// `connect(2)`; a free function because `PNNBlockingClient` has a `connect` of its own.
private func connectDescriptor(_ fd: Int32, _ address: UnsafePointer<sockaddr>, _ length: socklen_t) -> Int32 {
    connect(fd, address, length)
}

/// `close(2)`; a free function because both types here have a `close` method of their own.
private func closeDescriptor(_ fd: Int32) {
    #if canImport(Glibc)
    _ = Glibc.close(fd)
    #elseif canImport(Darwin)
    _ = Darwin.close(fd)
    #endif
}
