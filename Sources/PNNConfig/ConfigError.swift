/// A configuration file that cannot be read, parsed or accepted.
///
/// `description` names the file, the line and the key whenever they are known, e.g.
/// `pnnd.toml:12: device 'mech0' key 'limits.maximum': must be a number ≥ minimum (got "abc")`.
/// Server keys carry their table (`server.queue_depth`); device keys are relative to the device
/// (`limits.maximum`) and `device` names it (or `#3`, its position, when it has no valid name yet).
public struct ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file as given to `load(path:)`, or the `source` given to `parse(_:source:)`.
    public var file: String
    /// 1-based line of the offending key or table, when known.
    public var line: Int?
    /// Dotted key the error is about, when there is one.
    public var key: String?
    /// The device the key belongs to: its name, or `#n` (1-based position) before a name is known.
    public var device: String?
    /// What is wrong, and what would be accepted.
    public var message: String

    public init(file: String, line: Int? = nil, key: String? = nil, device: String? = nil, message: String) {
        self.file = file
        self.line = line
        self.key = key
        self.device = device
        self.message = message
    }

    public var description: String {
        var text = file
        if let line { text += ":\(line)" }
        text += ": "
        var subject: [String] = []
        if let device { subject.append(device.hasPrefix("#") ? "device \(device)" : "device '\(device)'") }
        if let key { subject.append("key '\(key)'") }
        if !subject.isEmpty { text += subject.joined(separator: " ") + ": " }
        return text + message
    }
}
