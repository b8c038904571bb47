#if canImport(Glibc)
import Glibc
#endif

/// First-order optimisers over a network's per-layer parameter vectors.
public enum OptimizerKind: Sendable, Codable, Equatable {
    /// SGD with heavy-ball momentum μ.
    case sgd(momentum: Double)
    /// Adam (Kingma & Ba) with the usual β₁ = 0.9, β₂ = 0.999, ε = 1e-8 unless given.
    case adam(beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-8)
}

/// Optimiser state (momentum / moment estimates) for one network.
public struct Optimizer: Sendable {
    public let kind: OptimizerKind
    private var first: [[Double]]
    private var second: [[Double]]
    public private(set) var steps = 0

    public init(_ kind: OptimizerKind, shapes: [Int]) {
        self.kind = kind
        first = shapes.map { [Double](repeating: 0, count: $0) }
        second = shapes.map { [Double](repeating: 0, count: $0) }
    }

    /// The moment estimates and step count, to store and continue from (a resumed training run).
    public struct State: Codable, Sendable, Equatable {
        public var first: [[Double]]
        public var second: [[Double]]
        public var steps: Int
    }

    public var state: State { State(first: first, second: second, steps: steps) }

    /// Continues from `state`, which must have been taken from an optimiser over parameters of `shapes`.
    public init(_ kind: OptimizerKind, shapes: [Int], state: State) throws(TrainingError) {
        guard state.first.map(\.count) == shapes, state.second.map(\.count) == shapes, state.steps >= 0,
              state.first.allSatisfy({ $0.allSatisfy(\.isFinite) }), state.second.allSatisfy({ $0.allSatisfy(\.isFinite) })
        else {
            throw TrainingError(.file, "the stored optimiser state does not fit this network's parameters")
        }
        self.kind = kind
        first = state.first
        second = state.second
        steps = state.steps
    }

    /// One step p ← p − lr·s·update(g) on every layer; `scales` (per layer, per parameter, optional)
    /// are the parameters' natural sizes s (`Layer.learningRateScales`).
    public mutating func step(_ parameters: inout [[Double]], gradients: [[Double]], learningRate: Double,
                              scales: [[Double]?]? = nil) {
        steps += 1
        for l in parameters.indices {
            let g = gradients[l]
            let s = scales?[l]
            func rate(_ i: Int) -> Double { learningRate * (s?[i] ?? 1) }
            switch kind {
            case .sgd(let momentum):
                for i in parameters[l].indices {
                    first[l][i] = momentum * first[l][i] + g[i]
                    parameters[l][i] -= rate(i) * first[l][i]
                }
            case .adam(let beta1, let beta2, let epsilon):
                let c1 = 1 - pow(beta1, Double(steps)), c2 = 1 - pow(beta2, Double(steps))
                for i in parameters[l].indices {
                    first[l][i] = beta1 * first[l][i] + (1 - beta1) * g[i]
                    second[l][i] = beta2 * second[l][i] + (1 - beta2) * g[i] * g[i]
                    let mHat = first[l][i] / c1, vHat = second[l][i] / c2
                    parameters[l][i] -= rate(i) * mHat / (vHat.squareRoot() + epsilon)
                }
            }
        }
    }
}

/// Learning rate as a function of the epoch (fractional within an epoch).
public enum LearningRateSchedule: Sendable, Codable, Equatable {
    case constant
    /// Cosine decay from the base rate to `floor`·base over `epochs`.
    case cosine(epochs: Int, floor: Double)
    /// Multiply by `factor` every `every` epochs.
    case step(every: Int, factor: Double)

    public func rate(base: Double, epoch: Double) -> Double {
        switch self {
        case .constant:
            return base
        case .cosine(let epochs, let floor):
            let t = min(max(epoch / Double(max(epochs, 1)), 0), 1)
            return base * (floor + (1 - floor) * 0.5 * (1 + cos(Double.pi * t)))
        case .step(let every, let factor):
            return base * pow(factor, Double(Int(epoch) / max(every, 1)))
        }
    }
}
