import Foundation
import PNNClient
import PNNCore
import PNNPhysics
import PNNProtocol
import Synchronization

/// A device behind pnnd: every forward is one `run` request over the Unix socket.
///
/// Training is strictly sequential (a layer's output is the next layer's input), so this uses
/// `PNNBlockingClient`: one `sendmsg` out, one read back, no event-loop hops — the protocol's share of
/// training time is what `pnn-bench train` measures. A call blocks its thread for one round trip
/// (tens of µs plus the device's time), which the training loop would await anyway.
/// Tensors cross the wire as Float32 (the protocol's payload type); the engine computes in Float64.
///
/// With `reconnectSeconds` > 0 a lost connection is not the end of a run: pnnd restarted by systemd
/// (a crash, its watchdog, `systemctl restart`) is back within a second or two, and under socket
/// activation its socket never goes away. The backend connects again, takes the lease again and
/// measures the batches whose replies were lost once more (a measurement has no side effect a
/// second one would repeat; both are recorded). It gives up after `reconnectSeconds`, when the
/// device no longer has the same shape, or when pnnd refuses (another client took the lease
/// meanwhile, the device was removed): errors pnnd answers are never retried.
public final class DaemonBackend: PhysicalBackend {
    public let socketPath: String
    public let device: String
    public let info: DeviceInfo
    /// How long to keep trying to get back to pnnd after losing the connection; 0: fail at once.
    public let reconnectSeconds: Double
    private let counter = CallCounter()
    /// Batches submitted and not yet collected.
    private let outstanding = Mutex(0)
    /// The connection in use, and how many times it has been replaced.
    private let link: Mutex<(client: PNNBlockingClient, generation: Int)>
    /// Told, as a sentence, each time the connection was lost and made again.
    private let onReconnect: @Sendable (String) -> Void

    /// Connects to pnnd at `socketPath`, describes `device` and takes its lease, so no other client's
    /// batches interleave with training. The lease ends with `close()`.
    public static func connect(socketPath: String, device: String, reconnectSeconds: Double = 0,
                               onReconnect: @escaping @Sendable (String) -> Void = { _ in }) throws(TrainingError)
        -> DaemonBackend
    {
        let (client, info) = try open(socketPath: socketPath, device: device)
        return DaemonBackend(client: client, socketPath: socketPath, device: device, info: info,
                             reconnectSeconds: reconnectSeconds, onReconnect: onReconnect)
    }

    /// A new connection with the device described and leased.
    private static func open(socketPath: String, device: String) throws(TrainingError) -> (PNNBlockingClient, DeviceInfo) {
        let client: PNNBlockingClient
        do {
            client = try PNNBlockingClient.connect(socketPath: socketPath)
        } catch {
            // The client's message already names the socket and the reason.
            throw TrainingError(.unavailable, error.message, daemonCode: error.code)
        }
        do {
            _ = try client.hello(client: "pnn-training")
            let info = try client.describe(device)
            _ = try client.lease(device)
            return (client, info)
        } catch {
            client.close()
            throw TrainingError.daemon(error, "device \(device) on \(socketPath)")
        }
    }

    init(client: PNNBlockingClient, socketPath: String, device: String, info: DeviceInfo, reconnectSeconds: Double,
         onReconnect: @escaping @Sendable (String) -> Void) {
        self.socketPath = socketPath
        self.device = device
        self.info = info
        self.reconnectSeconds = reconnectSeconds.isFinite ? max(0, reconnectSeconds) : 0
        self.onReconnect = onReconnect
        link = Mutex((client, 0))
    }

    /// The connection in use now.
    public var client: PNNBlockingClient { link.withLock { $0.client } }

    /// How many times the connection was lost and made again.
    public var reconnections: Int { link.withLock { $0.generation } }

    /// Releases the lease (by closing the connection).
    public func close() { client.close() }

    public var label: String { "pnnd:\(socketPath)/\(device)" }
    public var shape: ModelShape { ModelShape(inputs: info.inputs, parameters: info.parameters, outputs: info.outputs) }
    public var limits: DriveLimits { info.limits }
    public var calls: Int { counter.calls }
    /// A simulated device without a reality gap reads the same drive the same way every time.
    public var repeatsExactly: Bool { info.gap == "none" }
    /// Time spent waiting for replies, and the device time pnnd reported for them.
    public var time: MeasurementTime { counter.time }

    public func measure(_ x: Tensor<Double>, _ theta: [Double]) async throws(TrainingError) -> Tensor<Double> {
        try run([(x, theta)], acquisitions: 1)[0]
    }

    public func measure(batches: [(x: Tensor<Double>, theta: [Double])]) async throws(TrainingError) -> [Tensor<Double>] {
        try run(batches, acquisitions: 1)
    }

    /// pnnd averages in the device when its `hello` offered it (a quarter of the transport and of the
    /// recorded bytes at four acquisitions); an older pnnd gets every sample repeated in the batch.
    public func measure(batches: [(x: Tensor<Double>, theta: [Double])], acquisitions: Int) async throws(TrainingError)
        -> [Tensor<Double>]
    {
        let repeats = repeatsExactly ? 1 : acquisitions
        guard repeats == 1 || client.averagesAcquisitions else {
            return try await averagingHere(batches: batches, acquisitions: repeats)
        }
        return try run(batches, acquisitions: repeats)
    }

    /// pnnd's queue for the device: more requests in flight would be answered resourceExhausted.
    public var submissionWindow: Int { max(1, info.queueCapacity) }

    /// Sends the requests and returns; pnnd measures them behind any submitted earlier. Measures at once
    /// instead (earlier submissions' replies are kept meanwhile) when they need averaging on this side,
    /// or when they are more than the device's queue holds and nothing else is in flight; with others
    /// in flight, more than the queue holds is refused.
    public func submit(batches: [(x: Tensor<Double>, theta: [Double])], acquisitions: Int) async throws(TrainingError)
        -> PendingMeasurement
    {
        let repeats = repeatsExactly ? 1 : acquisitions
        let averagesHere = repeats > 1 && !client.averagesAcquisitions
        // A place in pnnd's queue is taken only for batches that go out now.
        let (reserved, inFlight) = outstanding.withLock { (count: inout Int) -> (Bool, Int) in
            let before = count
            guard !averagesHere, before + batches.count <= submissionWindow else { return (false, before) }
            count += batches.count
            return (true, before)
        }
        guard reserved else {
            if inFlight > 0, inFlight + batches.count > submissionWindow {
                // Measuring at once would put up to a whole queue's worth behind the batches in flight.
                throw TrainingError(.invalidArgument,
                                    "\(device): \(batches.count) more batches would overflow pnnd's queue of \(submissionWindow) with \(inFlight) in flight; collect first")
            }
            // Nothing else in flight, or the batches fit beside it: measured at once, in order.
            return PendingMeasurement(.measured(try await measure(batches: batches, acquisitions: acquisitions)))
        }
        let wire = Self.wire(batches)
        let clock = ContinuousClock()
        let began = clock.now
        do throws(TrainingError) {
            let (pending, generation) = try withReconnection { (client: PNNBlockingClient) throws(ClientError) in
                try client.submitRuns(device, batches: wire, acquisitions: repeats)
            }
            counter.add(waitSeconds: (clock.now - began).seconds, deviceSeconds: 0)
            return PendingMeasurement(.sent(DaemonSubmission(runs: pending, generation: generation, batches: wire,
                                                             acquisitions: repeats)))
        } catch {
            outstanding.withLock { $0 -= batches.count }
            throw error
        }
    }

    public func collect(_ pending: PendingMeasurement) async throws(TrainingError) -> [Tensor<Double>] {
        let submission: DaemonSubmission
        switch pending.state {
        case .measured(let readings): return readings
        case .sent(let sent): submission = sent
        }
        outstanding.withLock { $0 -= submission.runs.count }
        let clock = ContinuousClock()
        let began = clock.now
        let (client, generation) = link.withLock { ($0.client, $0.generation) }
        guard generation == submission.generation else {
            // Sent on a connection that has since been replaced: its replies are lost, measure again.
            return try run(submission.batches, acquisitions: submission.acquisitions)
        }
        let replies: [(output: Tensor<Float>, info: RunInfo)]
        do {
            replies = try client.awaitRuns(submission.runs)
        } catch {
            guard reconnectSeconds > 0, error.code == .connection || error.code == .server(.unavailable) else {
                throw TrainingError.daemon(error, device)
            }
            // The connection went while the batches were out (their replies are lost), or pnnd could
            // not run them now: measure them again, on a new connection if need be.
            if error.code == .connection { _ = try reconnect(after: error, replacing: submission.generation) }
            counter.add(waitSeconds: (clock.now - began).seconds, deviceSeconds: 0)
            return try run(submission.batches, acquisitions: submission.acquisitions)
        }
        for reply in replies { counter.record(samples: reply.output.shape.first ?? 0) }
        counter.add(waitSeconds: (clock.now - began).seconds,
                    deviceSeconds: replies.reduce(0) { $0 + $1.info.deviceSeconds })
        return replies.map { $0.output.converted(to: Double.self) }
    }

    /// Pipelined: every request (up to the device's queue capacity) is on the socket before the first
    /// reply is read, so pnnd measures the next batch while it records the previous one and the
    /// client's wake-ups overlap device time.
    private func run(_ batches: [(x: Tensor<Double>, theta: [Double])], acquisitions: Int) throws(TrainingError)
        -> [Tensor<Double>]
    {
        try run(Self.wire(batches), acquisitions: acquisitions)
    }

    private func run(_ batches: [(input: Tensor<Float>, parameters: Tensor<Float>)], acquisitions: Int)
        throws(TrainingError) -> [Tensor<Double>]
    {
        // pnnd answers a request beyond the device's queue with resourceExhausted, so no more than the
        // queue holds are in flight at once (16 by default, as many as the hybrid's channels).
        let window = submissionWindow
        var outputs: [Tensor<Double>] = []
        var deviceSeconds = 0.0
        let clock = ContinuousClock()
        let began = clock.now
        for start in stride(from: 0, to: batches.count, by: window) {
            let part = Array(batches[start ..< min(batches.count, start + window)])
            let (replies, _) = try withReconnection { (client: PNNBlockingClient) throws(ClientError) in
                part.count == 1
                    ? [try client.run(device, input: part[0].input, parameters: part[0].parameters, acquisitions: acquisitions)]
                    : try client.run(device, batches: part, acquisitions: acquisitions)
            }
            for batch in part { counter.record(samples: batch.input.shape[0]) }
            deviceSeconds += replies.reduce(0) { $0 + $1.info.deviceSeconds }
            outputs += replies.map { $0.output.converted(to: Double.self) }
        }
        counter.add(waitSeconds: (clock.now - began).seconds, deviceSeconds: deviceSeconds)
        return outputs
    }

    // MARK: Reconnecting

    /// `body` on the connection in use; after a lost connection, on a new one (within `reconnectSeconds`).
    /// Also returns the generation of the connection `body` succeeded on.
    ///
    /// `unavailable` is retried on the same terms: it is what pnnd answers while it shuts down (before
    /// the connection closes and a restarted pnnd can be reached), and what a device answers while it
    /// is down — both "retry once it is back" (docs/protocol.md §7) — for up to `reconnectSeconds`.
    private func withReconnection<T>(_ body: (PNNBlockingClient) throws(ClientError) -> T) throws(TrainingError)
        -> (T, Int)
    {
        var (client, generation) = link.withLock { ($0.client, $0.generation) }
        let clock = ContinuousClock()
        var unavailableSince: ContinuousClock.Instant?
        while true {
            do {
                return (try body(client), generation)
            } catch {
                guard reconnectSeconds > 0 else { throw TrainingError.daemon(error, device) }
                if error.code == .connection {
                    (client, generation) = try reconnect(after: error, replacing: generation)
                } else if error.code == .server(.unavailable) {
                    let since = unavailableSince ?? clock.now
                    guard clock.now - since < .seconds(reconnectSeconds) else { throw TrainingError.daemon(error, device) }
                    if unavailableSince == nil {
                        onReconnect("\(device): pnnd answered unavailable (\(error.message)); trying again for up to \(String(format: "%g", reconnectSeconds)) s")
                    }
                    unavailableSince = since
                    Thread.sleep(forTimeInterval: Self.retryInterval)
                    // The same connection, unless it has been replaced meanwhile.
                    (client, generation) = link.withLock { ($0.client, $0.generation) }
                } else {
                    throw TrainingError.daemon(error, device)
                }
            }
        }
    }

    /// Replaces the connection of `generation`, unless another caller already has (then its successor
    /// is returned). Tries every `retryInterval` until `reconnectSeconds` have passed.
    private func reconnect(after lost: ClientError, replacing generation: Int) throws(TrainingError)
        -> (PNNBlockingClient, Int)
    {
        try link.withLock { (link: inout (client: PNNBlockingClient, generation: Int)) throws(TrainingError) in
            guard link.generation == generation else { return (link.client, link.generation) }
            link.client.close()
            let clock = ContinuousClock()
            let began = clock.now
            let giveUp = began + .seconds(reconnectSeconds)
            var lastFailure = lost.message
            while clock.now < giveUp {
                do throws(TrainingError) {
                    let (client, info) = try Self.open(socketPath: socketPath, device: device)
                    let shape = ModelShape(inputs: info.inputs, parameters: info.parameters, outputs: info.outputs)
                    guard shape == self.shape else {
                        client.close()
                        throw TrainingError(.shapeMismatch,
                                            "\(device) on \(socketPath) came back with shape \(shape) instead of \(self.shape) after the connection was lost (\(lost.message))")
                    }
                    link = (client, link.generation + 1)
                    let waited = String(format: "%.1f", (clock.now - began).seconds)
                    let changed = info.configHash == self.info.configHash
                        ? "" : "; its configuration has changed (config hash \(info.configHash.prefix(12)))"
                    onReconnect("\(device): connection to pnnd lost (\(lost.message)); connected again after \(waited) s and leased \(device) again\(changed)")
                    return (client, link.generation)
                } catch where error.kind == .unavailable || (error.daemonCode == .server(.failedPrecondition)
                                                             && clock.now < began + Self.leaseGrace) {
                    // Nothing listens yet (pnnd restarting): try again. A pnnd that stayed up may not
                    // have seen the old connection close yet, so its lease can still be held for a moment.
                    lastFailure = error.message
                    Thread.sleep(forTimeInterval: Self.retryInterval)
                }
            }
            throw TrainingError(.unavailable,
                                "\(device): connection to pnnd lost (\(lost.message)) and not back within \(String(format: "%g", reconnectSeconds)) s: \(lastFailure)",
                                daemonCode: .connection)
        }
    }

    /// Between attempts to reach a restarting pnnd.
    static let retryInterval = 0.2
    /// How long a refused lease is retried while reconnecting (the old connection's, about to end).
    static let leaseGrace = Duration.seconds(2)

    /// Batches as the wire carries them (Float32).
    private static func wire(_ batches: some Collection<(x: Tensor<Double>, theta: [Double])>)
        -> [(input: Tensor<Float>, parameters: Tensor<Float>)]
    {
        batches.map { (input: $0.x.converted(to: Float.self), parameters: Tensor($0.theta).converted(to: Float.self)) }
    }
}

/// Batches on pnnd's socket whose replies have not been read: enough to measure them again when the
/// connection they went out on is lost.
struct DaemonSubmission: Sendable {
    let runs: PendingRuns
    /// The `DaemonBackend` connection they went out on.
    let generation: Int
    let batches: [(input: Tensor<Float>, parameters: Tensor<Float>)]
    let acquisitions: Int
}
