import ArgumentParser
import Foundation
import PNNConfig
import PNNCore
import PNNPhysics
import PNNTraining

/// `pnn twin fit DEV`: fit a digital twin to calibration measurements.
struct TwinCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "twin", abstract: "Digital twins of physical systems.", subcommands: [TwinFit.self])
}

struct TwinFit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fit",
        abstract: "Fit a twin (physics model calibration, or an MLP) to probes measured on a device.",
        discussion: """
            Probes come from the device (`pnn calibrate` through pnnd, or --simulate / --in-process), or \
            from --from DIR holding x.npy, theta.npy and y.npy (`pnn calibrate --output-dir`) or \
            inputs.npy, parameters.npy and outputs.npy (`pnn records export`). 20 % of the probes are held out; the report compares the twin's \
            held-out RMS error with the device's noise floor (the RMS difference of two measurements of \
            the same probes, divided by √2).
            """)

    enum Kind: String, ExpressibleByArgument, CaseIterable { case physics, mlp }

    @Argument(help: "Device name (with --from: only a label).")
    var device: String

    @Option(help: "physics (the model with fitted gains and offsets) or mlp.")
    var kind: Kind = .physics

    @Option(help: "Number of probes to measure.")
    var samples: Int = 400

    @Option(help: ArgumentHelp("Read probes from DIR (x.npy, theta.npy, y.npy, or a records export's inputs.npy, parameters.npy, outputs.npy) instead of measuring.", valueName: "DIR"))
    var from: String?

    @Option(help: "Model kind of the device (needed with --from; otherwise from `describe`).")
    var model: ModelKind?

    @Flag(name: .customLong("gains-only"), help: "Physics twin: fit only the drive gains and detector gains/offsets, not the physical constants.")
    var gainsOnly = false

    @Option(help: "Fitting iterations (physics) or epochs (mlp).")
    var iterations: Int?

    @Option(help: ArgumentHelp("Where to write the twin.", valueName: "FILE"))
    var output: String = "twin.json"

    @OptionGroup var source: DeviceSourceOptions
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var format: OutputOptions

    func validate() throws {
        guard samples >= 10 else { throw ValidationError("--samples must be at least 10, got \(samples)") }
        if let iterations, iterations < 1 { throw ValidationError("--iterations must be at least 1") }
        if from != nil && model == nil { throw ValidationError("--from needs --model (mechanical, electronic or shg)") }
    }

    struct Report: Encodable {
        var device: String
        var kind: String
        var samples: Int
        var heldOutRMSError: Double
        var nominalRMSError: Double
        var noiseFloorRMS: Double?
        var output: String
    }

    func run() async throws {
        let data: CalibrationData
        let modelKind: ModelKind
        var noise: Double?
        if let from {
            modelKind = model ?? .shg
            data = try Self.read(directory: from)
        } else {
            // In process, the simulated device set of `pnnd --simulate` says what the device is.
            let known = DaemonConfiguration.simulated.device(named: device)
            let kindName = model ?? known?.kind.model ?? .shg
            let session = try await DeviceSession.open(
                source: source.source, connection: connection, device: device, model: kindName,
                shape: known?.shape ?? ModelCatalog.mnistShape(kindName), ideal: false,
                reconnectSeconds: source.reconnectSeconds)
            do {
                let probes = try await CalibrationProbes.measure(on: session.backend, samples: samples)
                data = probes.data
                noise = probes.noiseFloor
                modelKind = model ?? ((session.backend as? DaemonBackend)?.info.model.flatMap(ModelKind.init(rawValue:)) ?? kindName)
                await session.close()
            } catch {
                await session.close()
                throw error
            }
        }
        let shape = ModelShape(inputs: data.inputs.shape[1], parameters: data.parameters.shape[1], outputs: data.outputs.shape[1])
        let nominal = PhysicsTwin(model: try ModelCatalog.make(modelKind, shape: shape))
        let split = max(1, data.count * 4 / 5)
        let (fitData, heldOut) = (data.rows(0 ..< split), data.rows(split ..< data.count))
        var file: TwinFile
        let fitted: any PNNTraining.Twin
        switch kind {
        case .physics:
            var twin = nominal
            if !gainsOnly {
                twin = try TwinFitter.fitPhysicalParameters(nominal, on: fitData, progress: { line in
                    if !format.json { StandardError.write("  " + line) }
                })
            }
            twin = try TwinFitter.fitPhysics(twin, on: fitData, iterations: iterations ?? 300)
            fitted = twin
            file = TwinFile(physics: twin, source: from ?? device)
        case .mlp:
            let twin = TwinFitter.fitMLP(shape: shape, on: fitData, hidden: [256, 256], epochs: iterations ?? 200)
            fitted = twin
            file = TwinFile(mlp: twin, model: modelKind, source: from ?? device)
        }
        let error = try TwinFitter.rmsError(fitted, on: heldOut)
        let nominalError = try TwinFitter.rmsError(nominal, on: heldOut)
        file.heldOutRMSError = error
        file.noiseFloorRMS = noise
        do {
            try file.write(to: output)
        } catch {
            throw CLIError.cannotCreate(error.message)
        }
        let report = Report(device: device, kind: kind.rawValue, samples: data.count, heldOutRMSError: error,
                            nominalRMSError: nominalError, noiseFloorRMS: noise, output: output)
        if format.json {
            try JSONOutput.print(report)
        } else {
            print("\(device): \(kind.rawValue) twin from \(data.count) probes (\(heldOut.count) held out)")
            print(String(format: "  held-out RMS error %.4g (nominal model %.4g)", error, nominalError)
                + (noise.map { String(format: ", noise floor %.4g", $0) } ?? ""))
            print("wrote \(output)")
        }
    }

    /// The two layouts of probe files: `pnn calibrate --output-dir` and `pnn records export` (whose
    /// parameters.npy repeats each run's θ on its rows, so it lines up with inputs.npy like theta.npy).
    static let probeFiles = [("x.npy", "theta.npy", "y.npy"), ("inputs.npy", "parameters.npy", "outputs.npy")]

    static func read(directory: String) throws -> CalibrationData {
        func path(_ name: String) -> String { (directory as NSString).appendingPathComponent(name) }
        guard let (x, theta, y) = probeFiles.first(where: { files in
            [files.0, files.1, files.2].allSatisfy { FileManager.default.fileExists(atPath: path($0)) }
        }) else {
            let layouts = probeFiles.map { "\($0.0), \($0.1) and \($0.2)" }.joined(separator: ", or ")
            throw CLIError.noInput("missing \(path("x.npy")): \(directory) holds neither \(layouts)")
        }
        do {
            return try CalibrationData(inputs: NPYFile.read(path(x)).tensor, parameters: NPYFile.read(path(theta)).tensor,
                                       outputs: NPYFile.read(path(y)).tensor)
        } catch let error as TrainingError {
            throw CLIError.dataError("\(directory): \(error.message)")
        }
    }
}
