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
public final class DaemonBackend: PhysicalBackend {
    public let client: PNNBlockingClient
    public let device: String
    public let info: DeviceInfo
    private let counter = CallCounter()
    /// Batches submitted and not yet collected.
    private let outstanding = Mutex(0)

    /// Connects to pnnd at `socketPath`, describes `device` and takes its lease, so no other client's
    /// batches interleave with training. The lease ends with `close()`.
    public static func connect(socketPath: String, device: String) throws(TrainingError) -> DaemonBackend {
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
            return DaemonBackend(client: client, device: device, info: info)
        } catch {
            client.close()
            throw TrainingError.daemon(error, "device \(device) on \(socketPath)")
        }
    }

    init(client: PNNBlockingClient, device: String, info: DeviceInfo) {
        self.client = client
        self.device = device
        self.info = info
    }

    /// Releases the lease (by closing the connection).
    public func close() { client.close() }

    public var label: String { "pnnd:\(client.socketPath)/\(device)" }
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
        let clock = ContinuousClock()
        let began = clock.now
        do {
            let pending = try client.submitRuns(device, batches: Self.wire(batches), acquisitions: repeats)
            counter.add(waitSeconds: (clock.now - began).seconds, deviceSeconds: 0)
            return PendingMeasurement(.sent(pending))
        } catch {
            outstanding.withLock { $0 -= batches.count }
            throw TrainingError.daemon(error, device)
        }
    }

    public func collect(_ pending: PendingMeasurement) async throws(TrainingError) -> [Tensor<Double>] {
        let runs: PendingRuns
        switch pending.state {
        case .measured(let readings): return readings
        case .sent(let sent): runs = sent
        }
        outstanding.withLock { $0 -= runs.count }
        let clock = ContinuousClock()
        let began = clock.now
        do {
            let replies = try client.awaitRuns(runs)
            for reply in replies { counter.record(samples: reply.output.shape.first ?? 0) }
            counter.add(waitSeconds: (clock.now - began).seconds,
                        deviceSeconds: replies.reduce(0) { $0 + $1.info.deviceSeconds })
            return replies.map { $0.output.converted(to: Double.self) }
        } catch {
            throw TrainingError.daemon(error, device)
        }
    }

    /// Pipelined: every request (up to the device's queue capacity) is on the socket before the first
    /// reply is read, so pnnd measures the next batch while it records the previous one and the
    /// client's wake-ups overlap device time.
    private func run(_ batches: [(x: Tensor<Double>, theta: [Double])], acquisitions: Int) throws(TrainingError)
        -> [Tensor<Double>]
    {
        // pnnd answers a request beyond the device's queue with resourceExhausted, so no more than the
        // queue holds are in flight at once (16 by default, as many as the hybrid's channels).
        let window = submissionWindow
        var outputs: [Tensor<Double>] = []
        var deviceSeconds = 0.0
        let clock = ContinuousClock()
        let began = clock.now
        do {
            for start in stride(from: 0, to: batches.count, by: window) {
                let part = Self.wire(batches[start ..< min(batches.count, start + window)])
                let replies = part.count == 1
                    ? [try client.run(device, input: part[0].input, parameters: part[0].parameters,
                                      acquisitions: acquisitions)]
                    : try client.run(device, batches: part, acquisitions: acquisitions)
                for batch in part { counter.record(samples: batch.input.shape[0]) }
                deviceSeconds += replies.reduce(0) { $0 + $1.info.deviceSeconds }
                outputs += replies.map { $0.output.converted(to: Double.self) }
            }
            counter.add(waitSeconds: (clock.now - began).seconds, deviceSeconds: deviceSeconds)
            return outputs
        } catch {
            throw TrainingError.daemon(error, device)
        }
    }

    /// Batches as the wire carries them (Float32).
    private static func wire(_ batches: some Collection<(x: Tensor<Double>, theta: [Double])>)
        -> [(input: Tensor<Float>, parameters: Tensor<Float>)]
    {
        batches.map { (input: $0.x.converted(to: Float.self), parameters: Tensor($0.theta).converted(to: Float.self)) }
    }
}
