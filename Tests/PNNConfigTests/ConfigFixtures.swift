@testable import PNNConfig
import Testing

/// Configuration texts shared by the suites, and an assertion on the errors they produce.
enum ConfigFixtures {
    /// The layout from the design brief; line numbers matter to the error tests.
    static let full = """
        [server]
        socket = "/run/pnn/pnnd.sock"
        socket_group = "pnn"
        socket_mode = "0660"          # string, octal
        queue_depth = 16
        default_deadline_seconds = 30
        state_dir = "/var/lib/pnn"
        allowed_uids = [1000]
        allowed_groups = ["pnn"]
        max_frame_bytes = 67108864
        log_level = "info"
        metrics_listen = "127.0.0.1:9464"
        lease_idle_seconds = 300
        record_retention_bytes = 4294967296
        drain_seconds = 10

        [[device]]
        name = "mech0"                 # [a-z0-9_-]{1,32}, unique
        kind = "simulated-mechanical"
        inputs = 196
        parameters = 196
        outputs = 196
        gap = "default"
        seed = 1
        latency_seconds = 0.0
        [device.limits]
        minimum = -1.0
        maximum = 1.0
        max_step = 2.0
        max_mean_power = 1.0
        [device.model]                 # physics overrides
        cubicStiffnessPerSquareMetre = 2e6

        """

    /// Three devices (lines: elec0 header 1, shg0 header 7, echo0 header 13).
    static let three = """
        [[device]]
        name = "elec0"
        kind = "simulated-electronic"
        seed = 2
        [device.model]
        resistanceOhms = 12

        [[device]]
        name = "shg0"
        kind = "simulated-shg"
        seed = 3
        gap = "none"

        [[device]]
        name = "echo0"
        kind = "echo"
        inputs = 8

        """

    /// `text` with the first line equal (after trimming) to `old` replaced by `new` (several lines allowed).
    static func replacing(_ old: String, with new: String, in text: String = full) -> String {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard let index = lines.firstIndex(where: { $0.split(separator: "#", omittingEmptySubsequences: false)[0].trimmingSpaces == old }) else {
            Issue.record("fixture has no line '\(old)'")
            return text
        }
        lines[index] = new
        return lines.joined(separator: "\n")
    }

    /// Parses `text` expecting a `ConfigError` at `line` about `key` (and `device`) whose description
    /// contains every fragment; returns the error.
    @discardableResult
    static func expectError(
        _ text: String, line: Int?, key: String?, device: String? = nil, mentioning fragments: [String] = [],
        sourceLocation: SourceLocation = #_sourceLocation
    ) -> ConfigError? {
        do {
            let configuration = try DaemonConfiguration.parse(text, source: "pnnd.toml")
            Issue.record("expected a ConfigError, parsed \(configuration.devices.map(\.name))", sourceLocation: sourceLocation)
            return nil
        } catch {
            let description = error.description
            #expect(error.file == "pnnd.toml", sourceLocation: sourceLocation)
            #expect(error.line == line, "\(description)", sourceLocation: sourceLocation)
            #expect(error.key == key, "\(description)", sourceLocation: sourceLocation)
            #expect(error.device == device, "\(description)", sourceLocation: sourceLocation)
            let prefix = line.map { "pnnd.toml:\($0): " } ?? "pnnd.toml: "
            #expect(description.hasPrefix(prefix), "\(description)", sourceLocation: sourceLocation)
            if let key { #expect(description.contains("key '\(key)'"), "\(description)", sourceLocation: sourceLocation) }
            for fragment in fragments {
                #expect(description.contains(fragment), "\(description) lacks \(fragment)", sourceLocation: sourceLocation)
            }
            return error
        }
    }
}

extension StringProtocol {
    var trimmingSpaces: String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
