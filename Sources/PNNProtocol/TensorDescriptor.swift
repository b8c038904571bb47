/// Names one tensor of a frame's payload: tensors follow each other in the payload in the order the
/// metadata lists them, each `shape.reduce(1, *)` little-endian Float32 values.
public struct TensorDescriptor: Codable, Sendable, Equatable {
    public var name: String
    public var shape: [Int]

    public init(name: String, shape: [Int]) {
        self.name = name
        self.shape = shape
    }
}
