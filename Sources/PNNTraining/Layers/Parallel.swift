import PNNCore

/// Several layers side by side: the input is cut into consecutive blocks, block k goes through
/// branch k, and the outputs are laid end to end. Parameters are the branches' vectors in order.
///
/// Its use is *width*: a physical device has a fixed number of drive bins, so a wider physical layer
/// is the same device played several times per batch with different parameters (time multiplexing),
/// each play a channel of `Parallel`. No weights of its own — it only routes blocks — so it is
/// allowed in physics-only networks.
///
/// Branches run one after another, never concurrently: a noisy device's readings depend on the order
/// of its measurements, and seeded runs must give the same parameters through pnnd and in process.
/// Physical channels on one device are still sent together (one `PhysicalBackend.submit`, pipelined
/// through pnnd), in channel order.
public struct Parallel: Layer {
    public let name: String
    public let branches: [any Layer]
    /// Where each branch's input, output and parameters start (one extra entry: the totals).
    let inputOffsets: [Int]
    let outputOffsets: [Int]
    let parameterOffsets: [Int]

    public init(name: String, branches: [any Layer]) throws(TrainingError) {
        guard !branches.isEmpty else { throw TrainingError(.invalidArgument, "\(name) needs at least one branch") }
        self.name = name
        self.branches = branches
        inputOffsets = branches.reduce(into: [0]) { $0.append($0[$0.count - 1] + $1.inputCount) }
        outputOffsets = branches.reduce(into: [0]) { $0.append($0[$0.count - 1] + $1.outputCount) }
        parameterOffsets = branches.reduce(into: [0]) { $0.append($0[$0.count - 1] + $1.parameterCount) }
    }

    /// The branches, when all are physical layers on one backend averaging as many acquisitions: their
    /// measurements then go out as one pipelined sequence (same order, same readings).
    var sharedDeviceChannels: [PhysicalLayer]? {
        let channels = branches.compactMap { $0 as? PhysicalLayer }
        guard channels.count == branches.count, channels.count > 1,
              channels.allSatisfy({ $0.backend === channels[0].backend && $0.acquisitions == channels[0].acquisitions })
        else { return nil }
        return channels
    }

    /// The branches' forward in two halves, when they are channels on one device.
    var splitForward: SplitForward? { sharedDeviceChannels.map { SplitForward(channels: $0) } }

    public var couplesSamples: Bool { branches.contains { $0.couplesSamples } }

    public var inputCount: Int { inputOffsets[branches.count] }
    public var outputCount: Int { outputOffsets[branches.count] }
    public var parameterCount: Int { parameterOffsets[branches.count] }

    func parameterSlice(_ p: [Double], _ k: Int) -> [Double] {
        Array(p[parameterOffsets[k] ..< parameterOffsets[k + 1]])
    }

    public func initialParameters(using rng: inout SeededGenerator) -> [Double] {
        branches.flatMap { $0.initialParameters(using: &rng) }
    }

    public func forward(_ x: Tensor<Double>, parameters p: [Double]) async throws(TrainingError) -> Tensor<Double> {
        try checkInput(x)
        try checkParameters(p)
        if let split = splitForward {
            return try await split.end(try await split.begin(x, parameters: p))
        }
        var parts: [Tensor<Double>] = []
        parts.reserveCapacity(branches.count)
        for (k, branch) in branches.enumerated() {
            parts.append(try await branch.forward(x.columns(inputOffsets[k] ..< inputOffsets[k + 1]),
                                                  parameters: parameterSlice(p, k)))
        }
        return Tensor(concatenatingColumns: parts)
    }

    public func backward(input x: Tensor<Double>, output y: Tensor<Double>, parameters p: [Double],
                         outputGradient g: Tensor<Double>) throws(TrainingError) -> LayerGradient {
        var inputParts: [Tensor<Double>] = [], parameters: [Double] = []
        parameters.reserveCapacity(parameterCount)
        for (k, branch) in branches.enumerated() {
            let outputs = outputOffsets[k] ..< outputOffsets[k + 1]
            let part = try branch.backward(input: x.columns(inputOffsets[k] ..< inputOffsets[k + 1]),
                                           output: y.columns(outputs), parameters: parameterSlice(p, k),
                                           outputGradient: g.columns(outputs))
            inputParts.append(part.input)
            parameters += part.parameters
        }
        return LayerGradient(input: Tensor(concatenatingColumns: inputParts), parameters: parameters)
    }

    public func inputPenalty(_ x: Tensor<Double>) -> (value: Double, gradient: Tensor<Double>)? {
        var value = 0.0, parts: [Tensor<Double>] = [], any = false
        for (k, branch) in branches.enumerated() {
            let block = x.columns(inputOffsets[k] ..< inputOffsets[k + 1])
            if let penalty = branch.inputPenalty(block) {
                any = true
                value += penalty.value
                parts.append(penalty.gradient)
            } else {
                parts.append(.zeros(block.shape))
            }
        }
        return any ? (value, Tensor(concatenatingColumns: parts)) : nil
    }

    public func project(_ p: inout [Double]) {
        for (k, branch) in branches.enumerated() {
            var part = parameterSlice(p, k)
            branch.project(&part)
            p.replaceSubrange(parameterOffsets[k] ..< parameterOffsets[k + 1], with: part)
        }
    }

    public func learningRateScales(_ p: [Double]) -> [Double]? {
        let scales = branches.enumerated().map { k, branch in branch.learningRateScales(parameterSlice(p, k)) }
        if scales.allSatisfy({ $0 == nil }) { return nil }
        return branches.indices.flatMap { k in
            scales[k] ?? [Double](repeating: 1, count: branches[k].parameterCount)
        }
    }
}
