import ArgumentParser
import PNNClient

/// `pnn devices`: the devices pnnd serves, with state, shape, lease and queue depth.
struct Devices: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the devices pnnd serves: name, kind, state, N/P/M, lease holder, queue depth.")

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let devices = try await connection.withClient { client in try await client.devices() }
        if output.json {
            try JSONOutput.print(devices)
        } else {
            DeviceTable.lines(devices).forEach { print($0) }
        }
    }
}
