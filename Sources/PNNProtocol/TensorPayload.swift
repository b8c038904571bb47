import NIOCore
import PNNCore

#if _endian(big)
#error("pnn's wire format stores Float32 little-endian; add byte swapping for big-endian hosts")
#endif

/// Packing and unpacking the Float32 tensors of a frame payload.
public enum TensorPayload {
    /// Appends the tensors' raw bytes and returns their descriptors.
    public static func write(_ tensors: [(name: String, tensor: Tensor<Float>)], to buffer: inout ByteBuffer) -> [TensorDescriptor] {
        for (_, tensor) in tensors {
            _ = tensor.scalars.withUnsafeBytes { buffer.writeBytes($0) }
        }
        return descriptors(of: tensors)
    }

    /// The descriptors `write` returns, without writing anything.
    static func descriptors(of tensors: [(name: String, tensor: Tensor<Float>)]) -> [TensorDescriptor] {
        tensors.map { TensorDescriptor(name: $0.name, shape: $0.tensor.shape) }
    }

    /// Splits `payload` into the tensors `descriptors` announce, keyed by name; the payload must hold
    /// exactly those bytes.
    public static func read(_ descriptors: [TensorDescriptor], from payload: ByteBuffer) throws(ProtocolError) -> [String: Tensor<Float>] {
        Dictionary(uniqueKeysWithValues: try readList(descriptors, from: payload).list.lazy.map { ($0.name, $0.tensor) })
    }

    /// `read`'s tensors as a list in payload order: for the one to three tensors of a message, a linear
    /// search beats hashing names into a dictionary on every request.
    static func readList(_ descriptors: [TensorDescriptor], from payload: ByteBuffer) throws(ProtocolError) -> Tensors {
        try readList(descriptors, payloadBytes: payload.readableBytes) { offset, bytes, count in
            [Float](unsafeUninitializedCapacity: count) { out, initialized in
                payload.withUnsafeReadableBytes { raw in
                    if bytes > 0, let base = out.baseAddress, let source = raw.baseAddress {
                        UnsafeMutableRawPointer(base).copyMemory(from: source + offset, byteCount: bytes)
                    }
                }
                initialized = count
            }
        }
    }

    /// The same from a payload already read into Float32 values (by a reader that received it straight
    /// into an array): a payload holding a single tensor becomes that tensor without a copy.
    static func readList(_ descriptors: [TensorDescriptor], fromScalars payload: [Float]) throws(ProtocolError) -> Tensors {
        try readList(descriptors, payloadBytes: 4 * payload.count) { offset, bytes, count in
            offset == 0 && count == payload.count ? payload : Array(payload[offset / 4 ..< offset / 4 + count])
        }
    }

    /// Checks `descriptors` against a payload of `payloadBytes` bytes and makes each tensor's values
    /// with `scalars(byteOffset, byteCount, elementCount)`.
    private static func readList(_ descriptors: [TensorDescriptor], payloadBytes: Int,
                                 scalars: (Int, Int, Int) -> [Float]) throws(ProtocolError) -> Tensors {
        var result = Tensors()
        result.list.reserveCapacity(descriptors.count)
        var offset = 0
        for d in descriptors {
            let left = payloadBytes - offset
            guard d.shape.allSatisfy({ $0 >= 0 }), d.shape.count <= 8 else {
                throw ProtocolError(.invalidArgument, "tensor '\(d.name)' has an invalid shape \(d.shape)")
            }
            // Checked arithmetic: a hostile shape must not trap.
            guard let bytes = byteCount(of: d.shape) else {
                throw ProtocolError(.invalidArgument,
                                    "tensor '\(d.name)' of shape \(d.shape) is too large, payload has \(left) bytes left")
            }
            guard bytes <= left else {
                throw ProtocolError(.invalidArgument,
                                    "tensor '\(d.name)' of shape \(d.shape) needs \(bytes) bytes, payload has \(left) left")
            }
            guard result[d.name] == nil else {  // linear: a handful of tensors
                throw ProtocolError(.invalidArgument, "tensor '\(d.name)' appears twice")
            }
            let values = scalars(offset, bytes, bytes / 4)
            offset += bytes
            do {
                result.list.append((d.name, try Tensor(shape: d.shape, scalars: values)))
            } catch {
                throw ProtocolError(.invalidArgument, "tensor '\(d.name)': \(error.message)")
            }
        }
        guard offset == payloadBytes else {
            throw ProtocolError(.invalidArgument, "payload has \(payloadBytes - offset) bytes beyond the \(offset) its tensors use")
        }
        return result
    }

    /// The tensors of one message, by name.
    struct Tensors {
        var list: [(name: String, tensor: Tensor<Float>)] = []
        var count: Int { list.count }
        subscript(name: String) -> Tensor<Float>? {
            list.first { $0.name == name }?.tensor
        }
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
