import Logging
import PNNCore
import PNNDevices
import PNNProtocol
import PNNRecorder

/// Owns one device: its lease, its bounded FIFO queue and the serial execution of its batches.
///
/// Devices run concurrently (one worker each); within a device, batches run one at a time in arrival
/// order. A job's deadline bounds how long it may wait in the queue; a batch that has started always
/// completes (a physical measurement cannot be taken back) and is recorded before it is answered.
///
/// The device is handed to the next batch as soon as a measurement is taken, while its record is
/// still being made durable: a client that pipelines (the channels of a wide physical layer) gets the
/// fsync of one batch overlapped with the measurement of the next, and every reply still waits for
/// its own record. Records are queued in measurement order, so the store stays in sequence order.
///
/// A worker that replaces another for the same device on reload starts `reconfiguring`: it queues
/// batches but runs none until `activate()`, which the reloader calls once the old worker has drained.
/// One physical device is never driven by two configurations at once, and clients that send during a
/// reload wait (within their deadline) instead of getting an error.
actor DeviceWorker {
    let name: String
    let description: DeviceDescription
    let configHash: String
    private let system: any PhysicalSystem
    private let capacity: Int
    private let defaultLeaseSeconds: Double
    /// nil for devices whose batches are not worth keeping (echo: it measures nothing).
    private let recorder: RecordingQueue?
    private let metrics: DaemonMetrics
    private let gauges: DaemonMetrics.DeviceGauges
    private let events: EventHub
    /// Work and leases are taken only from these (see `OpenConnections`).
    private let connections: OpenConnections
    private let logger: Logger

    /// Shared with the worker this one replaced, if any: a reload keeps the device's lease.
    private let lease: DeviceLease
    private var pending: [Job] = []
    /// A job holds the device (from taking it off the queue until its measurement is taken).
    private var processing = false
    /// Measurements taken whose records are not yet durable (their replies wait for them).
    private var committing = 0
    private var accepting = true
    /// Set until `activate()` for a worker that replaces one still draining (state `.reconfiguring`).
    private var waitingForPredecessor: Bool
    /// Published to the state gauges on every change (`init` publishes the first).
    private var state: DeviceStateName = .ready {
        didSet { gauges.changeState(from: oldValue, to: state) }
    }
    private var sequence: UInt64
    private var drained: [CheckedContinuation<Void, Never>] = []
    private var deadlineTimer: (fires: ContinuousClock.Instant, task: Task<Void, Never>)?

    /// - Parameter predecessor: the worker this one takes over the device from, still draining: this
    ///   worker keeps its lease and runs nothing until `activate()`.
    init(system: any PhysicalSystem, configHash: String, queueCapacity: Int, leaseIdleSeconds: Double,
         recorder: RecordingQueue?, metrics: DaemonMetrics, events: EventHub, connections: OpenConnections,
         logger: Logger, predecessor: DeviceWorker? = nil) {
        self.system = system
        self.name = system.name
        self.description = system.description
        self.configHash = configHash
        self.capacity = queueCapacity
        self.defaultLeaseSeconds = leaseIdleSeconds
        self.recorder = recorder
        self.metrics = metrics
        self.gauges = metrics.deviceGauges(device: system.name)
        self.events = events
        self.connections = connections
        self.lease = predecessor?.lease ?? DeviceLease(connections: connections)
        self.sequence = recorder?.lastSequence(device: system.name) ?? 0
        var logger = logger
        logger[metadataKey: "pnn.device"] = "\(system.name)"
        self.logger = logger
        waitingForPredecessor = predecessor != nil
        let initial: DeviceStateName = predecessor != nil ? .reconfiguring : .ready
        state = initial  // (`didSet` does not run in `init`: the gauge is set below)
        gauges.setQueueDepth(0)
        gauges.setState(initial)
    }

    /// The predecessor has drained: the device is this worker's, and the queued batches run in order.
    func activate() {
        guard waitingForPredecessor else { return }
        waitingForPredecessor = false
        // The predecessor numbered (and recorded) batches after this worker was made: go on from its last.
        sequence = max(sequence, recorder?.lastSequence(device: name) ?? 0)
        state = .ready
        guard !processing else { return }
        processing = true
        releaseDevice()  // hands the device to the first queued job, or leaves it idle
    }

    // MARK: Queries

    func summary() -> DeviceSummary {
        DeviceSummary(name: name, kind: description.kind, state: state, inputs: description.inputs,
                      parameters: description.parameters, outputs: description.outputs,
                      leasedByUID: lease.holderUID(now: Self.now()), queueDepth: pending.count + (processing ? 1 : 0))
    }

    func info() -> DeviceInfo {
        DeviceInfo(name: name, kind: description.kind, model: description.model?.rawValue,
                   inputs: description.inputs, parameters: description.parameters, outputs: description.outputs,
                   limits: description.limits, driveOrder: description.driveOrder.rawValue,
                   secondsPerSample: description.secondsPerSample, gap: description.gap,
                   summary: description.summary, notes: description.notes, state: state,
                   configHash: configHash, queueCapacity: capacity)
    }

    // MARK: Leases

    func lease(connection: ConnectionID, uid: UInt32, idleSeconds: Double?) -> Response {
        let ttl = min(idleSeconds ?? defaultLeaseSeconds, defaultLeaseSeconds)
        switch lease.lease(by: connection, uid: uid, idleSeconds: ttl, now: Self.now()) {
        case nil:
            // The connection's clean-up has already run: this lease would never be released.
            return .failure(Self.connectionClosed)
        case .allowed:
            logger.debug("lease granted", metadata: ["pnn.connection": "\(connection)"])
            return .leased(LeaseGrant(device: name, idleSeconds: ttl))
        case .heldByOther(let holderUID, let holder):
            return .failure(ProtocolError(.failedPrecondition,
                                          "\(name) is leased by uid \(holderUID) (connection \(holder)); try again when it is released"))
        }
    }

    func release(connection: ConnectionID) -> Response {
        if lease.release(by: connection) { return .released(device: name) }
        return .failure(ProtocolError(.failedPrecondition, "this connection holds no lease on \(name)"))
    }

    // MARK: Work

    /// Queues a job and waits for its reply. Fails at once when the queue is full, the device is leased by
    /// another connection, or the worker is shutting down.
    func submit(connection: ConnectionID, requestID: UInt64, work: Job.Work,
                deadline: ContinuousClock.Instant) async -> Response {
        guard accepting else {
            return .failure(ProtocolError(.unavailable, "\(name) is shutting down or being reconfigured"))
        }
        // Its queued work was dropped when it closed; this batch would run for nobody.
        guard connections.contains(connection) else { return .failure(Self.connectionClosed) }
        if case .heldByOther(let holderUID, let holder) = lease.use(by: connection, now: Self.now()) {
            return .failure(ProtocolError(.failedPrecondition,
                                          "\(name) is leased by uid \(holderUID) (connection \(holder))"))
        }
        guard pending.count < capacity else {
            return .failure(ProtocolError(.resourceExhausted,
                                          "\(name)'s queue is full (\(capacity) requests waiting); retry later"))
        }
        if !processing && !waitingForPredecessor {
            // Idle device: run in the caller's task — no queue, no extra task, nothing to expire.
            processing = true
            return await execute(work, enqueuedAt: .now)
        }
        return await withCheckedContinuation { continuation in
            let job = Job(connection: connection, requestID: requestID, work: work,
                          deadline: deadline, continuation: continuation)
            pending.append(job)
            gauges.setQueueDepth(pending.count)
            armDeadlines()
        }
    }

    /// Cancels a queued request; one already running completes normally.
    func cancel(connection: ConnectionID, requestID: UInt64) {
        guard let index = pending.firstIndex(where: { $0.connection == connection && $0.requestID == requestID }) else { return }
        let job = pending.remove(at: index)
        gauges.setQueueDepth(pending.count)
        job.finish(.failure(ProtocolError(.cancelled, "request \(requestID) was cancelled before it ran")))
    }

    static let connectionClosed = ProtocolError(.cancelled, "connection closed")

    /// The connection is gone: drop its queued work and its lease.
    func connectionClosed(_ connection: ConnectionID) {
        let (dropped, kept) = pending.partitioned { $0.connection == connection }
        pending = kept
        for job in dropped {
            job.finish(.failure(Self.connectionClosed))
        }
        if lease.connectionClosed(connection) {
            logger.debug("lease ended with its connection", metadata: ["pnn.connection": "\(connection)"])
        }
        gauges.setQueueDepth(pending.count)
    }

    /// Stops taking work and lets queued and running batches finish for up to `timeout`. Then the
    /// batches still queued are answered `unavailable`; the one on the device completes and is
    /// recorded (a measurement cannot be taken back) before the device is closed.
    ///
    /// The timeout used to be a task racing the wait for idleness in a task group, which cannot end
    /// before all its children do — and that wait cannot be cancelled. So the bound never held: a
    /// queue of slow batches kept a stopping pnnd (or a reload) waiting for every one of them.
    func drain(timeout: Duration) async {
        accepting = false
        // Never activated (shut down during a reload): nothing runs, so nothing queued will.
        if !isIdle && !waitingForPredecessor {
            let deadline = Task {
                try? await Task.sleep(for: timeout)
                if !Task.isCancelled { self.refuseQueued() }
            }
            await waitUntilIdle()  // idle once the queue has run, or was refused, and the device is done
            deadline.cancel()
        }
        refuseQueued()
        await system.close()
        state = .closed
    }

    /// Answers every queued batch `unavailable` (the device will not reach them before shutdown).
    private func refuseQueued() {
        let rest = pending
        pending.removeAll()
        gauges.setQueueDepth(0)
        for job in rest {
            job.finish(.failure(ProtocolError(.unavailable, "pnnd is shutting down; \(name) did not reach this request")))
        }
        resumeDrainWaitersIfIdle()
    }

    private var isIdle: Bool { !processing && pending.isEmpty && committing == 0 }

    private func waitUntilIdle() async {
        if isIdle { return }
        await withCheckedContinuation { drained.append($0) }
    }

    private func resumeDrainWaitersIfIdle() {
        guard isIdle else { return }
        for waiter in drained { waiter.resume() }
        drained.removeAll()
    }

    /// One timer per device, armed for the earliest deadline in the queue (not one task per request:
    /// a busy daemon would otherwise hold thousands of sleeping tasks).
    private func armDeadlines() {
        guard let earliest = pending.map(\.deadline).min() else { return }
        if let armed = deadlineTimer, armed.fires <= earliest { return }
        deadlineTimer?.task.cancel()
        let task = Task {
            try? await Task.sleep(until: earliest, clock: .continuous)
            guard !Task.isCancelled else { return }
            self.expireOverdue()
        }
        deadlineTimer = (earliest, task)
    }

    private func expireOverdue() {
        deadlineTimer = nil
        let now = ContinuousClock.now
        let (overdue, waiting) = pending.partitioned { $0.deadline <= now }
        pending = waiting
        gauges.setQueueDepth(pending.count)
        for job in overdue {
            let waited = now - job.enqueuedAt
            job.finish(.failure(ProtocolError(.deadlineExceeded,
                                              "deadline passed after waiting \(waited.seconds.formatted(2)) s in \(name)'s queue")))
        }
        armDeadlines()
    }

    /// The current job is done with the device: the next queued job gets it (in a task of its own,
    /// so this job can go on waiting for its record), or the device goes idle.
    private func releaseDevice() {
        guard !pending.isEmpty else {
            processing = false
            resumeDrainWaitersIfIdle()
            return
        }
        let job = pending.removeFirst()
        gauges.setQueueDepth(pending.count)
        Task { job.finish(await self.execute(job.work, enqueuedAt: job.enqueuedAt)) }
    }

    /// Runs `work` on the device (which this job holds) and releases the device once the measurement
    /// is taken; the reply waits for the record.
    private func execute(_ work: Job.Work, enqueuedAt: ContinuousClock.Instant) async -> Response {
        let queued = (ContinuousClock.now - enqueuedAt).seconds
        switch work {
        case .run(let input, let parameters, let acquisitions):
            let taken = await take(input: input, parameters: parameters, acquisitions: acquisitions, kind: "run")
            let state = self.state
            // The device moves on (the next job's task starts once this one suspends) while this
            // record becomes durable; `commit` queues it before suspending, so records stay in order.
            releaseDevice()
            switch taken {
            case .failure(let error):
                return .failure(error)
            case .success(let (output, record)):
                if let error = await commit(record) { return .failure(error) }
                return .ran(RunInfo(device: name, sequence: record.sequence, queuedSeconds: queued,
                                    deviceSeconds: record.finishedAt - record.startedAt, startedAt: record.startedAt,
                                    state: state, configHash: configHash), output: output)
            }
        case .calibrate(let samples, let seed):
            let response = await calibrate(samples: samples, seed: seed)
            releaseDevice()
            return response
        }
    }

    /// Many probe batches, each recorded before the next is taken (calibration is rare and long; its
    /// one reply carries them all).
    private func calibrate(samples: Int, seed: UInt64) async -> Response {
        var inputs: [Float] = [], thetas: [Float] = [], outputs: [Float] = []
        var sequences: [UInt64] = []
        for batch in CalibrationProbes.make(for: description, samples: samples, seed: seed) {
            switch await take(input: batch.input, parameters: batch.parameters, acquisitions: 1, kind: "calibrate") {
            case .success(let (output, record)):
                if let error = await commit(record) { return .failure(error) }
                inputs += batch.input.scalars
                outputs += output.scalars
                for _ in 0 ..< batch.input.shape[0] { thetas += batch.parameters.scalars }
                sequences.append(record.sequence)
            case .failure(let error):
                return .failure(error)
            }
        }
        let info = CalibrationInfo(device: name, samples: samples, sequences: sequences, seed: seed)
        do {
            return .calibrated(info,
                               input: try Tensor(shape: [samples, description.inputs], scalars: inputs),
                               parameters: try Tensor(shape: [samples, description.parameters], scalars: thetas),
                               output: try Tensor(shape: [samples, description.outputs], scalars: outputs))
        } catch {
            // The device returned outputs of another width than it describes.
            return .failure(ProtocolError(.internal, "\(name): calibration data does not fit its shape: \(error)"))
        }
    }

    /// Stores `record` durably: nil, or the error to answer with — unrecorded data is never
    /// acknowledged, the client gets an error and may retry. The append is queued before this
    /// suspends (the continuation's body runs on this actor), so records are written in the order
    /// they were taken even though the device has already moved on.
    private func commit(_ record: BatchRecord) async -> ProtocolError? {
        guard let recorder else { return nil }
        committing += 1
        let result: Result<Void, RecorderError> = await withCheckedContinuation { continuation in
            recorder.enqueue(record) { continuation.resume(returning: $0) }
        }
        committing -= 1
        resumeDrainWaitersIfIdle()
        guard case .failure(let error) = result else { return nil }
        logger.error("recording failed", metadata: ["pnn.error": "\(error)"])
        return ProtocolError(.unavailable, "measurement taken but could not be recorded: \(error)")
    }

    /// One batch on the device and the record describing it (not yet stored: see `commit`).
    private func take(input: Tensor<Float>, parameters: Tensor<Float>, acquisitions: Int, kind: String)
        async -> Result<(output: Tensor<Float>, record: BatchRecord), ProtocolError> {
        lastHealthyState = state
        state = .busy
        let started = Self.now()
        let output: Tensor<Float>
        do {
            output = try await system.run(input: input, parameters: parameters, acquisitions: acquisitions)
        } catch {
            // Only a failure of the instrument itself marks the device faulted; a refused input or a
            // cancelled wait says nothing about its health.
            switch error.code {
            case .invalidInput, .invalidConfiguration:
                restoreState()
                return .failure(ProtocolError(.invalidArgument, "\(name): \(error.message)"))
            case .cancelled:
                restoreState()
                return .failure(ProtocolError(.cancelled, "\(name): \(error.message)"))
            default:
                state = .faulted
                logger.error("device fault", metadata: ["pnn.error": "\(error)"])
                events.publish(DeviceEvent(device: name, kind: .fault, message: error.message, time: Self.now()))
                return .failure(ProtocolError(.unavailable, "\(name): \(error.message)"))
            }
        }
        let finished = Self.now()
        if state == .faulted {
            events.publish(DeviceEvent(device: name, kind: .up, message: "recovered", time: finished))
        }
        state = .ready
        sequence += 1
        let record = BatchRecord(device: name, sequence: sequence, startedAt: started, finishedAt: finished,
                                 configHash: configHash, kind: kind, input: input, parameters: parameters,
                                 output: output, acquisitions: acquisitions)
        return .success((output, record))
    }

    /// Back to the state before a measurement that never happened.
    private func restoreState() {
        state = lastHealthyState
    }

    private var lastHealthyState: DeviceStateName = .ready

    static func now() -> Double { UnixTime.now() }
}

extension Array {
    /// Splits into (matching, rest), both in their original order.
    func partitioned(by predicate: (Element) -> Bool) -> ([Element], [Element]) {
        var yes: [Element] = [], no: [Element] = []
        for e in self { if predicate(e) { yes.append(e) } else { no.append(e) } }
        return (yes, no)
    }
}

extension Double {
    func formatted(_ digits: Int) -> String {
        var scale = 1.0
        for _ in 0 ..< digits { scale *= 10 }
        return "\((self * scale).rounded() / scale)"
    }
}
