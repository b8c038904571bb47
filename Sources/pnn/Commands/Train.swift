import ArgumentParser
import Foundation
import PNNCore
import PNNData
import PNNTraining

/// `pnn train EXPERIMENT`: trains a PNN with physics-aware training (or in silico / ideal) and writes
/// metrics, checkpoint and plots.
struct Train: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a physical neural network (PAT, in silico, or ideal) on a device.",
        discussion: """
            Experiments: \(ExperimentCatalog.all.map(\.name).joined(separator: ", ")). Every run also trains \
            the digital-only baseline (physical layers replaced by the identity) and reports its test \
            accuracy. Files written to --out: metrics.csv, checkpoint.json, curves.svg, confusion.svg, \
            response.svg.
            """)

    @Argument(help: "Experiment name.")
    var experiment: String

    @Option(help: "pat (device forward, twin backward), insilico (twin only, evaluated on the device), ideal (no reality gap).")
    var mode: TrainingMode = .pat

    @Option(help: "Epochs (default: the experiment's).")
    var epochs: Int?

    @Option(help: ArgumentHelp("Train on a stratified subset of N samples.", valueName: "N"))
    var subset: Int?

    @Option(name: .customLong("test-subset"), help: ArgumentHelp("Evaluate on a stratified subset of N test samples.", valueName: "N"))
    var testSubset: Int?

    @Option(help: "Seed of initialisation, shuffling and input noise (default: the experiment's).")
    var seed: UInt64?

    @Option(name: .customLong("learning-rate"), help: "Learning rate (default: the experiment's).")
    var learningRate: Double?

    @Option(name: .customLong("input-noise"), help: "Std. dev. of Gaussian noise added to the inputs while training (default: the experiment's).")
    var inputNoise: Double?

    @Option(name: .customLong("micro-batches"), help: ArgumentHelp("Cut each batch into N slices interleaved through the device, so pnnd measures one while the others travel (default: the experiment's, 1).", valueName: "N"))
    var microBatches: Int?

    @Option(help: ArgumentHelp("Twin file from `pnn twin fit` (default: the nominal physics model).", valueName: "FILE"))
    var twin: String?

    @Option(help: ArgumentHelp("Dataset directory (default: $PNN_DATASETS, ../shared/datasets, /usr/share/datasets …).", valueName: "DIR"))
    var data: String?

    @Option(help: ArgumentHelp("Output directory (default: runs/EXPERIMENT-MODE).", valueName: "DIR"))
    var out: String?

    @Flag(name: .customLong("no-baseline"), help: "Skip the digital-only baseline.")
    var noBaseline = false

    @Option(help: ArgumentHelp(
        "Continue the run that wrote this checkpoint from its last complete epoch (same experiment, mode and --subset; settings and twin come from the checkpoint).",
        valueName: "CHECKPOINT"))
    var resume: String?

    @OptionGroup var source: DeviceSourceOptions
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var format: OutputOptions

    func validate() throws {
        if mode == .baseline { throw ValidationError("the baseline is trained with every run; choose pat, insilico or ideal") }
        if let epochs, epochs < 1 { throw ValidationError("--epochs must be at least 1, got \(epochs)") }
        if let subset, subset < 1 { throw ValidationError("--subset must be at least 1, got \(subset)") }
        if let testSubset, testSubset < 1 { throw ValidationError("--test-subset must be at least 1, got \(testSubset)") }
        if let inputNoise, !(inputNoise >= 0 && inputNoise.isFinite) {
            throw ValidationError("--input-noise must be a number ≥ 0, got \(inputNoise)")
        }
        if let microBatches, !TrainingSettings.microBatchLimits.contains(microBatches) {
            throw ValidationError("--micro-batches must be \(TrainingSettings.microBatchLimits.lowerBound)…\(TrainingSettings.microBatchLimits.upperBound), got \(microBatches)")
        }
        if let learningRate, !(learningRate > 0 && learningRate.isFinite) {
            throw ValidationError("--learning-rate must be a positive number, got \(learningRate)")
        }
        if resume != nil {
            let fixed: [(String, Bool)] = [("--epochs", epochs != nil), ("--seed", seed != nil),
                                           ("--learning-rate", learningRate != nil), ("--input-noise", inputNoise != nil),
                                           ("--micro-batches", microBatches != nil), ("--twin", twin != nil)]
            if let (option, _) = fixed.first(where: \.1) {
                throw ValidationError("\(option) comes from the checkpoint with --resume")
            }
        }
    }

    func run() async throws {
        let experiment: Experiment
        do {
            experiment = try ExperimentCatalog.named(self.experiment)
        } catch {
            throw CLIError.usage(error.message)
        }
        var settings = experiment.settings
        if let epochs {
            settings.epochs = epochs
            if case .cosine(_, let floor) = settings.schedule { settings.schedule = .cosine(epochs: epochs, floor: floor) }
        }
        if let seed { settings.seed = seed }
        if let learningRate { settings.learningRate = learningRate }
        if let inputNoise { settings.inputNoise = inputNoise }
        if let microBatches { settings.microBatches = microBatches }
        let data = try TrainingCLI.loadData(experiment, directory: data, subset: subset, testSubset: testSubset)
        let twin: any Twin
        var resumed: TrainingState?
        if let resume {
            let checkpoint = try TrainingCLI.loadCheckpoint(resume)
            guard checkpoint.experiment == experiment.name, checkpoint.mode == mode else {
                throw CLIError.usage("\(resume) is a \(checkpoint.experiment) run in mode \(checkpoint.mode.rawValue), not \(experiment.name) in mode \(mode.rawValue)")
            }
            guard let state = checkpoint.training else {
                throw CLIError.dataError("\(resume) holds no training state to resume: the run completed, no epoch of it had completed, or an older pnn wrote it")
            }
            guard state.epochsDone < checkpoint.settings.epochs else {
                throw CLIError.usage("\(resume): the run already completed all \(checkpoint.settings.epochs) epochs")
            }
            settings = checkpoint.settings
            do {
                twin = try checkpoint.twin.makeTwin()
            } catch {
                throw CLIError.dataError("\(resume): \(error.message)")
            }
            resumed = state
            StandardError.write("note: resuming \(resume) after epoch \(state.epochsDone) of \(settings.epochs)")
        } else {
            twin = try TrainingCLI.loadTwin(self.twin, experiment: experiment)
        }
        let outDirectory = out ?? "runs/\(experiment.name)-\(mode.rawValue)"

        let session = try await DeviceSession.open(
            source: source.source, connection: connection, device: source.device ?? experiment.defaultDevice,
            model: experiment.model, shape: experiment.deviceShape, ideal: mode == .ideal,
            reconnectSeconds: source.reconnectSeconds)
        var stoppedBy: (signal: Int32, epoch: Int)?
        do {
            let run = try ExperimentRun(experiment: experiment, mode: mode, settings: settings, device: session.backend,
                                        twin: twin, trainBaseline: !noBaseline)
            let reporter = ProgressReporter(title: "\(experiment.name) \(mode.rawValue)", epochs: settings.epochs,
                                            startingAfter: resumed?.epochsDone ?? 0)
            let stop = StopRequest { signal in
                StandardError.write("\nnote: \(StopRequest.name(of: signal)): stopping after this batch, then evaluating and writing the results so far (again to abort)")
            }
            defer { stop.cancel() }
            let result = try await run.run(
                train: data.train, test: data.test, gapName: session.gapName,
                progress: { reporter.report($0) }, shouldStop: { stop.isRequested }, resumingFrom: resumed,
                keepPartial: { partial in
                    // The device is gone, so nothing can be evaluated; keep what training reached.
                    do {
                        try RunReport.write(partial, run: run, to: outDirectory)
                        StandardError.write("note: training failed after \(partial.history.count) of \(settings.epochs) epochs; wrote metrics.csv and checkpoint.json (the parameters it reached) to \(outDirectory)")
                    } catch {
                        StandardError.write("note: training failed, and its partial results could not be written either: \(error)")
                    }
                })
            let files = try await RunReport.write(result, run: run, classNames: data.classNames, test: data.test,
                                                  to: outDirectory)
            await session.close()
            var summary = result.summary
            summary.outputDirectory = outDirectory
            if format.json {
                try JSONOutput.print(summary)
            } else {
                TrainingCLI.printSummary(summary)
                print("wrote \(files.map { ($0 as NSString).lastPathComponent }.joined(separator: ", ")) to \(outDirectory)")
            }
            if let signal = stop.signal, let epoch = summary.stoppedInEpoch {
                stoppedBy = (signal, epoch)
            }
        } catch {
            await session.close()
            throw error
        }
        if let (signal, epoch) = stoppedBy {
            StandardError.write("note: stopped by \(StopRequest.name(of: signal)) in epoch \(epoch) of \(settings.epochs); the figures are for the parameters at that point")
            throw ExitCode(StopRequest.exitStatus(for: signal))
        }
    }
}

/// Shared pieces of the training verbs.
enum TrainingCLI {
    static func loadData(_ experiment: Experiment, directory: String?, subset: Int?, testSubset: Int?) throws -> ExperimentData {
        do {
            return try ExperimentData.load(experiment, directory: directory, trainSubset: subset, testSubset: testSubset)
        } catch {
            switch error.kind {
            case .fileNotFound, .datasetNotFound, .notReadable: throw CLIError.noInput("\(error)")
            default: throw CLIError.dataError("\(error)")
            }
        }
    }

    static func loadCheckpoint(_ path: String) throws -> Checkpoint {
        try readFile(path, Checkpoint.read(from:))
    }

    /// `read(path)`, its failure as the CLI reports it: a missing file is no input (66), one that is
    /// there but does not parse is bad data (65).
    static func readFile<T>(_ path: String, _ read: (String) throws(TrainingError) -> T) throws -> T {
        do {
            return try read(path)
        } catch {
            throw FileManager.default.fileExists(atPath: path) ? CLIError.dataError(error.message) : CLIError.noInput(error.message)
        }
    }

    static func loadTwin(_ path: String?, experiment: Experiment) throws -> any Twin {
        guard let path else { return PhysicsTwin(model: try experiment.nominalModel()) }
        let file = try readFile(path, TwinFile.read(from:))
        guard file.model == experiment.model, file.shape == experiment.deviceShape else {
            throw CLIError.dataError("twin \(path) models a \(file.model.rawValue) device of shape \(file.shape); \(experiment.name) needs \(experiment.model.rawValue) \(experiment.deviceShape)")
        }
        do {
            return try file.makeTwin()
        } catch {
            throw CLIError.dataError(error.message)
        }
    }

    static func percent(_ x: Double?) -> String { x.map { String(format: "%.1f %%", 100 * $0) } ?? "—" }

    static func printSummary(_ s: RunSummary) {
        var epochs = s.stoppedInEpoch.map { "stopped in epoch \($0) of \(s.epochs)" } ?? "\(s.epochs) epochs"
        if let done = s.resumedFromEpoch { epochs += " (resumed after epoch \(done))" }
        print("\(s.experiment) [\(s.mode.rawValue)] on \(s.device) (gap \(s.gap)), seed \(s.seed), \(epochs), \(s.trainSamples) train / \(s.testSamples) test samples")
        print("  test accuracy (device):      \(percent(s.testAccuracy))")
        if let twin = s.twinTestAccuracy { print("  test accuracy on the twin:   \(percent(twin))") }
        print("  digital-only baseline:       \(percent(s.baselineTestAccuracy))")
        print("  train accuracy:              \(percent(s.trainAccuracy))")
        print(String(format: "  wall time %.1f s, %d device calls", s.wallSeconds, s.deviceCalls))
        if let n = s.reconnections { print("  reconnected to pnnd \(n) time\(n == 1 ? "" : "s") (a restarted daemon measured part of the run)") }
    }
}

