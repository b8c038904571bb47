import PNNDevices

/// Everything `pnnd.toml` says: the server settings and the devices to serve (see docs/configuration.md).
public struct DaemonConfiguration: Sendable, Equatable {
    public var server: ServerSettings
    /// Devices in file order; names are unique.
    public var devices: [DeviceSpec]

    public init(server: ServerSettings = ServerSettings(), devices: [DeviceSpec]) {
        self.server = server
        self.devices = devices
    }

    /// Reads and checks the file at `path`; errors name `path` as given.
    public static func load(path: String) throws(ConfigError) -> DaemonConfiguration {
        try parse(TextFile.read(path: path), source: path)
    }

    /// Parses and checks a configuration; `source` names it in errors (usually the file's path).
    public static func parse(_ text: String, source: String) throws(ConfigError) -> DaemonConfiguration {
        try ConfigParser(file: source, text: text).parse()
    }

    /// `pnnd --simulate`: default server settings and the simulated devices of `DeviceRegistry`.
    public static var simulated: DaemonConfiguration {
        DaemonConfiguration(server: ServerSettings(), devices: DeviceRegistry.simulatedDefaults())
    }

    /// The device called `name`, if any.
    public func device(named name: String) -> DeviceSpec? { devices.first { $0.name == name } }
}
