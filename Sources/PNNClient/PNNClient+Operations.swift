import PNNCore
import PNNProtocol

// One typed method per protocol operation, on top of `send(_:deadline:)`.
extension PNNClient {
    /// Negotiates the protocol version and learns the daemon's capabilities and frame-size limit
    /// (requests larger than that limit then fail locally with `.invalidRequest`).
    public func hello(client: String = "pnn") async throws(ClientError) -> HelloReply {
        let response = try await send(.hello(versions: Self.supportedVersions, client: client))
        guard case .hello(let reply) = response else { throw Self.unexpected(response, to: "hello") }
        guard Self.supportedVersions.contains(reply.version) else {
            throw ClientError(.protocolViolation,
                              "pnnd chose protocol version \(reply.version); this client speaks \(Self.supportedVersions.map(String.init).joined(separator: ", "))")
        }
        noteServer(reply)
        return reply
    }

    /// All devices with their state, shape, lease holder and queue depth.
    public func devices() async throws(ClientError) -> [DeviceSummary] {
        let response = try await send(.listDevices)
        guard case .devices(let list) = response else { throw Self.unexpected(response, to: "listDevices") }
        return list
    }

    /// Everything about one device: shapes, limits, model, notes.
    public func describe(_ device: String) async throws(ClientError) -> DeviceInfo {
        let response = try await send(.describe(device: device))
        guard case .description(let info) = response else { throw Self.unexpected(response, to: "describe") }
        return info
    }

    /// Takes exclusive use of `device` for this connection; `idleSeconds` shortens the daemon's idle TTL.
    public func lease(_ device: String, idleSeconds: Double? = nil) async throws(ClientError) -> LeaseGrant {
        let response = try await send(.lease(device: device, idleSeconds: idleSeconds))
        guard case .leased(let grant) = response else { throw Self.unexpected(response, to: "lease") }
        return grant
    }

    /// Gives up this connection's lease on `device`.
    public func release(_ device: String) async throws(ClientError) {
        let response = try await send(.release(device: device))
        guard case .released = response else { throw Self.unexpected(response, to: "release") }
    }

    /// One measurement: `input` x [B×N] and `parameters` θ [P] → output y [B×M]; with `acquisitions`
    /// A > 1, each row of y is the mean of A readings of its sample (needs `averagesAcquisitions`).
    public func run(_ device: String, input: Tensor<Float>, parameters: Tensor<Float>, acquisitions: Int = 1,
                    deadline: Duration? = nil) async throws(ClientError) -> (output: Tensor<Float>, info: RunInfo) {
        try Self.checkAcquisitions(acquisitions, offered: averagesAcquisitions)
        let response = try await send(.run(device: device, input: input, parameters: parameters,
                                           acquisitions: acquisitions), deadline: deadline)
        guard case .ran(let info, let output) = response else { throw Self.unexpected(response, to: "run") }
        return (output, info)
    }

    /// `samples` random probes within the device's limits, recorded by the daemon for twin fitting:
    /// x [samples×N], θ [samples×P], y [samples×M].
    public func calibrate(_ device: String, samples: Int, seed: UInt64? = nil, deadline: Duration? = nil)
        async throws(ClientError) -> (input: Tensor<Float>, parameters: Tensor<Float>, output: Tensor<Float>, info: CalibrationInfo)
    {
        let response = try await send(.calibrate(device: device, samples: samples, seed: seed), deadline: deadline)
        guard case .calibrated(let info, let x, let theta, let y) = response else {
            throw Self.unexpected(response, to: "calibrate")
        }
        return (x, theta, y, info)
    }

    /// Daemon health: uptime, connections, devices, recorder.
    public func status() async throws(ClientError) -> StatusReport {
        let response = try await send(.status)
        guard case .status(let report) = response else { throw Self.unexpected(response, to: "status") }
        return report
    }

    /// The daemon's metrics in the Prometheus text exposition format.
    public func metrics() async throws(ClientError) -> String {
        let response = try await send(.metrics)
        guard case .metrics(let text) = response else { throw Self.unexpected(response, to: "metrics") }
        return text
    }

    /// Subscribes to device events.
    ///
    /// The stream ends without an error when this client is closed, and with `.connection` when the
    /// connection is lost. Dropping the stream (or cancelling its consumer) sends a cancel frame with
    /// the subscription's id, which pnnd treats as unsubscribe.
    public func events() async throws(ClientError) -> AsyncThrowingStream<DeviceEvent, any Error> {
        let (stream, sink) = AsyncThrowingStream.makeStream(of: DeviceEvent.self, throwing: (any Error).self)
        let id = makeRequestID()
        let channel = self.channel
        sink.onTermination = { termination in
            if case .cancelled = termination {
                channel.writeAndFlush(ResponseRouter.Command.unsubscribe(id), promise: nil)
            }
        }
        let response: Response
        do {
            response = try await exchange(.subscribe, deadline: nil, id: id, events: sink)
        } catch {
            sink.finish(throwing: error)
            throw error
        }
        guard case .subscribed = response else {
            sink.finish()
            throw Self.unexpected(response, to: "subscribe")
        }
        return stream
    }

    static func unexpected(_ response: Response, to operation: String) -> ClientError {
        ClientError(.protocolViolation, "pnnd answered '\(operation)' with a reply to another operation (\(response.kind))")
    }
}

extension Response {
    /// The case name, for messages.
    fileprivate var kind: String {
        switch self {
        case .hello: "hello"
        case .devices: "devices"
        case .description: "description"
        case .leased: "leased"
        case .released: "released"
        case .ran: "ran"
        case .calibrated: "calibrated"
        case .status: "status"
        case .metrics: "metrics"
        case .subscribed: "subscribed"
        case .failure: "failure"
        }
    }
}
