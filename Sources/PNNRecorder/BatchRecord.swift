import PNNCore

/// One executed batch as measured: what went into a device, what came out, and when.
///
/// Shapes: `input` [B×N], `output` [B×M], `parameters` [P] (one θ for the whole batch, as in `run`) or
/// [B×P] (one θ per sample, as in `calibrate`). Times are Unix seconds.
public struct BatchRecord: Sendable, Equatable {
    public var device: String
    /// Per-device sequence number assigned by the daemon (monotonic per device).
    public var sequence: UInt64
    public var startedAt: Double
    public var finishedAt: Double
    /// Hex digest of the device's configuration when the batch ran.
    public var configHash: String
    /// "run" or "calibrate".
    public var kind: String
    public var input: Tensor<Float>
    public var parameters: Tensor<Float>
    public var output: Tensor<Float>
    /// Readings the device averaged into each output row (1: a single acquisition).
    public var acquisitions: Int

    public init(
        device: String, sequence: UInt64, startedAt: Double, finishedAt: Double, configHash: String,
        kind: String, input: Tensor<Float>, parameters: Tensor<Float>, output: Tensor<Float>, acquisitions: Int = 1
    ) {
        self.device = device
        self.sequence = sequence
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.configHash = configHash
        self.kind = kind
        self.input = input
        self.parameters = parameters
        self.output = output
        self.acquisitions = acquisitions
    }

    /// Batch size B.
    public var samples: Int { input.shape.first ?? 0 }

    /// Why this record cannot be stored, or nil when it can.
    public var problem: String? {
        if device.isEmpty || device.utf8.count > 255 { return "device name must be 1…255 UTF-8 bytes, got \(device.utf8.count)" }
        if kind.isEmpty || kind.utf8.count > 255 { return "kind must be 1…255 UTF-8 bytes, got \(kind.utf8.count)" }
        if configHash.utf8.count > 255 { return "configHash must be at most 255 UTF-8 bytes, got \(configHash.utf8.count)" }
        guard (1 ... Int(UInt16.max)).contains(acquisitions) else {
            return "acquisitions must be 1…\(UInt16.max), got \(acquisitions)"
        }
        guard startedAt.isFinite, finishedAt.isFinite else {
            return "timestamps must be finite, got startedAt \(startedAt), finishedAt \(finishedAt)"
        }
        guard input.rank == 2 else { return "input must be [B×N], got shape \(input.shape)" }
        guard output.rank == 2, output.shape[0] == input.shape[0] else {
            return "output must be [B×M] with B = \(input.shape[0]), got shape \(output.shape)"
        }
        switch parameters.rank {
        case 1: break
        case 2 where parameters.shape[0] == input.shape[0]: break
        default: return "parameters must be [P] or [B×P] with B = \(input.shape[0]), got shape \(parameters.shape)"
        }
        for shape in [input.shape, parameters.shape, output.shape] where shape.contains(where: { $0 > Int(UInt32.max) }) {
            return "dimension too large in shape \(shape)"
        }
        let bytes = encodedBodyCount
        guard bytes <= SegmentFormat.maximumBodyBytes else {
            return "record needs \(bytes) bytes, more than the \(SegmentFormat.maximumBodyBytes)-byte limit"
        }
        return nil
    }
}
