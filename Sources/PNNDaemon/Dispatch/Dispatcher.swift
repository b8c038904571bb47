#if canImport(Glibc)
import Glibc
#endif
import Logging
import PNNCore
import PNNDevices
import PNNProtocol
import Synchronization

/// Decides what every request means: access, validation, routing to a device worker, and the
/// daemon-wide answers (hello, listing, status, metrics, events).
///
/// Everything a client can get wrong is caught here, before a device sees it, and answered with a
/// stable error code; nothing here ever closes a connection.
final class Dispatcher: Sendable {
    struct State {
        var workers: [String: DeviceWorker] = [:]
        var connections: [ConnectionID: ClientConnection] = [:]
        var acceptingWork = true
        var configHash = ""
        /// Requests decoded but not yet answered (their reply not yet handed to the channel).
        var inFlight = 0
    }

    let maxFrameBytes: Int
    let defaultDeadline: Duration
    let serverName: String
    let metrics: DaemonMetrics
    let events: EventHub
    let recorder: RecordingQueue
    /// Shared with the device workers and the event hub (see `OpenConnections`).
    let openConnections: OpenConnections
    private let started = ContinuousClock.now
    private let state = Mutex(State())
    private let logger: Logger

    init(maxFrameBytes: Int, defaultDeadline: Duration, serverName: String, metrics: DaemonMetrics,
         events: EventHub, recorder: RecordingQueue, openConnections: OpenConnections, logger: Logger) {
        self.maxFrameBytes = maxFrameBytes
        self.defaultDeadline = defaultDeadline
        self.serverName = serverName
        self.metrics = metrics
        self.events = events
        self.recorder = recorder
        self.openConnections = openConnections
        self.logger = logger
    }

    // MARK: Devices and connections

    /// Installs the device workers (start-up and reload); returns the workers that were replaced.
    func install(_ workers: [DeviceWorker], configHash: String) -> [DeviceWorker] {
        state.withLock { s in
            let old = Array(s.workers.values)
            s.workers = Dictionary(uniqueKeysWithValues: workers.map { ($0.name, $0) })
            s.configHash = configHash
            return old
        }
    }

    var workers: [DeviceWorker] {
        state.withLock { Array($0.workers.values) }.sorted { $0.name < $1.name }
    }

    func worker(_ name: String) -> DeviceWorker? {
        state.withLock { $0.workers[name] }
    }

    func connectionOpened(_ connection: ClientConnection) {
        openConnections.opened(connection.id)
        let count = state.withLock { s in
            s.connections[connection.id] = connection
            return s.connections.count
        }
        metrics.setConnections(count)
    }

    func connectionClosed(_ id: ConnectionID) async {
        // First, so that requests of this connection still on their way create nothing new.
        openConnections.closed(id)
        let (count, workers) = state.withLock { s in
            s.connections[id] = nil
            return (s.connections.count, Array(s.workers.values))
        }
        metrics.setConnections(count)
        events.connectionClosed(id)
        for worker in workers { await worker.connectionClosed(id) }
    }

    /// Refuses new device work from now on (graceful shutdown).
    func stopAcceptingWork() {
        state.withLock { $0.acceptingWork = false }
    }

    /// Closes every client connection (end of shutdown).
    func closeConnections() {
        for connection in state.withLock({ Array($0.connections.values) }) { connection.close() }
    }

    /// A cancel frame: drops the queued request with that id, or ends the subscription with that id.
    func cancel(requestID: UInt64, from connection: ConnectionID) async {
        events.unsubscribe(connection: connection, subscriptionID: requestID)
        for worker in workers { await worker.cancel(connection: connection, requestID: requestID) }
    }

    /// Brackets a request from decoding to handing its reply to the channel, so shutdown can wait for
    /// answers that are computed but not yet sent.
    func beginRequest() { state.withLock { $0.inFlight += 1 } }
    func endRequest() { state.withLock { $0.inFlight -= 1 } }

    /// Waits (up to `timeout`) until every request in flight has been answered.
    func waitForAnswers(timeout: Duration) async {
        let deadline = ContinuousClock.now + timeout
        while state.withLock({ $0.inFlight }) > 0, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(5))
        }
    }

    /// A request rejected before dispatch (undecodable metadata): counted like any other.
    func recordRejected(op: String, code: ErrorCode) {
        let kind = Request.operations.contains(op) ? op : "unknown"
        metrics.request(device: "-", kind: kind, code: code.rawValue, duration: .zero)
    }

    // MARK: Requests

    func handle(_ envelope: RequestEnvelope, from connection: ClientConnection) async -> Response {
        let start = ContinuousClock.now
        // Looked up once: the reply and the metrics label both need it.
        let target = envelope.request.device.flatMap { worker($0) }
        let response = await respond(to: envelope, from: connection, target: target)
        let code: String
        if case .failure(let error) = response {
            code = error.code.rawValue
            logger.debug("request failed", metadata: [
                "pnn.request.id": "\(envelope.id)", "pnn.request.op": "\(envelope.request.operation)",
                "pnn.error": "\(error)",
            ])
        } else {
            code = "ok"
        }
        let device = envelope.request.device.map { target == nil ? "unknown" : $0 } ?? "-"
        metrics.request(device: device, kind: envelope.request.operation, code: code, duration: ContinuousClock.now - start)
        return response
    }

    /// `target`: the worker of the device the request names, if there is one.
    private func respond(to envelope: RequestEnvelope, from connection: ClientConnection, target: DeviceWorker?)
        async -> Response
    {
        switch envelope.request {
        case .hello(let versions, let client):
            guard versions.contains(Int(Frame.version)) else {
                return .failure(ProtocolError(.failedPrecondition,
                                              "no common protocol version: client speaks \(versions), pnnd speaks [\(Frame.version)]"))
            }
            logger.debug("hello", metadata: ["pnn.client": "\(client)", "pnn.connection": "\(connection.id)"])
            return .hello(HelloReply(version: Int(Frame.version), server: serverName,
                                     capabilities: ["run", "calibrate", "lease", "subscribe", "cancel", "deadline", "metrics",
                                                    HelloReply.acquisitionsCapability],
                                     maxFrameBytes: maxFrameBytes))
        case .listDevices:
            var list: [DeviceSummary] = []
            for worker in workers { list.append(await worker.summary()) }
            return .devices(list)
        case .describe(let name):
            guard let worker = target else { return notFound(name) }
            return .description(await worker.info())
        case .lease(let name, let idle):
            if let denied = checkDriveAccess(connection, "lease", name) { return denied }
            guard let worker = target else { return notFound(name) }
            return await worker.lease(connection: connection.id, uid: connection.uid, idleSeconds: idle)
        case .release(let name):
            if let denied = checkDriveAccess(connection, "release", name) { return denied }
            guard let worker = target else { return notFound(name) }
            return await worker.release(connection: connection.id)
        case .run(let name, let x, let theta, let acquisitions):
            if let denied = checkDriveAccess(connection, "run", name) { return denied }
            guard let worker = target else { return notFound(name) }
            if let refusal = validate(x, theta, for: worker.description) { return .failure(refusal) }
            let rows = x.shape.first ?? 0
            if let refusal = replyTooLarge(rows: rows, scalarsPerRow: worker.description.outputs, metadataBytes: 4096,
                                           what: "the reply to this run on \(name) (\(rows) rows of \(worker.description.outputs) outputs)",
                                           unit: "rows") {
                return .failure(refusal)
            }
            return await submit(.run(input: x, parameters: theta, acquisitions: acquisitions), to: worker, envelope,
                                connection)
        case .calibrate(let name, let samples, let seed):
            if let denied = checkDriveAccess(connection, "calibrate", name) { return denied }
            guard let worker = target else { return notFound(name) }
            guard samples <= Self.maxCalibrationSamples else {
                return .failure(ProtocolError(.invalidArgument,
                                              "calibrate takes at most \(Self.maxCalibrationSamples) samples per request, got \(samples)"))
            }
            let d = worker.description
            // The reply lists one sequence number per recorded probe batch.
            let batches = (samples + CalibrationProbes.batchSize - 1) / CalibrationProbes.batchSize
            if let refusal = replyTooLarge(rows: samples, scalarsPerRow: d.inputs + d.parameters + d.outputs,
                                           metadataBytes: 4096 + 24 * batches,
                                           what: "calibrate of \(samples) samples on \(name) (x, θ and y of each)",
                                           unit: "samples") {
                return .failure(refusal)
            }
            let seed = seed ?? UInt64(truncatingIfNeeded: Int64(UnixTime.now() * 1e6))
            return await submit(.calibrate(samples: samples, seed: seed), to: worker, envelope, connection)
        case .status:
            return .status(await status())
        case .metrics:
            return .metrics(metrics.exposition())
        case .subscribe:
            let subscribed = events.subscribe(EventHub.Subscriber(connection: connection.id, subscriptionID: envelope.id) { event in
                connection.send(WireFormat.frame(for: event, subscription: envelope.id, allocator: connection.allocator))
            })
            // Nobody would read the reply: the connection closed while this request was on its way.
            guard subscribed else { return .failure(ProtocolError(.cancelled, "connection closed")) }
            return .subscribed
        }
    }

    static let maxCalibrationSamples = 100_000

    private func submit(_ work: Job.Work, to worker: DeviceWorker, _ envelope: RequestEnvelope,
                        _ connection: ClientConnection) async -> Response {
        guard state.withLock({ $0.acceptingWork }) else {
            return .failure(ProtocolError(.unavailable, "pnnd is shutting down"))
        }
        let timeout = envelope.deadlineMilliseconds.map { Duration.milliseconds($0) } ?? defaultDeadline
        return await worker.submit(connection: connection.id, requestID: envelope.id, work: work,
                                   deadline: .now + timeout)
    }

    /// A reply over `max_frame_bytes` could not be sent (pnn's client refuses such frames too, its limit
    /// being the same 64 MiB by default), so the request is refused before the device spends its time
    /// on a measurement nobody would receive. `metadataBytes` is a generous bound on the reply's JSON.
    private func replyTooLarge(rows: Int, scalarsPerRow: Int, metadataBytes: Int, what: String, unit: String)
        -> ProtocolError?
    {
        let room = maxFrameBytes - Frame.headerBytes - metadataBytes
        let bytesPerRow = 4 * max(1, scalarsPerRow)
        let (payload, overflow) = rows.multipliedReportingOverflow(by: bytesPerRow)
        guard overflow || payload > room else { return nil }
        let megabytes = overflow ? "far more" : String(format: "%.1f MiB", Double(payload) / 1_048_576)
        return ProtocolError(.invalidArgument,
                             "\(what) would take \(megabytes), more than this pnnd's frame limit of \(maxFrameBytes) bytes (max_frame_bytes); ask for at most \(max(0, room / bytesPerRow)) \(unit) per request")
    }

    private func checkDriveAccess(_ connection: ClientConnection, _ op: String, _ device: String) -> Response? {
        guard connection.mayDriveDevices else {
            return .failure(ProtocolError(.permissionDenied,
                                          "uid \(connection.uid) may not \(op) \(device): add it to allowed_uids or one of its groups to allowed_groups in pnnd's configuration"))
        }
        return nil
    }

    private func notFound(_ name: String) -> Response {
        let known = workers.map(\.name).joined(separator: ", ")
        return .failure(ProtocolError(.notFound, "no device named '\(name)'; devices: \(known)"))
    }

    /// Shape, finiteness and safety limits, checked before the device sees anything.
    private func validate(_ x: Tensor<Float>, _ theta: Tensor<Float>, for device: DeviceDescription) -> ProtocolError? {
        if let problem = device.checkShapes(input: x, parameters: theta) {
            return ProtocolError(.invalidArgument, problem)
        }
        if let violation = device.limits.check(input: x, parameters: theta, order: device.driveOrder) {
            // NaN/Inf is malformed input; anything else is a value the hardware must not see.
            return ProtocolError(violation.rule == .nonFinite ? .invalidArgument : .outOfRange, violation.message)
        }
        return nil
    }

    private func status() async -> StatusReport {
        var summaries: [DeviceSummary] = []
        for worker in workers { summaries.append(await worker.summary()) }
        let (connections, hash) = state.withLock { ($0.connections.count, $0.configHash) }
        let stats = recorder.statistics
        return StatusReport(server: serverName, version: Int(Frame.version), pid: getpid(),
                            uptimeSeconds: (ContinuousClock.now - started).seconds, connections: connections,
                            devices: summaries, recordedBatches: stats.records, recorderBytes: stats.bytes,
                            configHash: hash)
    }
}
