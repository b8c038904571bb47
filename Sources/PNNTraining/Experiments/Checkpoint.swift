import Foundation
import PNNPhysics

/// A trained network on disk: enough to evaluate it again on a device (`pnn eval`) or to resume.
///
/// JSON, because a person may want to look inside; parameters are Float64 (round-trip exact).
public struct Checkpoint: Codable, Sendable, Equatable {
    public static let formatVersion = 1

    public var format: Int = Self.formatVersion
    public var experiment: String
    public var mode: TrainingMode
    public var settings: TrainingSettings
    /// Layer names, in order, with their parameters.
    public var layers: [LayerParameters]
    /// The twin used for backward passes (and for forward passes in silico).
    public var twin: TwinFile
    public var summary: RunSummary?
    /// Where training stood after its last complete epoch, for `pnn train --resume` (absent in
    /// checkpoints written before resuming existed, and when no epoch completed).
    public var training: TrainingState?

    public struct LayerParameters: Codable, Sendable, Equatable {
        public var name: String
        public var values: [Double]
    }

    public init(experiment: String, mode: TrainingMode, settings: TrainingSettings, layerNames: [String],
                parameters: [[Double]], twin: TwinFile, summary: RunSummary?, training: TrainingState? = nil) {
        self.experiment = experiment
        self.mode = mode
        self.settings = settings
        layers = zip(layerNames, parameters).map { LayerParameters(name: $0, values: $1) }
        self.twin = twin
        self.summary = summary
        self.training = training
    }

    public var parameters: [[Double]] { layers.map(\.values) }

    public func write(to path: String) throws(TrainingError) {
        try JSONDocument.write(self, to: path, what: "checkpoint")
    }

    public static func read(from path: String) throws(TrainingError) -> Checkpoint {
        let checkpoint = try JSONDocument.read(Checkpoint.self, from: path, what: "checkpoint")
        guard checkpoint.format == formatVersion else {
            throw TrainingError(.file, "\(path): checkpoint format \(checkpoint.format), this pnn reads \(formatVersion)")
        }
        return checkpoint
    }

    /// Checks the stored parameters fit `network` layer by layer.
    public func validate(against network: Network) throws(TrainingError) {
        guard layers.count == network.layers.count else {
            throw TrainingError(.file, "checkpoint has \(layers.count) layers, experiment \(experiment) has \(network.layers.count)")
        }
        for (stored, layer) in zip(layers, network.layers) {
            guard stored.name == layer.name, stored.values.count == layer.parameterCount,
                  stored.values.allSatisfy(\.isFinite) else {
                throw TrainingError(.file, "checkpoint layer \(stored.name) (\(stored.values.count) values) does not fit \(layer.name) (\(layer.parameterCount) parameters)")
            }
        }
    }
}
