import Foundation
import PNNCore
import PNNPhysics

/// A twin on disk (`pnn twin fit` writes it, `pnn train --twin` reads it): the model kind and shape
/// with its fitted calibration, or an MLP's weights.
public struct TwinFile: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable { case physics, mlp }

    public var kind: Kind
    public var model: ModelKind
    public var shape: ModelShape
    /// Physics twin: the fitted model configuration (nil: the kind's nominal one at `shape`).
    public var configuration: ModelConfiguration?
    /// Physics twin: drive-channel gains s [N], detector gains g [M] and offsets c [M].
    public var inputGain: [Double]?
    public var outputGain: [Double]?
    public var outputOffset: [Double]?
    /// MLP twin weights.
    public var mlp: MLPTwin.Weights?
    /// Held-out error of the fit, in output units (RMS), and the device's noise floor for comparison.
    public var heldOutRMSError: Double?
    public var noiseFloorRMS: Double?
    /// Where the fitting data came from.
    public var source: String?

    public init(physics twin: PhysicsTwin, source: String? = nil) {
        kind = .physics
        model = twin.model.kind
        shape = twin.shape
        inputGain = twin.inputGain
        outputGain = twin.outputGain
        outputOffset = twin.outputOffset
        configuration = (twin.model as? any FittableModel)?.storedConfiguration
        self.source = source
    }

    public init(mlp twin: MLPTwin, model: ModelKind, source: String? = nil) {
        kind = .mlp
        self.model = model
        shape = twin.shape
        mlp = twin.weights
        self.source = source
    }

    /// The twin this file describes (the physics twin's model at nominal parameters and this shape).
    public func makeTwin() throws(TrainingError) -> any Twin {
        switch kind {
        case .physics:
            let base: any PhysicalModel
            do {
                base = try configuration.map { c throws(ModelError) in try c.makeModel() } ?? ModelCatalog.make(model, shape: shape)
            } catch {
                throw TrainingError(.file, "twin model \(model) \(shape): \(error)")
            }
            guard base.kind == model, base.shape == shape else {
                throw TrainingError(.file, "twin file describes a \(model) \(shape) but its configuration gives \(base.kind) \(base.shape)")
            }
            var twin = PhysicsTwin(model: base)
            if let s = inputGain, s.count == shape.inputs { twin.inputGain = s }
            if let g = outputGain, g.count == shape.outputs { twin.outputGain = g }
            if let c = outputOffset, c.count == shape.outputs { twin.outputOffset = c }
            return twin
        case .mlp:
            guard let weights = mlp else { throw TrainingError(.file, "MLP twin file has no weights") }
            return try MLPTwin(weights: weights)
        }
    }

    public func write(to path: String) throws(TrainingError) {
        try JSONDocument.write(self, to: path, what: "twin")
    }

    public static func read(from path: String) throws(TrainingError) -> TwinFile {
        try JSONDocument.read(TwinFile.self, from: path, what: "twin")
    }
}
