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
            let (bytes, overflow) = d.elementCount.multipliedReportingOverflow(by: 4)
            guard !overflow, bytes <= payload.readableBytes else {
                throw ProtocolError(.invalidArgument,
                                    "tensor '\(d.name)' of shape \(d.shape) needs \(d.elementCount * 4) bytes, payload has \(payload.readableBytes) left")
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
}
