import NIOCore
import PNNCore

#if _endian(big)
#error("pnn's wire format stores Float32 little-endian; add byte swapping for big-endian hosts")
#endif

/// Packing and unpacking the Float32 tensors of a frame payload.
public enum TensorPayload {
    /// Appends the tensors' raw bytes and returns their descriptors.
    public static func write(_ tensors: [(name: String, tensor: Tensor<Float>)], to buffer: inout ByteBuffer) -> [TensorDescriptor] {
        var descriptors: [TensorDescriptor] = []
        for (name, tensor) in tensors {
            _ = tensor.scalars.withUnsafeBytes { buffer.writeBytes($0) }
            descriptors.append(TensorDescriptor(name: name, shape: tensor.shape))
        }
        return descriptors
    }

    /// Splits `payload` into the tensors `descriptors` announce, keyed by name; the payload must hold
    /// exactly those bytes.
    public static func read(_ descriptors: [TensorDescriptor], from payload: ByteBuffer) throws(ProtocolError) -> [String: Tensor<Float>] {
        var payload = payload
        var result: [String: Tensor<Float>] = [:]
        var expected = 0
        for d in descriptors {
            guard d.shape.allSatisfy({ $0 >= 0 }), d.shape.count <= 8 else {
                throw ProtocolError(.invalidArgument, "tensor '\(d.name)' has an invalid shape \(d.shape)")
            }
            // Checked arithmetic: a hostile shape must not trap (`elementCount` is a plain product).
            guard let bytes = byteCount(of: d.shape) else {
                throw ProtocolError(.invalidArgument,
                                    "tensor '\(d.name)' of shape \(d.shape) is too large, payload has \(payload.readableBytes) bytes left")
            }
            guard bytes <= payload.readableBytes else {
                throw ProtocolError(.invalidArgument,
                                    "tensor '\(d.name)' of shape \(d.shape) needs \(bytes) bytes, payload has \(payload.readableBytes) left")
            }
            expected += bytes
            guard result[d.name] == nil else {
                throw ProtocolError(.invalidArgument, "tensor '\(d.name)' appears twice")
            }
            let scalars = [Float](unsafeUninitializedCapacity: d.elementCount) { out, count in
                payload.readWithUnsafeReadableBytes { raw in
                    if bytes > 0, let base = out.baseAddress, let source = raw.baseAddress {
                        UnsafeMutableRawPointer(base).copyMemory(from: source, byteCount: bytes)
                    }
                    return bytes
                }
                count = d.elementCount
            }
            do {
                result[d.name] = try Tensor(shape: d.shape, scalars: scalars)
            } catch {
                throw ProtocolError(.invalidArgument, "tensor '\(d.name)': \(error.message)")
            }
        }
        guard payload.readableBytes == 0 else {
            throw ProtocolError(.invalidArgument, "payload has \(payload.readableBytes) bytes beyond the \(expected) its tensors use")
        }
        return result
    }

    /// Bytes of a Float32 tensor of `shape` (non-negative extents), nil if 4 × the product of its non-zero
    /// extents overflows `Int` (then `shape.reduce(1, *)` could trap even when an extent is 0).
    static func byteCount(of shape: [Int]) -> Int? {
        var bytes = 4
        for extent in shape {
            let (product, overflow) = bytes.multipliedReportingOverflow(by: max(extent, 1))
            if overflow { return nil }
            bytes = product
        }
        return shape.contains(0) ? 0 : bytes
    }
}
