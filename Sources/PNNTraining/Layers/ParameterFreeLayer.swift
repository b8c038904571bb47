import PNNCore

/// A layer with nothing to train: fixed wiring (`FeatureMap`), a fixed nonlinearity (`ReLU`) or a fixed
/// normalisation (`GainReference`). It takes an empty parameter list and returns an empty gradient for it.
public protocol ParameterFreeLayer: Layer {}

extension ParameterFreeLayer {
    public var parameterCount: Int { 0 }
    public func initialParameters(using rng: inout SeededGenerator) -> [Double] { [] }
}
