import Foundation
import PNNCore

/// `.npy` files as commands see them: read into Float64 while remembering the stored dtype, written
/// back in a chosen dtype, with every failure mapped to its exit status (66 open, 65 content, 73 create).
enum NPYFile {
    /// A decoded file: its data as Float64 and the dtype it was stored in.
    struct Contents {
        var tensor: Tensor<Double>
        var scalarType: ScalarType
    }

    /// Reads and decodes `path`.
    static func read(_ path: String) throws(CLIError) -> Contents {
        let bytes = try readBytes(path)
        do {
            let (header, _) = try NPYHeader.parse(bytes)
            let tensor = try Tensor<Double>(npyBytes: bytes)
            return Contents(tensor: tensor, scalarType: header.descriptor.hasSuffix("f4") ? .f32 : .f64)
        } catch {
            throw .dataError("'\(path)': \(error.message)")
        }
    }

    /// Writes `tensor` to `path` atomically, stored as `scalarType`.
    static func write(_ tensor: Tensor<Double>, as scalarType: ScalarType, to path: String) throws(CLIError) {
        try checkWritableDirectory(for: path)
        do {
            switch scalarType {
            case .f32: try tensor.converted(to: Float.self).writeNPY(to: path)
            case .f64: try tensor.writeNPY(to: path)
            }
        } catch {
            throw .cannotCreate(error.message)
        }
    }

    private static func readBytes(_ path: String) throws(CLIError) -> [UInt8] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw .noInput("cannot open '\(path)': no such file")
        }
        guard !isDirectory.boolValue else { throw .noInput("cannot open '\(path)': is a directory") }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw .noInput("cannot open '\(path)': \(errnoReason(path, mode: R_OK))")
        }
        defer { try? handle.close() }
        do {
            return [UInt8](try handle.readToEnd() ?? Data())
        } catch {
            throw .noInput("cannot read '\(path)': \(error.localizedDescription)")
        }
    }

    /// Fails with a precise reason when the output's directory is missing, not a directory or not
    /// writable (an atomic write creates a temporary file next to the target).
    private static func checkWritableDirectory(for path: String) throws(CLIError) {
        let directory = (path as NSString).deletingLastPathComponent
        let dir = directory.isEmpty ? "." : directory
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDirectory) else {
            throw .cannotCreate("cannot create '\(path)': directory '\(dir)' does not exist")
        }
        guard isDirectory.boolValue else {
            throw .cannotCreate("cannot create '\(path)': '\(dir)' is not a directory")
        }
        guard access(dir, W_OK | X_OK) == 0 else {
            throw .cannotCreate("cannot create '\(path)': \(errnoReason(dir, mode: W_OK | X_OK))")
        }
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw .cannotCreate("cannot create '\(path)': is a directory")
        }
    }

    private static func errnoReason(_ path: String, mode: Int32) -> String {
        guard access(path, mode) != 0 else { return "unreadable" }
        return String(cString: strerror(errno)).lowercased()
    }
}

extension Tensor {
    /// `[2×3]`-style rendering of a shape for messages.
    var shapeText: String { "[" + shape.map(String.init).joined(separator: "×") + "]" }
}
