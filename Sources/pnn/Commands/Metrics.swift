import ArgumentParser
import PNNClient

/// `pnn metrics`: pnnd's Prometheus text exposition.
struct Metrics: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print pnnd's metrics in the Prometheus text format.")

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions

    struct Report: Encodable {
        var metrics: String
    }

    func run() async throws {
        let text = try await connection.withClient { client in try await client.metrics() }
        if output.json {
            try JSONOutput.print(Report(metrics: text))
        } else {
            print(text, terminator: text.hasSuffix("\n") || text.isEmpty ? "" : "\n")
        }
    }
}
