import Foundation
import PNNCore
import PNNTestSupport
import Testing

/// The built `pnn` executable, run as a user would run it.
///
/// Found the way swift-argument-parser's example tests find theirs: next to the test bundle, in the
/// products directory of whatever scratch path built it. `PNN_BINARY` overrides the search.
enum PNNExecutable {
    struct Result: Sendable {
        var status: Int32
        /// False when the process died from a signal (a trap, for Swift).
        var exited: Bool
        var stdout: String
        var stderr: String
    }

    static let url: URL? = locate()

    static func locate() -> URL? {
        let fileManager = FileManager.default
        if let override = ProcessInfo.processInfo.environment["PNN_BINARY"], !override.isEmpty {
            return URL(fileURLWithPath: override)
        }
        var directories: [URL] = []
        // Linux: the test runner is `<products>/pnnPackageTests.xctest` itself.
        if let executable = Bundle.main.executableURL { directories.append(executable.deletingLastPathComponent()) }
        directories.append(URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent())
        // macOS: `<products>/pnnPackageTests.xctest` is a bundle loaded into a runner.
        for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
            directories.append(bundle.bundleURL.deletingLastPathComponent())
        }
        for directory in directories {
            let candidate = directory.appendingPathComponent("pnn")
            if fileManager.isExecutableFile(atPath: candidate.path) { return candidate.standardizedFileURL }
        }
        // Last resort: the default scratch path of the package this file belongs to.
        let packageRoot = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let fallback = packageRoot.appendingPathComponent(".build/debug/pnn")
        return fileManager.isExecutableFile(atPath: fallback.path) ? fallback : nil
    }

    /// Runs `pnn arguments…` in `directory` and waits for it.
    static func run(_ arguments: [String], in directory: URL) throws -> Result {
        guard let url else {
            throw LocateError()
        }
        // ProcessRun (posix_spawn + waitpid), not Foundation's Process: parallel suites blocked in
        // waitUntilExit were seen to deadlock the test run.
        let run = try ProcessRun.run(url, arguments, in: directory)
        return Result(status: run.status, exited: run.exited, stdout: run.stdout, stderr: run.stderr)
    }

    struct LocateError: Error, CustomStringConvertible {
        var description: String {
            "cannot find the built `pnn` next to the test bundle; build it first (`swift build --build-tests`) or set PNN_BINARY"
        }
    }
}

/// A fresh directory for one test, removed afterwards.
final class Sandbox {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("pnn-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    /// Runs `pnn` with this directory as its working directory.
    func pnn(_ arguments: String...) throws -> PNNExecutable.Result {
        try PNNExecutable.run(arguments, in: url)
    }

    func write<Scalar: TensorScalar>(_ tensor: Tensor<Scalar>, to name: String) throws {
        try tensor.writeNPY(to: path(name))
    }

    /// The dtype descriptor and decoded contents of a `.npy` file in the sandbox.
    func read(_ name: String) throws -> (descriptor: String, tensor: Tensor<Double>) {
        let bytes = [UInt8](try Data(contentsOf: url.appendingPathComponent(name)))
        return (try NPYHeader.parse(bytes).header.descriptor, try Tensor<Double>(npyBytes: bytes))
    }

    func exists(_ name: String) -> Bool { FileManager.default.fileExists(atPath: path(name)) }
}

extension PNNExecutable.Result {
    /// Checks a clean failure: the given status, nothing on stdout, one `error: ` line on stderr
    /// containing every fragment, and no trap or backtrace.
    func expectFailure(
        _ expected: Int32, mentioning fragments: [String],
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(status == expected, "exit status; stderr: \(stderr)", sourceLocation: sourceLocation)
        #expect(stdout.isEmpty, "stdout should be empty, got: \(stdout)", sourceLocation: sourceLocation)
        let lines = stderr.split(separator: "\n", omittingEmptySubsequences: true)
        #expect(lines.count == 1, "one line on stderr, got: \(stderr)", sourceLocation: sourceLocation)
        #expect(stderr.hasPrefix("error: "), "stderr: \(stderr)", sourceLocation: sourceLocation)
        for fragment in fragments {
            #expect(stderr.contains(fragment), "stderr should mention '\(fragment)': \(stderr)", sourceLocation: sourceLocation)
        }
        expectNoCrash(sourceLocation: sourceLocation)
    }

    /// No signal death, no Swift runtime trap message.
    func expectNoCrash(sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(exited, "killed by signal \(status); stderr: \(stderr)", sourceLocation: sourceLocation)
        for marker in ["Fatal error", "Stack dump", "backtrace", "Crash"] {
            #expect(!stderr.contains(marker), "stderr looks like a crash: \(stderr)", sourceLocation: sourceLocation)
        }
    }

    /// stdout parsed as a JSON object.
    func jsonObject(sourceLocation: SourceLocation = #_sourceLocation) throws -> [String: Any] {
        let value = try JSONSerialization.jsonObject(with: Data(stdout.utf8))
        return try #require(value as? [String: Any], "stdout is not a JSON object: \(stdout)", sourceLocation: sourceLocation)
    }
}
