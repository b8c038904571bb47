#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import PNNCore

/// Writes a rank-2 float32 `.npy` file whose row count is known only at the end.
///
/// The 128-byte header is reserved first and rewritten last (every rank-2 float32 header NumPy's layout
/// produces is 128 bytes), and the file is written as `<name>.partial` and renamed only when complete,
/// so an export never leaves a half-written array under the real name.
final class NPYStreamWriter {
    let path: String
    let columns: Int
    private(set) var rows = 0
    private let partialPath: String
    private var file: FileDescriptor?

    static let headerBytes = 128

    init(path: String, columns: Int) throws(RecorderError) {
        self.path = path
        self.columns = columns
        partialPath = path + ".partial"
        let file = try FileDescriptor.open(partialPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode: 0o640)
        self.file = file
        do throws(RecorderError) {
            try file.writeAll(try Self.header(rows: 0, columns: columns))
        } catch {
            abandon()
            throw error
        }
    }

    deinit {
        file?.close()
    }

    static func header(rows: Int, columns: Int) throws(RecorderError) -> [UInt8] {
        let bytes = NPYHeader(descriptor: "<f4", shape: [rows, columns]).encoded()
        guard bytes.count == headerBytes else {
            throw RecorderError(.io, "a [\(rows)×\(columns)] .npy header is \(bytes.count) bytes, not \(headerBytes)")
        }
        return bytes
    }

    /// Appends `rows` rows held row-major in `values`.
    func append(_ values: [Float], rows: Int) throws(RecorderError) {
        guard let file else { throw RecorderError(.closed, "'\(partialPath)' is closed") }
        #if _endian(little)
        try file.writeAll(values)
        #else
        try file.writeAll(values.map { $0.bitPattern.littleEndian })
        #endif
        self.rows += rows
    }

    /// Appends `row` `times` times (a run's θ, once per sample).
    func append(repeating row: [Float], times: Int) throws(RecorderError) {
        var values: [Float] = []
        values.reserveCapacity(row.count * times)
        for _ in 0 ..< times { values += row }
        try append(values, rows: times)
    }

    /// Writes the final header, flushes, and moves the file to its real name.
    func finish() throws(RecorderError) {
        guard let file else { throw RecorderError(.closed, "'\(partialPath)' is closed") }
        try file.writeAll(try Self.header(rows: rows, columns: columns), at: 0)
        try file.dataSync()
        file.close()
        self.file = nil
        try FileSystem.rename(partialPath, to: path)
    }

    /// Closes and deletes the partial file (after a failed export).
    func abandon() {
        file?.close()
        file = nil
        try? FileSystem.remove(partialPath)
    }
}
