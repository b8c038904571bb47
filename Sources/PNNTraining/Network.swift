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

    /// As `forward(_:parameters:)`, with the batch cut into `microBatches` consecutive slices that are
    /// interleaved through the physical layers: while the device measures one slice, the others'
    /// readings come back and go on through the digital layers, so pnnd's round trip and recording
    /// overlap the next measurement instead of adding to every layer (software pipelining; the
    /// device sees layer 1 of every slice, then layer 2 of every slice, …, always in the same order).
    ///
    /// The tape is the same as a whole-batch forward's up to the device's noise, which falls
    /// differently on a slice than on the batch. Falls back to the whole batch when a layer couples
    /// samples, a wide layer's channels are on different devices, or the device's queue is too short.
    public func forward(_ x: Tensor<Double>, parameters: [[Double]], microBatches: Int) async throws(TrainingError)
        -> Tape
    {
        guard parameters.count == layers.count else {
            throw TrainingError(.shapeMismatch, "\(layers.count) layers but \(parameters.count) parameter vectors")
        }
        guard x.rank == 2 else { throw TrainingError(.shapeMismatch, "network input must be a batch [B×N], got \(x.shape)") }
        var slices = min(microBatches, x.shape[0])
        guard slices > 1, !layers.contains(where: \.couplesSamples) else { return try await forward(x, parameters: parameters) }
        var stages: [SplitForward?] = []
        for layer in layers {
            let stage = Self.splitForward(of: layer)
            if stage == nil, !Self.physicalLayers(in: layer).isEmpty { return try await forward(x, parameters: parameters) }
            if let stage { slices = min(slices, stage.backend.submissionWindow / stage.batchesPerForward) }
            stages.append(stage)
        }
        guard slices > 1, stages.contains(where: { $0 != nil }) else { return try await forward(x, parameters: parameters) }

        let rows = x.shape[0]
        var activations: [[Tensor<Double>]] = (0 ..< slices).map { k in
            [x.rows(rows * k / slices ..< rows * (k + 1) / slices)]
        }
        var pending = [(stage: SplitForward, forward: SplitForward.Pending)?](repeating: nil, count: slices)
        do {
            // Every slice up to its first physical layer, then round-robin: take a slice's readings
            // and carry it to its next physical layer, whose drive queues behind the other slices'.
            for k in 0 ..< slices {
                pending[k] = try await advance(&activations[k], stages: stages, parameters: parameters)
            }
            while pending.contains(where: { $0 != nil }) {
                for k in 0 ..< slices {
                    guard let (stage, forward) = pending[k] else { continue }
                    pending[k] = nil
                    activations[k].append(try await stage.end(forward))
                    pending[k] = try await advance(&activations[k], stages: stages, parameters: parameters)
                }
            }
        } catch {
            // Take the readings already asked for, so the device and the connection stay in step.
            for case let (stage, forward)? in pending { _ = try? await stage.end(forward) }
            throw error
        }
        return Tape(activations: (0 ... layers.count).map { i in Tensor(concatenatingRows: activations.map { $0[i] }) })
    }

    /// The physical layer's forward in two halves, nil for a digital layer (or a mixed `Parallel`).
    static func splitForward(of layer: any Layer) -> SplitForward? {
        if let physical = layer as? PhysicalLayer { return SplitForward(channels: [physical]) }
        if let parallel = layer as? Parallel { return parallel.splitForward }
        return nil
    }

    /// Runs one slice's digital layers from where it stands; submits its next physical layer and
    /// returns that, or nil once the slice has reached the output.
    private func advance(_ activations: inout [Tensor<Double>], stages: [SplitForward?], parameters: [[Double]])
        async throws(TrainingError) -> (stage: SplitForward, forward: SplitForward.Pending)?
    {
        while activations.count <= layers.count {
            let i = activations.count - 1
            let current = activations[i]
            if let stage = stages[i] {
                return (stage, try await stage.begin(current, parameters: parameters[i]))
            }
            activations.append(try await layers[i].forward(current, parameters: parameters[i]))
        }
        return nil
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
