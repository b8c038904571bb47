import ArgumentParser
import Foundation
import PNNClient
import PNNProtocol

/// `pnn events`: device events as they happen.
struct Events: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print device events (up, down, fault, reconfigured), one line each, until interrupted.",
        discussion: "With --json each line is one JSON object. Exits 69 when the connection to pnnd is lost.")

    @Option(help: ArgumentHelp("Stop after this many events.", valueName: "N"))
    var count: Int?

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var format: OutputOptions

    func validate() throws {
        if let count, count < 1 { throw ValidationError("--count must be at least 1, got \(count)") }
    }

    func run() async throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        try await connection.withClient { client in
            var seen = 0
            for try await event in try await client.events() {
                let line: String
                if format.json {
                    line = String(decoding: try encoder.encode(event), as: UTF8.self)
                } else {
                    line = "\(DeviceTensors.timestamp(event.time))  \(event.device)  \(event.kind.rawValue)  \(event.message)"
                }
                // Unbuffered, so each event shows at once even when stdout is a pipe.
                FileHandle.standardOutput.write(Data((line + "\n").utf8))
                seen += 1
                if let count, seen >= count { return }
            }
        }
    }
}
