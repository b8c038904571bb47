import PNNPhysics

/// Which backend a device spec asks for; encoded as its `name` (`simulated-mechanical`, `echo`, …).
///
/// Hardware kinds join here and in `DeviceRegistry.make` (one line each).
public enum DeviceKind: Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    /// A PNNPhysics model behind a reality gap (`SimulatedSystem`).
    case simulated(ModelKind)
    /// y = x, for protocol tests and benchmarks (`EchoSystem`).
    case echo

    public static var allCases: [DeviceKind] { ModelKind.allCases.map { .simulated($0) } + [.echo] }

    /// Stable name used in config files, `describe` and metrics labels.
    public var name: String {
        switch self {
        case .simulated(let model): "simulated-\(model.rawValue)"
        case .echo: "echo"
        }
    }

    /// The kind called `name`, or nil.
    public init?(name: String) {
        guard let kind = Self.allCases.first(where: { $0.name == name }) else { return nil }
        self = kind
    }

    /// Physics model behind the backend, if any.
    public var model: ModelKind? {
        switch self {
        case .simulated(let model): model
        case .echo: nil
        }
    }

    /// How the backend plays one sample: the oscillators θ then x, the SHG shaper x then θ.
    public var driveOrder: DriveOrder {
        switch self {
        case .simulated(.mechanical), .simulated(.electronic): .parametersFirst
        case .simulated(.shg), .echo: .inputsFirst
        }
    }

    public var description: String { name }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let name = try container.decode(String.self)
        guard let kind = DeviceKind(name: name) else {
            throw DecodingError.dataCorruptedError(
                in: container,
                debugDescription: "unknown device kind '\(name)'; known kinds: \(Self.allCases.map(\.name).joined(separator: ", "))")
        }
        self = kind
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(name)
    }
}
