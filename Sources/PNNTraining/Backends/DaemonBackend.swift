import PNNClient
import PNNCore
import PNNPhysics
import PNNProtocol

/// A device behind pnnd: every forward is one `run` request over the Unix socket.
///
/// Tensors cross the wire as Float32 (the protocol's payload type); the engine computes in Float64.
public final class DaemonBackend: PhysicalBackend {
    public let client: PNNClient
    public let device: String
    public let info: DeviceInfo
    private let counter = CallCounter()

    /// Describes `device` and takes its lease, so no other client's batches interleave with training.
    public static func connect(client: PNNClient, device: String) async throws(TrainingError) -> DaemonBackend {
        let info: DeviceInfo
        do {
            info = try await client.describe(device)
            _ = try await client.lease(device)
        } catch {
            throw TrainingError(.device, "device \(device) on \(client.socketPath): \(error.message)")
        }
        return DaemonBackend(client: client, device: device, info: info)
    }

    init(client: PNNClient, device: String, info: DeviceInfo) {
        self.client = client
        self.device = device
        self.info = info
    }

    public var label: String { "pnnd:\(client.socketPath)/\(device)" }
    public var shape: ModelShape { ModelShape(inputs: info.inputs, parameters: info.parameters, outputs: info.outputs) }
    public var limits: DriveLimits { info.limits }
    public var calls: Int { counter.calls }

    public func measure(_ x: Tensor<Double>, _ theta: [Double]) async throws(TrainingError) -> Tensor<Double> {
        do {
            let (y, _) = try await client.run(device, input: x.converted(to: Float.self),
                                              parameters: Tensor(theta).converted(to: Float.self))
            counter.record(samples: x.shape[0])
            return y.converted(to: Double.self)
        } catch {
            throw TrainingError(.device, "\(device): \(error.message)")
        }
    }
}
