import Foundation
import Logging
import PNNConfig
import PNNCore
import PNNDaemon
import PNNDevices
import PNNPhysics
import PNNTraining

/// Where `pnn train` / `pnn eval` / `pnn twin fit` get their device from, and its clean-up.
///
/// `--simulate` starts an embedded pnnd (the same daemon code, on a private socket) with the simulated
/// devices, so training takes the protocol path it takes in the lab; `--in-process` skips the socket
/// (benchmarks, quick checks); otherwise pnn connects to the pnnd at `--socket`.
struct DeviceSession {
    enum Source: Equatable {
        case daemon
        case simulate
        case inProcess
    }

    let backend: any PhysicalBackend
    let gapName: String
    private let daemonBackend: DaemonBackend?
    private let embedded: EmbeddedDaemon?
    private let directory: String?

    /// Opens the device `name` (default: the experiment's) for `kind`/`shape`; `ideal` asks for the
    /// gap-free twin of the simulated device. A pnnd at `--socket` that goes away mid-run is waited
    /// for up to `reconnectSeconds` (an embedded one cannot go away without pnn).
    static func open(source: Source, connection: ConnectionOptions, device name: String, model: ModelKind,
                     shape: ModelShape, ideal: Bool, reconnectSeconds: Double = 0) async throws -> DeviceSession {
        switch source {
        case .inProcess:
            var spec = DaemonConfiguration.simulated.device(named: name)
                ?? DeviceSpecDefaults.spec(name: name, model: model)
            if ideal { spec.gap = .none }
            let nominal = try ModelCatalog.make(model, shape: shape)
            let simulator = try Simulator(model: nominal, gap: spec.gap, seed: spec.seed)
            return DeviceSession(backend: SimulatorBackend(simulator: simulator, limits: spec.limits, label: "in-process:\(name)"),
                                 gapName: spec.gapName, daemonBackend: nil, embedded: nil, directory: nil)
        case .simulate:
            var configuration = DaemonConfiguration.simulated
            if ideal, let index = configuration.devices.firstIndex(where: { $0.name == name }) {
                configuration.devices[index].gap = .none
            }
            let directory = NSTemporaryDirectory() + "pnn-train-\(getpid())-\(UInt32.random(in: 0 ... .max))"
            var logger = Logger(label: "pnn.embedded-pnnd")
            logger.logLevel = .warning
            // Records of a throw-away daemon: keep them bounded.
            configuration.server.recordRetentionBytes = 64 << 20
            let daemon = try await EmbeddedDaemon.start(configuration: configuration, directory: directory, logger: logger)
            do {
                let backend = try DaemonBackend.connect(socketPath: daemon.socketPath, device: name)
                return DeviceSession(backend: backend, gapName: backend.info.gap, daemonBackend: backend,
                                     embedded: daemon, directory: directory)
            } catch {
                await daemon.stop()
                try? FileManager.default.removeItem(atPath: directory)
                throw error
            }
        case .daemon:
            let path = connection.socketPath
            let backend: DaemonBackend
            do {
                backend = try DaemonBackend.connect(socketPath: path, device: name, reconnectSeconds: reconnectSeconds,
                                                    onReconnect: { StandardError.write("note: " + $0) })
            } catch {
                guard error.kind == .unavailable else { throw error }
                throw CLIError(.unavailable, "\(error.message); is pnnd running? pass --socket PATH, set PNN_SOCKET, or use --simulate")
            }
            if ideal && backend.info.gap != "none" {
                backend.close()
                throw CLIError.usage("--mode ideal needs a device without reality gap; \(name) has gap '\(backend.info.gap)' (use --simulate)")
            }
            return DeviceSession(backend: backend, gapName: backend.info.gap, daemonBackend: backend, embedded: nil,
                                 directory: nil)
        }
    }

    func close() async {
        daemonBackend?.close()
        await embedded?.stop()
        if let directory { try? FileManager.default.removeItem(atPath: directory) }
    }
}

/// Simulated-device defaults for names outside `pnnd --simulate`'s set (in-process runs only).
enum DeviceSpecDefaults {
    static func spec(name: String, model: ModelKind) -> DeviceSpec {
        DeviceSpec(name: name, kind: .simulated(model), gap: .default, seed: 0)
    }
}
