extension DaemonConfiguration {
    /// Lower-case hex SHA-256 of the canonical configuration (server settings and every device, in
    /// file order): the recorder's `configHash`.
    ///
    /// Computed from the parsed values, not the file's bytes, so comments, spacing, key order and
    /// defaults written out explicitly leave it unchanged.
    public var sourceHash: String {
        let parts = ["pnn-config-v1", "server=" + CanonicalText.of(server)]
            + devices.map { "device=" + CanonicalText.of($0) }
        return SHA256.hex(parts.joined(separator: "\n"))
    }

    /// Lower-case hex SHA-256 of the canonical spec of device `name`; "" when there is no such device.
    ///
    /// Depends on that device alone, so on SIGHUP pnnd restarts exactly the devices whose hash changed.
    public func deviceHash(_ name: String) -> String {
        guard let spec = device(named: name) else { return "" }
        return SHA256.hex("pnn-device-v1\n" + CanonicalText.of(spec))
    }

    /// `deviceHash` of every device, by name.
    public var deviceHashes: [String: String] {
        Dictionary(devices.map { ($0.name, deviceHash($0.name)) }, uniquingKeysWith: { first, _ in first })
    }
}
