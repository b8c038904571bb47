import ArgumentParser
import PNNClient
import PNNProtocol

/// `pnn status`: pnnd's health at a glance.
struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show pnnd's status: version, uptime, connections, recorder, devices.")

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let report = try await connection.withClient { client in try await client.status() }
        if output.json {
            try JSONOutput.print(report)
            return
        }
        let rows = [
            ["server", report.server],
            ["protocol", "\(report.version)"],
            ["pid", "\(report.pid)"],
            ["uptime", Self.duration(report.uptimeSeconds)],
            ["connections", "\(report.connections)"],
            ["recorded batches", "\(report.recordedBatches)"],
            ["recorder size", Self.bytes(report.recorderBytes)],
            ["config hash", report.configHash],
        ]
        DeviceTable.columns(rows).forEach { print($0) }
        print("")
        DeviceTable.lines(report.devices).forEach { print($0) }
    }

    /// `3d 4h 05m 06s`-style uptime.
    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "\(seconds) s" }
        let total = Int(seconds)
        let (d, h, m, s) = (total / 86400, total / 3600 % 24, total / 60 % 60, total % 60)
        if d > 0 { return "\(d)d \(h)h \(pad2(m))m \(pad2(s))s" }
        if h > 0 { return "\(h)h \(pad2(m))m \(pad2(s))s" }
        if m > 0 { return "\(m)m \(pad2(s))s" }
        return "\(DeviceTable.number((seconds * 10).rounded() / 10)) s"
    }

    /// Bytes in binary units, one decimal.
    static func bytes(_ count: Int64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(count)
        var unit = 0
        while value >= 1024, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(count) B" : "\(DeviceTable.number((value * 10).rounded() / 10)) \(units[unit])"
    }

    private static func pad2(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
}
