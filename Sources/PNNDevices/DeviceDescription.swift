import PNNCore
import PNNPhysics

/// Static facts about one device: what `describe` returns to clients.
public struct DeviceDescription: Sendable, Codable, Equatable {
    public var name: String
    /// Backend kind, e.g. `simulated-mechanical`, `echo` (`DeviceKind.name`).
    public var kind: String
    /// Physics model behind the device; nil for backends without one (echo).
    public var model: ModelKind?
    /// N: features per input sample, x [B×N].
    public var inputs: Int
    /// P: length of θ [P].
    public var parameters: Int
    /// M: features per output sample, y [B×M].
    public var outputs: Int
    /// Allowed drive, in the device's drive units (see `notes`).
    public var limits: DriveLimits
    /// Order in which one sample's drive is played; `maxStep` and `maxMeanPower` follow it.
    public var driveOrder: DriveOrder
    /// Typical device time per sample in seconds (simulated oscillators: the drive's duration); nil if unknown.
    public var secondsPerSample: Double?
    /// Reality gap of a simulated device: `none`, `default` or `custom` (`none` for non-simulated backends).
    public var gap: String
    /// One human sentence, e.g. "8-mode plate, voice coil in, microphone out (simulated, default reality gap)".
    public var summary: String
    /// Docstring-like lines: units of x, θ and y, timing, drive units.
    public var notes: [String]

    public init(
        name: String, kind: String, model: ModelKind?, inputs: Int, parameters: Int, outputs: Int,
        limits: DriveLimits, driveOrder: DriveOrder, secondsPerSample: Double?, gap: String,
        summary: String, notes: [String]
    ) {
        self.name = name
        self.kind = kind
        self.model = model
        self.inputs = inputs
        self.parameters = parameters
        self.outputs = outputs
        self.limits = limits
        self.driveOrder = driveOrder
        self.secondsPerSample = secondsPerSample
        self.gap = gap
        self.summary = summary
        self.notes = notes
    }

    /// Layer sizes N, P, M.
    public var shape: ModelShape { ModelShape(inputs: inputs, parameters: parameters, outputs: outputs) }

    /// Checks x is [B×N] with B ≥ 1 and θ is [P]; returns a message naming the expected shapes, or nil.
    /// (Like every run-time message it does not name the device: the caller knows which one it asked.)
    public func checkShapes(input: Tensor<Float>, parameters theta: Tensor<Float>) -> String? {
        guard input.rank == 2 else {
            return "input must have shape [B×\(inputs)] (a batch of B samples, rank 2), got rank \(input.rank) shape \(input.shape)"
        }
        guard input.shape[1] == inputs else {
            return "input must have shape [B×\(inputs)], got \(input.shape): each sample needs \(inputs) features, not \(input.shape[1])"
        }
        guard input.shape[0] >= 1 else {
            return "input is an empty batch (shape \(input.shape)); send at least one sample of \(inputs) features"
        }
        guard theta.rank == 1, theta.shape[0] == parameters else {
            return "parameters must have shape [\(parameters)], got \(theta.shape)"
        }
        return nil
    }
}
