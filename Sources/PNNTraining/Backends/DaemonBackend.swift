import PNNClient
import PNNCore
import PNNPhysics
import PNNProtocol

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

    /// Connects to pnnd at `socketPath`, describes `device` and takes its lease, so no other client's
    /// batches interleave with training. The lease ends with `close()`.
    public static func connect(socketPath: String, device: String) throws(TrainingError) -> DaemonBackend {
        let client: PNNBlockingClient
        do {
            client = try PNNBlockingClient.connect(socketPath: socketPath)
        } catch {
            // The client's message already names the socket and the reason.
            throw TrainingError(.unavailable, error.message)
        }
        do {
            _ = try client.hello(client: "pnn-training")
            let info = try client.describe(device)
            _ = try client.lease(device)
            return DaemonBackend(client: client, device: device, info: info)
        } catch {
            client.close()
            throw TrainingError(.device, "device \(device) on \(socketPath): \(error.message)")
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
        let clock = ContinuousClock()
        let start = clock.now
        do {
            let (y, info) = try client.run(device, input: x.converted(to: Float.self),
                                           parameters: Tensor(theta).converted(to: Float.self))
            counter.record(samples: x.shape[0])
            counter.add(waitSeconds: (clock.now - start).seconds, deviceSeconds: info.deviceSeconds)
            return y.converted(to: Double.self)
        } catch {
            throw TrainingError(.device, "\(device): \(error.message)")
        }
    }

    /// Pipelined: every request (up to the device's queue capacity) is on the socket before the first
    /// reply is read, so pnnd measures the next batch while it records the previous one and the
    /// client's wake-ups overlap device time.
    public func measure(batches: [(x: Tensor<Double>, theta: [Double])]) async throws(TrainingError) -> [Tensor<Double>] {
        if batches.count == 1 { return [try await measure(batches[0].x, batches[0].theta)] }
        // pnnd answers a request beyond the device's queue with resourceExhausted, so no more than the
        // queue holds are in flight at once (16 by default, as many as the hybrid's channels).
        let window = max(1, info.queueCapacity)
        var outputs: [Tensor<Double>] = []
        var deviceSeconds = 0.0
        let clock = ContinuousClock()
        let began = clock.now
        do {
            for start in stride(from: 0, to: batches.count, by: window) {
                let part = batches[start ..< min(batches.count, start + window)]
                let replies = try client.run(device, batches: part.map {
                    (input: $0.x.converted(to: Float.self), parameters: Tensor($0.theta).converted(to: Float.self))
                })
                for batch in part { counter.record(samples: batch.x.shape[0]) }
                deviceSeconds += replies.reduce(0) { $0 + $1.info.deviceSeconds }
                outputs += replies.map { $0.output.converted(to: Double.self) }
            }
            counter.add(waitSeconds: (clock.now - began).seconds, deviceSeconds: deviceSeconds)
            return outputs
        } catch {
            throw TrainingError(.device, "\(device): \(error.message)")
        }
    }
}
