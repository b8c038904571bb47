import Foundation
import PNNClient
import PNNCore
import PNNTestSupport

/// Starts the real `pnnd` for one test and connects clients to it.
struct DaemonHarness {
    let directory: ScratchDirectory
    let daemon: DaemonProcess

    /// `pnnd --simulate`, or `pnnd --config` with `config` written to the scratch directory.
    init(config: String? = nil, environment: [String: String] = [:], extra: [String] = []) throws {
        directory = try ScratchDirectory()
        var arguments: [String]
        if let config {
            let path = directory.path("pnnd.toml")
            try config.write(toFile: path, atomically: true, encoding: .utf8)
            arguments = ["--config", path]
        } else {
            arguments = ["--simulate"]
        }
        daemon = try DaemonProcess(arguments: arguments + extra, directory: directory, environment: environment)
        try daemon.waitUntilReady()
    }

    func client() async throws -> PNNClient {
        try await PNNClient.connect(socketPath: daemon.socketPath)
    }

    /// Runs the built `pnn` CLI against this daemon.
    func pnn(_ arguments: [String], as user: (uid: Int, gid: Int)? = nil) throws -> ProcessRun {
        let pnn = try BuiltProducts.require("pnn")
        let argv = ["--socket", daemon.socketPath] + arguments
        if let user {
            return try ProcessRun.run(URL(fileURLWithPath: "/usr/bin/setpriv"),
                                      ["--reuid=\(user.uid)", "--regid=\(user.gid)", "--clear-groups", pnn.path] + argv,
                                      in: directory.url)
        }
        return try ProcessRun.run(pnn, argv, in: directory.url)
    }

    /// A config file's text: a [server] table plus device tables.
    static func config(server: String = "", devices: String) -> String {
        "[server]\nqueue_depth = 8\n\(server)\n\(devices)"
    }
}

extension Tensor where Scalar == Float {
    static func random(rows: Int, columns: Int, in range: ClosedRange<Double>, seed: UInt64) -> Tensor<Float> {
        var rng = SeededGenerator(seed: seed)
        return Tensor(uncheckedRows: (0 ..< rows * columns).map { _ in Float(rng.nextUniform(in: range)) }, columns: columns)
    }

    static func random(count: Int, in range: ClosedRange<Double>, seed: UInt64) -> Tensor<Float> {
        var rng = SeededGenerator(seed: seed)
        return Tensor((0 ..< count).map { _ in Float(rng.nextUniform(in: range)) })
    }
}
