import ArgumentParser
import Logging
import Metrics
import PNNConfig
import PNNDaemon
import PNNSystemd
import Prometheus
import NIOCore
import NIOPosix
import ServiceLifecycle

#if canImport(Glibc)
import Glibc
#endif

/// `pnnd`: the lab daemon. Parses flags, loads the configuration, bootstraps logging and metrics, and
/// runs `Daemon` in a ServiceGroup that turns SIGTERM/SIGINT into a graceful shutdown.
@main
struct PNND: AsyncParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "pnnd",
        abstract: "The pnn lab daemon: serves physical systems (simulated or hardware) over a Unix socket.",
        discussion: """
            Started by systemd (pnnd.service + pnnd.socket) it uses the inherited socket, reports READY=1, \
            pings the watchdog and reloads its configuration on SIGHUP. See docs/operations.md.
            """,
        version: version)

    @Option(help: ArgumentHelp("Configuration file (TOML).", valueName: "FILE"))
    var config: String?

    @Flag(help: "Serve the embedded simulated devices mech0, elec0, shg0 and echo0 (default reality gap).")
    var simulate = false

    @Option(help: ArgumentHelp("Validate a configuration file and exit.", valueName: "FILE"))
    var checkConfig: String?

    @Option(help: ArgumentHelp("Listen on this socket path (overrides the configuration).", valueName: "PATH"))
    var socket: String?

    @Option(help: ArgumentHelp("State directory for the record store (overrides the configuration).", valueName: "DIR"))
    var stateDir: String?

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical (overrides the configuration).")
    var logLevel: String?

    @Option(help: ArgumentHelp("Serve Prometheus metrics over HTTP on a loopback address.", valueName: "HOST:PORT"))
    var metricsListen: String?

    func validate() throws {
        if checkConfig != nil && (config != nil || simulate) {
            throw ValidationError("--check-config runs alone")
        }
        if checkConfig == nil && config == nil && !simulate {
            throw ValidationError("give --config FILE, or --simulate for the embedded simulated devices")
        }
        if config != nil && simulate {
            throw ValidationError("--config and --simulate are alternatives")
        }
        if let metricsListen, let problem = ServerSettings.metricsListenProblem(metricsListen) {
            throw ValidationError("--metrics-listen: \(problem)")
        }
        if let logLevel, Logger.Level(rawValue: logLevel) == nil {
            throw ValidationError("unknown log level '\(logLevel)'; use one of \(ServerSettings.logLevels.joined(separator: ", "))")
        }
    }

    func run() async throws {
        // Run Swift Concurrency's jobs on NIO's event loops: a request then never changes thread between
        // the socket and the dispatcher (a thread switch costs tens of µs on this 2-core machine).
        // Device kernels and the recorder run on Dispatch threads of their own, so loops never block.
        NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        if let path = checkConfig {
            let configuration = try loadConfiguration(path)
            print("\(path): OK — \(configuration.devices.count) devices: \(configuration.devices.map(\.name).joined(separator: ", "))")
            return
        }
        var configuration = try config.map(loadConfiguration) ?? DaemonConfiguration.simulated
        if simulate {
            // The embedded configuration must run as any user: keep records under /tmp unless told.
            configuration.server.stateDirectory = "/tmp/pnnd-simulate-\(getuid())"
        }
        let overrides = ServerOverrides(socketPath: socket, stateDirectory: stateDir, logLevel: logLevel,
                                        metricsListen: metricsListen)
        overrides.apply(to: &configuration)

        let level = Logger.Level(rawValue: configuration.server.logLevel) ?? .info
        let journal = getenv("JOURNAL_STREAM") != nil
        LoggingSystem.bootstrap { label in JournalLogHandler(label: label, level: level, journal: journal) }
        let logger = Logger(label: "pnn.daemon")

        let metrics = DaemonMetrics()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: metrics.registry))

        let notifier: SystemdNotifier
        let activated: [ActivatedSocket]
        let watchdog: Duration?
        do {
            notifier = try SystemdNotifier(unsetEnvironment: true)
            watchdog = try SystemdNotifier.watchdogInterval(unsetEnvironment: true)
            activated = try SocketActivation.listenFileDescriptors()
        } catch {
            throw Failure("systemd integration: \(error)")
        }
        // pnnd.socket names its socket "api" (FileDescriptorName=); any single listener also works.
        let inherited = activated.first { $0.isUnixStreamListener && $0.name == "api" } ?? activated.first
        if activated.count > 1 {
            logger.warning("several sockets inherited; serving one", metadata: ["pnn.sockets": "\(activated)"])
        }
        if let inherited, !inherited.isUnixStreamListener {
            throw Failure("inherited socket \(inherited) is not a listening Unix stream socket")
        }
        let options = DaemonOptions(configuration: configuration, configPath: config,
                                    activatedSocket: inherited?.fileDescriptor, watchdogInterval: watchdog,
                                    serverName: "pnnd \(Self.version)", overrides: overrides)
        let daemon = Daemon(options: options, logger: logger, metrics: metrics, notifier: notifier)
        let group = ServiceGroup(
            configuration: .init(services: [.init(service: daemon)],
                                 gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        do {
            try await group.run()
        } catch let error as DaemonError {
            logger.critical("pnnd failed", metadata: ["pnn.error": "\(error.message)"])
            throw Failure(error.message)
        }
    }

    private func loadConfiguration(_ path: String) throws -> DaemonConfiguration {
        do {
            return try DaemonConfiguration.load(path: path)
        } catch {
            throw Failure("\(error)")
        }
    }
}

/// A start-up failure: printed as one `pnnd: …` line, exit status 1 (systemd's on-failure restart).
struct Failure: Error, CustomStringConvertible {
    let description: String
    init(_ message: String) { description = message }
}
