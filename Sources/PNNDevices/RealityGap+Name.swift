import PNNPhysics

extension RealityGap {
    /// The named gaps a config file may write as a string.
    public static let presets: [(name: String, gap: RealityGap)] = [("none", .none), ("default", .default)]

    /// `none`, `default`, or `custom` for any other figures.
    public var presetName: String {
        Self.presets.first(where: { $0.gap == self })?.name ?? "custom"
    }

    /// The preset called `name` (`none`, `default`), or nil.
    public init?(presetName name: String) {
        guard let preset = Self.presets.first(where: { $0.name == name }) else { return nil }
        self = preset.gap
    }
}
