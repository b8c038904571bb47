import Foundation

/// The real `pnnd` binary running in a scratch directory, for integration tests.
///
/// Waits until the socket answers (or the process dies, in which case its log is in the error), and
/// stops it with SIGTERM or SIGKILL on request; `deinit` kills what is left.
public final class DaemonProcess: Sendable {
    public let directory: ScratchDirectory
    public let socketPath: String
    public let stateDirectory: String
    public let logPath: String
    public let process: Subprocess

    public struct StartupFailure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Starts `pnnd` with `arguments` (the socket and state-dir flags are added unless `wrapper` takes
    /// over the socket); `wrapper` runs pnnd under another program, e.g. systemd-socket-activate.
    public init(arguments: [String], directory: ScratchDirectory, environment: [String: String] = [:],
                wrapper: [String] = [], socketName: String = "pnnd.sock", passSocketFlag: Bool = true) throws {
        self.directory = directory
        socketPath = directory.path(socketName)
        stateDirectory = directory.path("state")
        logPath = directory.path("pnnd-\(UUID().uuidString.prefix(6)).log")
        let pnnd = try BuiltProducts.require("pnnd")
        var argv = arguments + ["--state-dir", stateDirectory]
        if passSocketFlag { argv += ["--socket", socketPath] }
        var env = ProcessInfo.processInfo.environment
        for key in ["NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID", "LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES", "JOURNAL_STREAM"] {
            env[key] = nil
        }
        env.merge(environment) { _, new in new }
        let executable = wrapper.first ?? pnnd.path
        let command = wrapper.isEmpty ? argv : Array(wrapper.dropFirst()) + [pnnd.path] + argv
        let process = try Subprocess(executable, command, environment: env, stdout: logPath, stderr: logPath)
        self.process = process
    }

    /// Everything pnnd logged so far.
    public var log: String {
        (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
    }

    /// Polls until the socket accepts connections; fails with pnnd's log when it exits or after `seconds`.
    public func waitUntilReady(seconds: Double = 60) throws {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if Self.answers(socketPath) { return }
            if !process.isRunning {
                throw StartupFailure(description: "pnnd exited (\(process.wait())):\n\(log)")
            }
            usleep(20_000)
        }
        throw StartupFailure(description: "pnnd did not listen on \(socketPath) within \(seconds) s:\n\(log)")
    }

    /// Sends `signal` and waits for the process to end; returns its exit status (or signal number).
    @discardableResult
    public func stop(signal: Int32 = SIGTERM) -> (status: Int32, exited: Bool) {
        process.signal(signal)
        let end = process.wait()
        return (end.status, end.exited)
    }

    /// Sends a signal without waiting (SIGHUP, or SIGTERM while a request is in flight).
    public func send(_ signal: Int32) { process.signal(signal) }

    deinit {
        process.signal(SIGKILL)
        process.wait()
    }

    /// True when something accepts connections on the Unix socket at `path`.
    public static func answers(_ path: String) -> Bool {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, byte) in path.utf8.prefix(raw.count - 1).enumerated() { raw[i] = byte }
        }
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) == 0
            }
        }
    }
}
