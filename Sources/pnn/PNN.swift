import ArgumentParser
import Foundation

/// The `pnn` command: configuration only; every verb lives in `Commands/`.
@main
struct PNN: AsyncParsableCommand {
    /// The version `pnn version` and `pnn --version` report.
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "pnn",
        abstract: "Physical neural networks (Wright et al., Nature 2022): physical models, simulated systems and the pnnd lab daemon.",
        discussion: "Exit statuses follow sysexits(3): 64 usage, 65 bad input data, 66 input missing, "
            + "69 pnnd unavailable, 70 internal error, 73 output not writable, 74 I/O error, "
            + "75 temporary failure (retry), 76 protocol error, 77 permission denied; "
            + "1 other pnnd/device errors.",
        version: version,
        subcommands: [
            Version.self, Physics.self,
            Devices.self, Describe.self, Run.self, Calibrate.self, Records.self, Status.self, Metrics.self, Events.self,
            Train.self, Eval.self, TwinCommand.self,
        ]
    )

    /// `pnn --socket PATH <verb>`: the socket may also be given before the verb.
    @OptionGroup var connection: ConnectionOptions

    /// Parses and runs a command; failures from `run()` go through the one exit-status table
    /// (`ExitCodes.swift`) as a single `error: …` line on stderr.
    static func main() async {
        let parsed: any ParsableCommand
        do {
            parsed = try parseAsRoot()
        } catch {
            exit(withError: error)  // usage errors, --help, --version: ArgumentParser's own output (64 / 0)
        }
        var command = parsed
        do {
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            // ArgumentParser's own errors (help requests, clean exits, validation) keep its output.
            if error is CleanExit || error is ExitCode || error is ValidationError || isArgumentParserError(error) {
                exit(withError: error)
            }
            let failure = CLIError(error)
            StandardError.write("error: \(failure.message)")
            exit(withError: ExitCode(failure.status.rawValue))
        }
    }
}

extension PNN {
    /// True for errors ArgumentParser throws itself (some of its error types are internal).
    fileprivate static func isArgumentParserError(_ error: any Error) -> Bool {
        String(reflecting: type(of: error)).hasPrefix("ArgumentParser.")
    }
}
