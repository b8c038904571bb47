#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Reading and writing NumPy `.npy` files (C order; float32 or float64 in either byte order).
extension Tensor {
    /// Decodes `.npy` bytes, converting float32/float64 data to `Scalar`.
    public init(npyBytes bytes: [UInt8]) throws(NPYError) {
        let (header, offset) = try NPYHeader.parse(bytes)
        guard !header.fortranOrder else {
            throw NPYError("Fortran-order arrays are not supported; save with np.ascontiguousarray")
        }
        let width: Int
        let bigEndian: Bool
        switch header.descriptor {
        case "<f4", "=f4", "|f4": (width, bigEndian) = (4, false)
        case ">f4": (width, bigEndian) = (4, true)
        case "<f8", "=f8", "|f8": (width, bigEndian) = (8, false)
        case ">f8": (width, bigEndian) = (8, true)
        default:
            throw NPYError("unsupported dtype '\(header.descriptor)': expected float32 or float64")
        }
        guard let count = Self.elementCount(of: header.shape),
              case let (needed, overflow) = count.multipliedReportingOverflow(by: width), !overflow
        else {
            throw NPYError("the .npy shape \(header.shape) is too large to be real (file has \(bytes.count - offset) data bytes)")
        }
        guard bytes.count - offset >= needed else {
            throw NPYError("truncated .npy data: shape \(header.shape) needs \(needed) bytes, file has \(bytes.count - offset)")
        }
        var values = [Scalar]()
        values.reserveCapacity(count)
        bytes.withUnsafeBytes { raw in
            for i in 0 ..< count {
                let at = offset + i * width
                if width == 4 {
                    var bits = raw.loadUnaligned(fromByteOffset: at, as: UInt32.self)
                    bits = bigEndian ? UInt32(bigEndian: bits) : UInt32(littleEndian: bits)
                    values.append(Scalar(Float(bitPattern: bits)))
                } else {
                    var bits = raw.loadUnaligned(fromByteOffset: at, as: UInt64.self)
                    bits = bigEndian ? UInt64(bigEndian: bits) : UInt64(littleEndian: bits)
                    values.append(Scalar(Double(bitPattern: bits)))
                }
            }
        }
        self.init(uncheckedShape: header.shape, scalars: values)
    }

    /// Encodes as a version 1.0 `.npy` file with this tensor's scalar type, little-endian.
    public func npyBytes() -> [UInt8] {
        var out = NPYHeader(descriptor: Scalar.npyDescriptor, shape: shape).encoded()
        out.reserveCapacity(out.count + count * Scalar.byteWidth)
        for value in scalars {
            if Scalar.byteWidth == 4 {
                let bits = Float(value).bitPattern.littleEndian
                withUnsafeBytes(of: bits) { out += $0 }
            } else {
                let bits = Double(value).bitPattern.littleEndian
                withUnsafeBytes(of: bits) { out += $0 }
            }
        }
        return out
    }

    /// Reads a `.npy` file.
    public init(npyFile path: String) throws(NPYError) {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw NPYError("cannot read '\(path)': \(Self.reason(error))")
        }
        do {
            try self.init(npyBytes: [UInt8](data))
        } catch {
            throw NPYError("'\(path)': \(error.message)")
        }
    }

    /// Writes a `.npy` file atomically (temporary file + rename).
    public func writeNPY(to path: String) throws(NPYError) {
        do {
            try Data(npyBytes()).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw NPYError("cannot write '\(path)': \(Self.reason(error))")
        }
    }

    private static func reason(_ error: any Error) -> String {
        let text = "\(error)"
        if text.contains("NoSuchFile") || text.contains("No such file") { return "no such file" }
        if text.contains("Permission") || text.contains("NoPermission") { return "permission denied" }
        return text
    }
}
