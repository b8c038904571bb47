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

    @OptionGroup var source: DeviceSourceOptions
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var format: OutputOptions

    struct Report: Encodable {
        var experiment: String
        var trainedMode: TrainingMode
        var device: String
        var gap: String
        var testSamples: Int
        var testAccuracy: Double
        var testLoss: Double
        var deviceCalls: Int
    }

    func run() async throws {
        let stored: Checkpoint
        do {
            stored = try Checkpoint.read(from: checkpoint)
        } catch {
            throw FileManager.default.fileExists(atPath: checkpoint) ? CLIError.dataError(error.message) : CLIError.noInput(error.message)
        }
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
            model: experiment.model, shape: experiment.deviceShape, ideal: false)
        do {
            let network = try experiment.network(backend: session.backend, twin: twin)
            do {
                try stored.validate(against: network)
            } catch {
                throw CLIError.dataError("\(checkpoint): \(error.message)")
            }
            let trainer = try Trainer(settings: stored.settings)
            let result = try await trainer.evaluate(network, parameters: stored.parameters, on: data.test)
            let report = Report(experiment: experiment.name, trainedMode: stored.mode, device: session.backend.label,
                                gap: session.gapName, testSamples: data.test.count, testAccuracy: result.accuracy,
                                testLoss: result.loss, deviceCalls: session.backend.calls)
            await session.close()
            if format.json {
                try JSONOutput.print(report)
            } else {
                print("\(report.experiment) (trained \(report.trainedMode.rawValue)) on \(report.device), gap \(report.gap): test accuracy \(TrainingCLI.percent(report.testAccuracy)) on \(report.testSamples) samples, loss \(String(format: "%.4f", report.testLoss))")
            }
        } catch {
            await session.close()
            throw error
        }
    }
}
