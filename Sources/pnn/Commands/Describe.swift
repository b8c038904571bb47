import ArgumentParser
import PNNClient
import PNNCore
import PNNProtocol

/// `pnn describe DEV`: everything pnnd knows about one device.
struct Describe: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show one device: shapes, drive limits, model, timing, state, notes.")

    @Argument(help: "Device name (see `pnn devices`).")
    var device: String

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let info = try await connection.withClient { client in try await client.describe(device) }
        if output.json {
            try JSONOutput.print(info)
            return
        }
        var rows: [[String]] = [
            ["name", info.name],
            ["kind", info.kind],
            ["model", info.model ?? "-"],
            ["state", info.state.rawValue],
            ["inputs N", "\(info.inputs)"],
            ["parameters P", "\(info.parameters)"],
            ["outputs M", "\(info.outputs)"],
            ["drive order", info.driveOrder],
            ["drive range", "[\(DeviceTable.number(info.limits.minimum)), \(DeviceTable.number(info.limits.maximum))]"],
            ["max step", info.limits.maxStep.map(DeviceTable.number) ?? "unlimited"],
            ["max mean power", info.limits.maxMeanPower.map(DeviceTable.number) ?? "unlimited"],
            ["seconds/sample", info.secondsPerSample.map(DeviceTable.number) ?? "-"],
            ["reality gap", info.gap],
            ["queue capacity", "\(info.queueCapacity)"],
            ["config hash", info.configHash],
            ["summary", info.summary],
        ]
        if info.notes.isEmpty { rows.append(["notes", "-"]) }
        DeviceTable.columns(rows).forEach { print($0) }
        if !info.notes.isEmpty {
            print("notes")
            for note in info.notes { print("  - \(note)") }
        }
    }
}
