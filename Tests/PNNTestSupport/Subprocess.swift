#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// A child process started with posix_spawn and reaped with waitpid.
///
/// Tests use this instead of Foundation's `Process`, whose `waitUntilExit` depends on a run loop and a
/// monitor thread: with swift-testing running suites in parallel on a 2-thread cooperative pool, two
/// blocked `waitUntilExit` calls were seen to deadlock the whole test run. `waitpid` depends on nothing
/// but the child.
public final class Subprocess: Sendable {
    public let pid: pid_t
    private let result = Mutex<Termination?>(nil)

    public struct Termination: Sendable, Equatable {
        /// Exit status, or the signal number when `exited` is false.
        public var status: Int32
        public var exited: Bool
    }

    public struct SpawnError: Error, CustomStringConvertible {
        public var description: String
    }

    /// Starts `executable` with `arguments`; stdin is /dev/null, stdout and stderr go to the given files
    /// (appended; /dev/null when nil), `environment` replaces the parent's when given.
    public init(_ executable: String, _ arguments: [String], environment: [String: String]? = nil,
                directory: String? = nil, stdout: String? = nil, stderr: String? = nil) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdout ?? "/dev/null", O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, stderr ?? "/dev/null", O_WRONLY | O_CREAT | O_APPEND, 0o644)
        // glibc's posix_spawn_file_actions_addchdir_np is not visible to Swift: `env -C` changes directory.
        let (program, args) = directory.map { ("/usr/bin/env", ["-C", $0, executable] + arguments) } ?? (executable, arguments)

        let argv = ([program] + args).map { strdup($0) } + [nil]
        defer { for p in argv { free(p) } }
        let env = environment.map { $0.map { strdup("\($0.key)=\($0.value)") } + [nil] }
        defer { env?.forEach { free($0) } }
        var child: pid_t = 0
        let status: Int32
        if let env {
            status = posix_spawn(&child, program, &actions, nil, argv, env)
        } else {
            status = posix_spawn(&child, program, &actions, nil, argv, environ)
        }
        guard status == 0 else {
            throw SpawnError(description: "cannot start \(executable): \(String(cString: strerror(status)))")
        }
        pid = child
    }

    /// Blocks until the child ends (once; later calls return the same result).
    @discardableResult
    public func wait() -> Termination {
        if let done = result.withLock({ $0 }) { return done }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            if errno != EINTR { return result.withLock { $0 } ?? Termination(status: -1, exited: false) }
        }
        return record(status)
    }

    /// True while the child has not ended (reaps it when it has).
    public var isRunning: Bool {
        if result.withLock({ $0 }) != nil { return false }
        var status: Int32 = 0
        let r = waitpid(pid, &status, WNOHANG)
        if r == pid {
            record(status)
            return false
        }
        return r == 0
    }

    public func signal(_ signal: Int32) {
        if isRunning { kill(pid, signal) }
    }

    @discardableResult
    private func record(_ status: Int32) -> Termination {
        // WIFEXITED / WEXITSTATUS / WTERMSIG, spelled out (they are macros in C).
        let termination = (status & 0x7F) == 0
            ? Termination(status: (status >> 8) & 0xFF, exited: true)
            : Termination(status: status & 0x7F, exited: false)
        result.withLock { $0 = termination }
        return termination
    }

    /// An executable's full path: as given when it contains a slash, else the first match on PATH.
    public static func resolve(_ name: String) -> String {
        if name.contains("/") { return name }
        for directory in (String(cString: getenv("PATH") ?? strdup("/usr/bin:/bin")).split(separator: ":")) {
            let candidate = "\(directory)/\(name)"
            if access(candidate, X_OK) == 0 { return candidate }
        }
        return name
    }
}
