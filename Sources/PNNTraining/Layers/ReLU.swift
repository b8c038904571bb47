import PNNCore

/// y = max(x, 0): the digital nonlinearity of the `hybrid` experiments (physics-only networks rely on
/// the device's own nonlinearity instead).
public struct ReLU: ParameterFreeLayer {
    public let name: String
    public let width: Int

    public init(name: String, width: Int) {
        self.name = name
        self.width = width
    }

    public var inputCount: Int { width }
    public var outputCount: Int { width }

    public func forward(_ x: Tensor<Double>, parameters _: [Double]) async throws(TrainingError) -> Tensor<Double> {
        try checkInput(x)
        var y = x
        for i in y.scalars.indices where y.scalars[i] < 0 { y.scalars[i] = 0 }
        return y
    }

    public func backward(input x: Tensor<Double>, output _: Tensor<Double>, parameters _: [Double],
                         outputGradient g: Tensor<Double>) throws(TrainingError) -> LayerGradient {
        var xBar = g
        for i in xBar.scalars.indices where x.scalars[i] <= 0 { xBar.scalars[i] = 0 }
        return LayerGradient(input: xBar, parameters: [])
    }
}
