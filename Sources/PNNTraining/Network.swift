import PNNCore

/// A feed-forward stack of layers with one flat parameter vector per layer.
public struct Network: Sendable {
    public let layers: [any Layer]

    public init(_ layers: [any Layer]) throws(TrainingError) {
        for (a, b) in zip(layers, layers.dropFirst()) where a.outputCount != b.inputCount {
            throw TrainingError(.shapeMismatch,
                                "\(a.name) gives \(a.outputCount) features but \(b.name) takes \(b.inputCount)")
        }
        self.layers = layers
    }

    public var inputCount: Int { layers.first?.inputCount ?? 0 }
    public var outputCount: Int { layers.last?.outputCount ?? 0 }
    /// Every physical layer, the channels of a `Parallel` included.
    public var physicalLayers: [PhysicalLayer] { layers.flatMap(Self.physicalLayers(in:)) }

    static func physicalLayers(in layer: any Layer) -> [PhysicalLayer] {
        if let physical = layer as? PhysicalLayer { return [physical] }
        if let parallel = layer as? Parallel { return parallel.branches.flatMap(physicalLayers(in:)) }
        return []
    }

    /// Seeded starting parameters, projected into their ranges.
    public func initialParameters(seed: UInt64) -> [[Double]] {
        var rng = SeededGenerator(seed: seed)
        return layers.map { layer in
            var p = layer.initialParameters(using: &rng)
            layer.project(&p)
            return p
        }
    }

    /// Data-driven start: runs `sample` through the network layer by layer and lets each
    /// calibrated `ElementwiseAffine` choose its scale and offset from what actually arrives there
    /// (measured outputs, in PAT). One forward per layer.
    public func calibrate(_ parameters: inout [[Double]], sample: Tensor<Double>) async throws(TrainingError) {
        var current = sample
        for (i, layer) in layers.enumerated() {
            if let affine = layer as? ElementwiseAffine, let p = affine.calibratedParameters(for: current) {
                parameters[i] = p
            }
            current = try await layer.forward(current, parameters: parameters[i])
        }
    }

    /// Every layer's input plus the final output: activations[i] feeds layer i; the last is the output.
    public struct Tape: Sendable {
        public var activations: [Tensor<Double>]
        public var output: Tensor<Double> { activations[activations.count - 1] }
    }

    public func forward(_ x: Tensor<Double>, parameters: [[Double]]) async throws(TrainingError) -> Tape {
        guard parameters.count == layers.count else {
            throw TrainingError(.shapeMismatch, "\(layers.count) layers but \(parameters.count) parameter vectors")
        }
        var activations = [x]
        activations.reserveCapacity(layers.count + 1)
        var current = x
        for (layer, p) in zip(layers, parameters) {
            current = try await layer.forward(current, parameters: p)
            activations.append(current)
        }
        return Tape(activations: activations)
    }

    /// Parameter gradients for ∂L/∂output, plus the layers' input penalties (value added to the loss).
    public func backward(_ tape: Tape, parameters: [[Double]], outputGradient: Tensor<Double>)
        throws(TrainingError) -> (gradients: [[Double]], penalty: Double)
    {
        var gradients = [[Double]](repeating: [], count: layers.count)
        var g = outputGradient
        var penalty = 0.0
        for i in layers.indices.reversed() {
            let layer = layers[i]
            let result = try layer.backward(input: tape.activations[i], output: tape.activations[i + 1],
                                            parameters: parameters[i], outputGradient: g)
            gradients[i] = result.parameters
            g = result.input
            if let extra = layer.inputPenalty(tape.activations[i]) {
                penalty += extra.value
                for j in g.scalars.indices { g.scalars[j] += extra.gradient.scalars[j] }
            }
        }
        return (gradients, penalty)
    }
}
