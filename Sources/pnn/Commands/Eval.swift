import ArgumentParser
import Foundation
import PNNTraining

/// `pnn eval CHECKPOINT`: held-out accuracy of a trained network on a device.
struct Eval: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Evaluate a trained checkpoint on a device (test split).")

    @Argument(help: "checkpoint.json written by `pnn train`.")
    var checkpoint: String

    @Option(name: .customLong("test-subset"), help: ArgumentHelp("Evaluate on a stratified subset of N test samples.", valueName: "N"))
    var testSubset: Int?

    @Option(help: ArgumentHelp("Dataset directory.", valueName: "DIR"))
    var data: String?

    // A noisy, drifting device reads the same parameters differently from pass to pass (the circuit's
    // test set: up to ~1.5 points apart), so one pass is a sample; several give its spread.
    @Option(name: .customLong("repeat"), help: ArgumentHelp("Measure the test set N times in a row and report each pass, their mean and spread (1…100).",
                               valueName: "N"))
    var passes: Int = 1

    @OptionGroup var source: DeviceSourceOptions
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var format: OutputOptions

    struct Report: Encodable {
        var experiment: String
        var trainedMode: TrainingMode
        var device: String
        var gap: String
        var testSamples: Int
        /// Mean over the passes.
        var testAccuracy: Double
        /// Each pass, in order.
        var testAccuracies: [Double]
        /// Sample standard deviation over the passes (0 for one pass).
        var testAccuracySD: Double
        /// Mean over the passes.
        var testLoss: Double
        var deviceCalls: Int
    }

    func validate() throws {
        if let testSubset, testSubset < 1 { throw ValidationError("--test-subset must be at least 1, got \(testSubset)") }
        guard (1 ... 100).contains(passes) else { throw ValidationError("--repeat must be 1…100, got \(passes)") }
    }

    func run() async throws {
        let stored = try TrainingCLI.loadCheckpoint(checkpoint)
        let experiment: Experiment
        do {
            experiment = try ExperimentCatalog.named(stored.experiment)
        } catch {
            throw CLIError.dataError("\(checkpoint): \(error.message)")
        }
        let twin: any Twin
        do {
            twin = try stored.twin.makeTwin()
        } catch {
            throw CLIError.dataError("\(checkpoint): \(error.message)")
        }
        let data = try TrainingCLI.loadData(experiment, directory: data, subset: 1, testSubset: testSubset)
        let session = try await DeviceSession.open(
            source: source.source, connection: connection, device: source.device ?? experiment.defaultDevice,
            model: experiment.model, shape: experiment.deviceShape, ideal: false,
            reconnectSeconds: source.reconnectSeconds)
        do {
            let network = try experiment.network(backend: session.backend, twin: twin)
            do {
                try stored.validate(against: network)
            } catch {
                throw CLIError.dataError("\(checkpoint): \(error.message)")
            }
            let trainer = try Trainer(settings: stored.settings)
            var accuracies: [Double] = [], losses: [Double] = []
            for _ in 0 ..< passes {
                let result = try await trainer.evaluate(network, parameters: stored.parameters, on: data.test)
                accuracies.append(result.accuracy)
                losses.append(result.loss)
            }
            let mean = accuracies.reduce(0, +) / Double(accuracies.count)
            let sd = accuracies.count < 2 ? 0
                : (accuracies.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(accuracies.count - 1)).squareRoot()
            let report = Report(experiment: experiment.name, trainedMode: stored.mode, device: session.backend.label,
                                gap: session.gapName, testSamples: data.test.count, testAccuracy: mean,
                                testAccuracies: accuracies, testAccuracySD: sd,
                                testLoss: losses.reduce(0, +) / Double(losses.count), deviceCalls: session.backend.calls)
            await session.close()
            if format.json {
                try JSONOutput.print(report)
            } else {
                print("\(report.experiment) (trained \(report.trainedMode.rawValue)) on \(report.device), gap \(report.gap): test accuracy \(TrainingCLI.percent(report.testAccuracy)) on \(report.testSamples) samples, loss \(String(format: "%.4f", report.testLoss))")
                if report.testAccuracies.count > 1 {
                    let list = report.testAccuracies.map { TrainingCLI.percent($0) }.joined(separator: ", ")
                    print("  mean of \(report.testAccuracies.count) passes: \(list); standard deviation \(String(format: "%.2f", 100 * report.testAccuracySD)) points")
                }
            }
        } catch {
            await session.close()
            throw error
        }
    }
}
