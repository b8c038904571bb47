import Foundation
import PNNCore
import PNNData

/// Writes a run's files: metrics.csv, checkpoint.json, summary.json and the SVG plots.
public enum RunReport {
    /// One line per epoch; baseline figures in their own columns (empty when not trained).
    public static func metricsCSV(history: [EpochRecord], baseline: [EpochRecord]) -> String {
        var out = "epoch,learning_rate,train_loss,train_accuracy,test_loss,test_accuracy,elapsed_seconds,device_calls,baseline_train_accuracy,baseline_test_accuracy\n"
        for (i, r) in history.enumerated() {
            let b = i < baseline.count ? baseline[i] : nil
            let fields: [String] = [
                "\(r.epoch)", "\(r.learningRate)", "\(r.trainLoss)", "\(r.trainAccuracy)",
                r.testLoss.map { "\($0)" } ?? "", r.testAccuracy.map { "\($0)" } ?? "",
                String(format: "%.3f", r.elapsedSeconds), "\(r.deviceCalls)",
                b.map { "\($0.trainAccuracy)" } ?? "", b?.testAccuracy.map { "\($0)" } ?? "",
            ]
            out += fields.joined(separator: ",") + "\n"
        }
        return out
    }

    /// Loss and accuracy curves (train, test, and the baseline's test accuracy).
    public static func curves(_ title: String, history: [EpochRecord], baseline: [EpochRecord]) -> String {
        let loss = LinePlot(title: "\(title): loss", xLabel: "epoch", yLabel: "cross-entropy", xStart: 1, series: [
            .init(label: "train", values: history.map(\.trainLoss), color: "#1f77b4"),
            .init(label: "test (device)", values: history.map { $0.testLoss ?? .nan }, color: "#d62728"),
        ])
        var accuracySeries: [LinePlot.Series] = [
            .init(label: "train", values: history.map(\.trainAccuracy), color: "#1f77b4"),
            .init(label: "test (device)", values: history.map { $0.testAccuracy ?? .nan }, color: "#d62728"),
        ]
        if !baseline.isEmpty {
            accuracySeries.append(.init(label: "digital baseline, test", values: baseline.map { $0.testAccuracy ?? .nan },
                                        color: "#7f7f7f", dashed: true))
        }
        let accuracy = LinePlot(title: "\(title): accuracy", xLabel: "epoch", yLabel: "accuracy", xStart: 1,
                                series: accuracySeries)
        return Figure(panels: [loss, accuracy]).svg()
    }

    /// One physical layer's drive (what was sent) and response (measured vs the twin's prediction).
    public static func response(_ title: String, drive: [Double], measured: [Double], twin: [Double]) -> String {
        Figure(panels: [
            LinePlot(title: "\(title): drive sent to the device", xLabel: "drive channel", yLabel: "drive",
                     series: [.init(label: "x", values: drive, color: "#2ca02c")]),
            LinePlot(title: "\(title): response", xLabel: "detector bin", yLabel: "output", series: [
                .init(label: "measured", values: measured, color: "#d62728"),
                .init(label: "twin", values: twin, color: "#1f77b4", dashed: true),
            ]),
        ]).svg()
    }

    static func write(_ text: String, to path: String) throws(TrainingError) {
        do {
            try text.write(toFile: path, atomically: true, encoding: .utf8)
        } catch {
            throw TrainingError(.file, "cannot write \(path): \(error.localizedDescription)")
        }
    }

    /// What a run that failed part-way can still write: metrics.csv of its epochs so far and a
    /// checkpoint (without summary) of the parameters it reached, for `pnn eval` once the device is back.
    @discardableResult
    public static func write(_ partial: ExperimentRun.Partial, run: ExperimentRun, to directory: String)
        throws(TrainingError) -> [String]
    {
        try makeDirectory(directory)
        let metrics = directory + "/metrics.csv"
        try write(metricsCSV(history: partial.history, baseline: []), to: metrics)
        let checkpointPath = directory + "/checkpoint.json"
        try Checkpoint(experiment: run.experiment.name, mode: run.mode, settings: run.settings,
                       layerNames: partial.layerNames, parameters: partial.parameters,
                       twin: try twinFile(run), summary: nil, training: partial.trainingState).write(to: checkpointPath)
        return [metrics, checkpointPath]
    }

    private static func makeDirectory(_ directory: String) throws(TrainingError) {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw TrainingError(.file, "cannot create \(directory): \(error.localizedDescription)")
        }
    }

    private static func twinFile(_ run: ExperimentRun) throws(TrainingError) -> TwinFile {
        if let physics = run.twin as? PhysicsTwin { return TwinFile(physics: physics) }
        if let mlp = run.twin as? MLPTwin { return TwinFile(mlp: mlp, model: run.experiment.model) }
        throw TrainingError(.invalidArgument, "twin of type \(type(of: run.twin)) cannot be saved")
    }

    /// Writes everything for `result` into `directory` (created if needed); returns the files written.
    @discardableResult
    public static func write(_ result: ExperimentRun.Result, run: ExperimentRun, classNames: [String],
                             test: Dataset, to directory: String) async throws(TrainingError) -> [String] {
        try makeDirectory(directory)
        var files: [String] = []
        func put(_ name: String, _ text: String) throws(TrainingError) {
            let path = directory + "/" + name
            try write(text, to: path)
            files.append(path)
        }
        let title = "\(run.experiment.name) (\(run.mode.rawValue))"
        try put("metrics.csv", metricsCSV(history: result.history, baseline: result.baselineHistory))
        try put("curves.svg", curves(title, history: result.history, baseline: result.baselineHistory))
        try put("confusion.svg", ConfusionMatrixPlot(title: "\(title): test confusion (device)",
                                                     classNames: classNames, counts: result.test.confusion).svg())
        // Response of the first physical layer to the first test sample, measured and predicted.
        let network = result.deviceNetwork
        // (The first channel when the layer is a `Parallel` bank of channels.)
        if let index = network.layers.firstIndex(where: { !Network.physicalLayers(in: $0).isEmpty }), test.count > 0 {
            let stage = network.layers[index]
            let layer = Network.physicalLayers(in: stage)[0]
            let tape = try await network.forward(test.subset(first: 1).features, parameters: result.parameters)
            let drive = layer.clamped(tape.activations[index].columns(0 ..< layer.inputCount))
            let measured = tape.activations[index + 1].columns(0 ..< layer.outputCount)
            let predicted = try layer.twin.predict(drive, Array(result.parameters[index].prefix(layer.parameterCount)))
            try put("response.svg", response("\(layer.name), first test sample", drive: drive.scalars,
                                             measured: measured.scalars, twin: predicted.scalars))
        }
        var summary = result.summary
        summary.outputDirectory = directory
        let checkpoint = Checkpoint(experiment: run.experiment.name, mode: run.mode, settings: run.settings,
                                    layerNames: network.layers.map(\.name), parameters: result.parameters,
                                    twin: try twinFile(run), summary: summary,
                                    // Only a run that stopped early can be resumed; the state (parameters
                                    // plus two optimiser moments) would make every checkpoint 3–4× larger.
                                    training: result.summary.stoppedInEpoch == nil ? nil : result.trainingState)
        let checkpointPath = directory + "/checkpoint.json"
        try checkpoint.write(to: checkpointPath)
        files.append(checkpointPath)
        return files
    }
}
