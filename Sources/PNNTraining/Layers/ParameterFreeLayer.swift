import PNNCore

/// A layer with nothing to train: fixed wiring (`FeatureMap`), a fixed nonlinearity (`ReLU`) or a fixed
/// normalisation (`GainReference`). Its parameter list is empty, and so is the parameter part of its
/// gradient.
public protocol ParameterFreeLayer: Layer {}

extension ParameterFreeLayer {
    public var parameterCount: Int { 0 }
    public func initialParameters(using rng: inout SeededGenerator) -> [Double] { [] }
}
