import Logging
import NIOCore
import NIOPosix
import PNNConfig
import PNNDevices
import PNNProtocol
import PNNRecorder
import PNNSystemd
import ServiceLifecycle
import UnixSignals

/// Command-line settings that take precedence over the configuration file, at start-up and on reload.
public struct ServerOverrides: Sendable, Equatable {
    public var socketPath: String?
    public var stateDirectory: String?
    public var logLevel: String?
    public var metricsListen: String?

    public init(socketPath: String? = nil, stateDirectory: String? = nil, logLevel: String? = nil,
                metricsListen: String? = nil) {
        self.socketPath = socketPath
        self.stateDirectory = stateDirectory
        self.logLevel = logLevel
        self.metricsListen = metricsListen
    }

    public func apply(to configuration: inout DaemonConfiguration) {
        if let socketPath { configuration.server.socketPath = socketPath }
        if let stateDirectory { configuration.server.stateDirectory = stateDirectory }
        if let logLevel { configuration.server.logLevel = logLevel }
        if let metricsListen { configuration.server.metricsListen = metricsListen }
    }
}

/// What pnnd runs with; built by the `pnnd` executable from flags and the configuration file.
public struct DaemonOptions: Sendable {
    public var configuration: DaemonConfiguration
    /// File to re-read on SIGHUP; nil for the embedded `--simulate` configuration.
    public var configPath: String?
    /// A listening socket inherited from systemd; when nil pnnd binds `configuration.server.socketPath`.
    public var activatedSocket: CInt?
    /// `WATCHDOG=1` period (half of WATCHDOG_USEC), nil when systemd's watchdog is off.
    public var watchdogInterval: Duration?
    /// Version string reported by `hello` and `status`.
    public var serverName: String
    /// Flags that override the file; applied again to every reloaded configuration.
    public var overrides: ServerOverrides

    public init(configuration: DaemonConfiguration, configPath: String? = nil, activatedSocket: CInt? = nil,
                watchdogInterval: Duration? = nil, serverName: String = "pnnd", overrides: ServerOverrides = .init()) {
        self.overrides = overrides
        self.configuration = configuration
        self.configPath = configPath
        self.activatedSocket = activatedSocket
        self.watchdogInterval = watchdogInterval
        self.serverName = serverName
    }
}

/// pnnd as one long-running service: listens, serves devices, reloads on SIGHUP, and on graceful
/// shutdown stops accepting, finishes in-flight batches within `drain_seconds`, flushes the recorder.
public final class Daemon: Service, Sendable {
    private let options: DaemonOptions
    private let logger: Logger
    private let metrics: DaemonMetrics
    private let notifier: SystemdNotifier

    public init(options: DaemonOptions, logger: Logger, metrics: DaemonMetrics, notifier: SystemdNotifier) {
        self.options = options
        self.logger = logger
        self.metrics = metrics
        self.notifier = notifier
    }

    /// How much more start-up time one store-opening progress message asks for, and how often at most.
    static let startExtension = Duration.seconds(30)
    static let startExtensionInterval = Duration.seconds(5)

    public func run() async throws {
        let configuration = options.configuration
        let settings = configuration.server
        let recordsDirectory = settings.stateDirectory + "/records"
        let recorder: Recorder
        do {
            // A full store on a cold disk can take long enough to open to approach TimeoutStartSec
            // (docs/recorder.md), and the time grows with the record count. Each segment read is progress:
            // ask systemd for more time while it lasts, at most every few seconds. A disk that hangs
            // inside one segment sends nothing more, so the start still times out.
            var asked: ContinuousClock.Instant?
            recorder = try Recorder(directory: recordsDirectory, retentionBytes: settings.recordRetentionBytes) { read, all in
                let now = ContinuousClock.now
                if let asked, now - asked < Self.startExtensionInterval { return }
                asked = now
                let status = "opening the record store: \(read) of \(all) segments read"
                notify { try $0.extendTimeout(by: Self.startExtension, status: status) }
            }
        } catch {
            throw DaemonError(.io, "cannot open the record store in \(recordsDirectory): \(error)")
        }
        let recording = RecordingQueue(recorder)
        let stats = recorder.statistics
        logger.info("record store open", metadata: [
            "pnn.records.directory": "\(recordsDirectory)", "pnn.records.count": "\(stats.records)",
            "pnn.records.recovered_bytes": "\(stats.recoveredBytes)",
        ])
        let connections = OpenConnections()
        let events = EventHub(connections: connections)
        let dispatcher = Dispatcher(
            maxFrameBytes: settings.maxFrameBytes, defaultDeadline: .seconds(settings.defaultDeadlineSeconds),
            serverName: options.serverName, metrics: metrics, events: events, recorder: recording,
            openConnections: connections, logger: logger)
        let workers = makeWorkers(configuration.devices, configuration: configuration, recording: recording,
                                  events: events, connections: connections)
        _ = dispatcher.install(workers, configHash: configuration.sourceHash)

        let access = AccessPolicy(allowedUIDs: Set(settings.allowedUIDs.map { uid_t($0) }),
                                  allowedGroups: Set(settings.allowedGroups))
        if !access.unresolvedGroups.isEmpty {
            logger.warning("allowed groups do not exist", metadata: ["pnn.groups": "\(access.unresolvedGroups)"])
        }
        let files = OpenFileLimit.raise()
        let maxConnections = OpenFileLimit.connectionCap(configured: settings.maxConnections, openFiles: files.after)
        logger.info("connection limit", metadata: [
            "pnn.open_files.limit": "\(files.after)", "pnn.open_files.limit_before": "\(files.before)",
            "pnn.connections.max": "\(maxConnections)",
        ])
        let server = PNNServer(dispatcher: dispatcher, access: access, maxFrameBytes: settings.maxFrameBytes,
                               maxConnections: maxConnections,
                               logger: logger)
        // SIGHUP is trapped before the socket listens: once clients (or systemd's ExecReload) can see
        // pnnd, a hangup must reload it, never terminate it (the default action).
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        let listen: PNNServer.Listen = options.activatedSocket.map { .activated(fileDescriptor: $0) }
            ?? .path(settings.socketPath, group: settings.socketGroup, mode: settings.socketMode)
        let address = try await server.start(listen, group: MultiThreadedEventLoopGroup.singleton)
        var metricsServer: MetricsHTTPServer?
        if let endpoint = settings.metricsListen {
            let http = MetricsHTTPServer(metrics: metrics, logger: logger)
            try await http.start(endpoint, group: MultiThreadedEventLoopGroup.singleton)
            metricsServer = http
        }
        for worker in workers {
            events.publish(DeviceEvent(device: worker.name, kind: .up, message: "serving", time: UnixTime.now()))
        }
        let status = "serving \(workers.count) devices on \(address)"
        notify { try $0.ready(status: status) }
        logger.info("pnnd ready", metadata: ["pnn.address": "\(address)", "pnn.devices": "\(workers.map(\.name))"])

        let reloader = Reloader(daemon: self, dispatcher: dispatcher, recording: recording, events: events,
                                current: configuration)
        await withDiscardingTaskGroup { group in
            if let interval = options.watchdogInterval {
                group.addTask { await self.watchdog(every: interval) }
            }
            group.addTask {
                for await _ in hangups {
                    await reloader.reload()
                }
            }
            try? await gracefulShutdown()
            group.cancelAll()
        }

        // Graceful shutdown: no new connections or work; running batches finish and get recorded.
        notify { try $0.stopping(status: "draining in-flight batches") }
        logger.info("pnnd stopping: draining", metadata: ["pnn.drain_seconds": "\(settings.drainSeconds)"])
        await server.stopListening()
        await metricsServer?.stop()
        dispatcher.stopAcceptingWork()
        await Self.drain(dispatcher.workers, timeout: .seconds(settings.drainSeconds))
        // Finished batches must also reach their clients before the connections close.
        await dispatcher.waitForAnswers(timeout: .seconds(max(1, settings.drainSeconds)))
        for worker in dispatcher.workers {
            events.publish(DeviceEvent(device: worker.name, kind: .down, message: "pnnd stopping", time: UnixTime.now()))
        }
        dispatcher.closeConnections()
        await recording.close()
        if case .path(let path, _, _) = listen { _ = unlink(path) }
        logger.info("pnnd stopped")
    }

    static func drain(_ workers: [DeviceWorker], timeout: Duration) async {
        await withDiscardingTaskGroup { group in
            for worker in workers {
                group.addTask { await worker.drain(timeout: timeout) }
            }
        }
    }

    /// Builds a worker per device spec; a device that cannot be set up is logged and skipped, so one
    /// broken device never keeps the others from serving. A worker for a device among `replacing` (the
    /// workers still draining) takes over from that one: it keeps its lease and waits for `activate()`
    /// (see `DeviceWorker`).
    func makeWorkers(_ specs: [DeviceSpec], configuration: DaemonConfiguration, recording: RecordingQueue,
                     events: EventHub, connections: OpenConnections, replacing: [DeviceWorker] = []) -> [DeviceWorker] {
        let predecessors = Dictionary(replacing.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        var workers: [DeviceWorker] = []
        for spec in specs {
            do {
                let system = try DeviceRegistry.make(spec, logger: logger)
                workers.append(DeviceWorker(
                    system: system, configHash: configuration.deviceHash(spec.name),
                    queueCapacity: configuration.server.queueDepth,
                    leaseIdleSeconds: configuration.server.leaseIdleSeconds,
                    recorder: spec.kind == .echo ? nil : recording, metrics: metrics, events: events,
                    connections: connections, logger: logger, predecessor: predecessors[spec.name]))
            } catch {
                logger.error("device could not be set up", metadata: ["pnn.device": "\(spec.name)", "pnn.error": "\(error)"])
                events.publish(DeviceEvent(device: spec.name, kind: .down, message: "\(error)", time: UnixTime.now()))
            }
        }
        return workers
    }

    /// Pings systemd's watchdog while the event loops still answer (a wedged daemon must get restarted).
    private func watchdog(every interval: Duration) async {
        while !Task.isCancelled {
            let alive = (try? await MultiThreadedEventLoopGroup.singleton.next().submit { true }.get()) ?? false
            if alive { notify { try $0.watchdog() } }
            try? await Task.sleep(for: interval)
        }
    }

    func notify(_ message: (SystemdNotifier) throws -> Bool) {
        do {
            _ = try message(notifier)
        } catch {
            logger.warning("sd_notify failed", metadata: ["pnn.error": "\(error)"])
        }
    }

    var log: Logger { logger }
    var configPath: String? { options.configPath }
    var overrides: ServerOverrides { options.overrides }
}
