/// Element types a `Tensor` can hold: Float32 (the wire and storage format) and Float64 (gradient checks).
public protocol TensorScalar: BinaryFloatingPoint, Sendable, Codable where Self.RawSignificand: FixedWidthInteger {
    /// NumPy dtype string for little-endian storage, e.g. `<f4`.
    static var npyDescriptor: String { get }
    /// Bytes per element.
    static var byteWidth: Int { get }
}

extension Float: TensorScalar {
    public static var npyDescriptor: String { "<f4" }
    public static var byteWidth: Int { 4 }
}

extension Double: TensorScalar {
    public static var npyDescriptor: String { "<f8" }
    public static var byteWidth: Int { 8 }
}
