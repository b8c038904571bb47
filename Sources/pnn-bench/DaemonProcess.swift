import Foundation
import PNNClient

/// A real `pnnd --simulate` (the binary next to pnn-bench) on a private socket and state directory:
/// the daemon as the lab runs it, in a process of its own, for the benchmarks that measure it.
final class DaemonProcess {
    let socketPath: String
    private let process = Process()

    var pid: Int32 { process.processIdentifier }

    /// Starts pnnd and returns once it accepts connections (or throws after ~10 s).
    init(directory: String) async throws {
        socketPath = directory + "/pnnd.sock"
        let here = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        process.executableURL = here.appendingPathComponent("pnnd")
        process.arguments = ["--simulate", "--socket", socketPath, "--state-dir", directory + "/state",
                             "--log-level", "warning"]
        process.standardError = FileHandle.nullDevice
        try process.run()
        for _ in 0 ..< 500 {
            if let probe = try? PNNBlockingClient.connect(socketPath: socketPath) {
                probe.close()
                return
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        stop()
        throw BenchError("pnnd did not start (\(process.executableURL?.path ?? "pnnd"))")
    }

    /// SIGTERM and wait: pnnd drains and exits.
    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }

    deinit { stop() }
}
