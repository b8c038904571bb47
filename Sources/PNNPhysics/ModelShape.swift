/// Sizes of one physical layer: x [B×inputs], θ [parameters] → y [B×outputs].
public struct ModelShape: Sendable, Codable, Equatable, CustomStringConvertible {
    public var inputs: Int
    public var parameters: Int
    public var outputs: Int

    public init(inputs: Int, parameters: Int, outputs: Int) {
        self.inputs = inputs
        self.parameters = parameters
        self.outputs = outputs
    }

    public var description: String { "N=\(inputs) P=\(parameters) M=\(outputs)" }
}
