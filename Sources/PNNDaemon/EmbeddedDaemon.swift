#if canImport(Glibc)
import Glibc
#endif
import Logging
import PNNConfig
import PNNSystemd
import ServiceLifecycle

/// A pnnd running inside another process on a private socket: `pnn train --simulate` uses it so that
/// training takes exactly the protocol path it takes against the lab's daemon, without needing one.
///
/// It is the same `Daemon` service (dispatcher, workers, limits, recorder); only systemd integration
/// and signal handling are left out — the host process owns its signals.
public final class EmbeddedDaemon: Sendable {
    public let socketPath: String
    private let group: ServiceGroup
    private let task: Task<Void, any Error>

    private init(socketPath: String, group: ServiceGroup, task: Task<Void, any Error>) {
        self.socketPath = socketPath
        self.group = group
        self.task = task
    }

    /// Starts `configuration` with its socket and state directory under `directory` (created if
    /// needed) and returns once the socket accepts connections. Only the current user may run devices.
    public static func start(configuration: DaemonConfiguration, directory: String, logger: Logger)
        async throws(DaemonError) -> EmbeddedDaemon
    {
        var configuration = configuration
        _ = mkdir(directory, 0o700)
        let socketPath = directory + "/pnnd.sock"
        configuration.server.socketPath = socketPath
        configuration.server.stateDirectory = directory + "/state"
        configuration.server.allowedUIDs = [UInt32(getuid())]
        configuration.server.allowedGroups = []
        configuration.server.metricsListen = nil
        let daemon = Daemon(
            options: DaemonOptions(configuration: configuration, serverName: "pnnd (embedded)"),
            logger: logger, metrics: DaemonMetrics(), notifier: .disabled)
        let group = ServiceGroup(configuration: .init(services: [.init(service: daemon)], logger: logger))
        let task = Task { try await group.run() }
        // The socket file appears once the server listens; a failed start ends the task instead.
        for _ in 0 ..< 500 {
            if access(socketPath, F_OK) == 0 {
                return EmbeddedDaemon(socketPath: socketPath, group: group, task: task)
            }
            if task.isCancelled { break }
            try? await Task.sleep(for: .milliseconds(10))
        }
        await group.triggerGracefulShutdown()
        let reason: String
        do {
            try await task.value
            reason = "it stopped without listening"
        } catch {
            reason = "\(error)"
        }
        throw DaemonError(.io, "embedded pnnd did not start on \(socketPath): \(reason)")
    }

    /// Graceful stop: in-flight batches finish and are recorded, then the socket is removed.
    public func stop() async {
        await group.triggerGracefulShutdown()
        _ = try? await task.value
    }
}
