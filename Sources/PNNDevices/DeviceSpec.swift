import PNNCore
import PNNPhysics

/// What a config file says about one device; `DeviceRegistry.make` turns it into a `PhysicalSystem`.
///
/// Decoding fills what a file leaves out from the kind's defaults (`defaultShape`, `defaultGap`,
/// `defaultLimits`, seed 0, no latency, no overrides). `gap` may be written as a preset name
/// (`"none"`, `"default"`) or as a full `RealityGap` object; it is encoded the same way.
public struct DeviceSpec: Sendable, Codable, Equatable {
    /// Unique device name: 1–64 characters from letters, digits, `-`, `_`, `.` (it becomes a metrics label).
    public var name: String
    public var kind: DeviceKind
    /// Layer sizes N, P, M (echo: M must equal N).
    public var shape: ModelShape
    /// Reality gap of a simulated device (echo: must be `.none`).
    public var gap: RealityGap
    /// Seed of the hidden parameters and of the measurement noise.
    public var seed: UInt64
    /// Drive limits, in the kind's drive units (docs/devices.md).
    public var limits: DriveLimits
    /// Artificial delay added to every batch, seconds (exercises the daemon's queues and deadlines).
    public var latencySeconds: Double
    /// Physics settings replacing the model's defaults, by key (`ModelOverrides.keys(for:)`).
    public var modelOverrides: [String: Double]
    /// Tests only: after this many successful measurements the device faults (see `SimulatedSystem`).
    public var failAfter: Int?

    public init(
        name: String, kind: DeviceKind, shape: ModelShape? = nil, gap: RealityGap? = nil, seed: UInt64 = 0,
        limits: DriveLimits? = nil, latencySeconds: Double = 0, modelOverrides: [String: Double] = [:],
        failAfter: Int? = nil
    ) {
        self.name = name
        self.kind = kind
        self.shape = shape ?? Self.defaultShape(for: kind)
        self.gap = gap ?? Self.defaultGap(for: kind)
        self.seed = seed
        self.limits = limits ?? Self.defaultLimits(for: kind)
        self.latencySeconds = latencySeconds
        self.modelOverrides = modelOverrides
        self.failAfter = failAfter
    }

    /// `none`, `default` or `custom`.
    public var gapName: String { gap.presetName }

    /// The MNIST-experiment sizes for simulated kinds (`ModelCatalog.mnistShape`); 64 → 64 for echo.
    public static func defaultShape(for kind: DeviceKind) -> ModelShape {
        switch kind {
        case .simulated(let model): ModelCatalog.mnistShape(model)
        case .echo: ModelShape(inputs: 64, parameters: 0, outputs: 64)
        }
    }

    /// `.default` for simulated kinds (a simulator should behave like a rig), `.none` for echo.
    public static func defaultGap(for kind: DeviceKind) -> RealityGap {
        kind.model == nil ? .none : .default
    }

    /// Safe drive limits per kind (units in docs/devices.md):
    /// mechanical: coil volts −1 … 1, maxStep 2 V, mean power 1 V²;
    /// electronic: AWG volts −2 … 2, maxStep 2 V, mean power 1 V²;
    /// shg: shaper transmission 0 … 1, no step or power limit; echo: ±10⁶, nothing else.
    public static func defaultLimits(for kind: DeviceKind) -> DriveLimits {
        switch kind {
        case .simulated(.mechanical): DriveLimits(minimum: -1, maximum: 1, maxStep: 2, maxMeanPower: 1)
        case .simulated(.electronic): DriveLimits(minimum: -2, maximum: 2, maxStep: 2, maxMeanPower: 1)
        case .simulated(.shg): DriveLimits(minimum: 0, maximum: 1)
        case .echo: DriveLimits(minimum: -1e6, maximum: 1e6)
        }
    }

    // MARK: Codable

    private enum CodingKeys: String, CodingKey {
        case name, kind, shape, gap, seed, limits, latencySeconds, modelOverrides, failAfter
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let kind = try c.decode(DeviceKind.self, forKey: .kind)
        var gap: RealityGap?
        if let presetName = try? c.decodeIfPresent(String.self, forKey: .gap) {
            guard let preset = RealityGap(presetName: presetName) else {
                throw DecodingError.dataCorruptedError(
                    forKey: .gap, in: c,
                    debugDescription: "unknown reality gap '\(presetName)'; use \(RealityGap.presets.map { "'\($0.name)'" }.joined(separator: " or ")) or a table of figures")
            }
            gap = preset
        } else {
            gap = try c.decodeIfPresent(RealityGap.self, forKey: .gap)
        }
        self.init(
            name: try c.decode(String.self, forKey: .name),
            kind: kind,
            shape: try c.decodeIfPresent(ModelShape.self, forKey: .shape),
            gap: gap,
            seed: try c.decodeIfPresent(UInt64.self, forKey: .seed) ?? 0,
            limits: try c.decodeIfPresent(DriveLimits.self, forKey: .limits),
            latencySeconds: try c.decodeIfPresent(Double.self, forKey: .latencySeconds) ?? 0,
            modelOverrides: try c.decodeIfPresent([String: Double].self, forKey: .modelOverrides) ?? [:],
            failAfter: try c.decodeIfPresent(Int.self, forKey: .failAfter))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(kind, forKey: .kind)
        try c.encode(shape, forKey: .shape)
        if gapName == "custom" {
            try c.encode(gap, forKey: .gap)
        } else {
            try c.encode(gapName, forKey: .gap)
        }
        try c.encode(seed, forKey: .seed)
        try c.encode(limits, forKey: .limits)
        try c.encode(latencySeconds, forKey: .latencySeconds)
        try c.encode(modelOverrides, forKey: .modelOverrides)
        try c.encodeIfPresent(failAfter, forKey: .failAfter)
    }
}
