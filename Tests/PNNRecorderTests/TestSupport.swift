import Foundation
#if canImport(Glibc)
import Glibc
#endif
import PNNCore
@testable import PNNRecorder

/// A fresh directory under the system temporary directory; call `remove()` when done.
struct TemporaryDirectory {
    let path: String

    init() throws {
        var template = Array((NSTemporaryDirectory() + "/pnnrec-XXXXXX").utf8CString)
        let made = template.withUnsafeMutableBufferPointer { buffer in
            buffer.baseAddress.flatMap { mkdtemp($0) }
        }
        guard let made else {
            throw RecorderError(.io, "mkdtemp failed")
        }
        path = String(cString: made)
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }

    /// `path/name`.
    func at(_ name: String) -> String { path + "/" + name }

    /// Segment files, oldest first.
    func segments() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: path)
            .filter { $0.hasPrefix("seg-") && $0.hasSuffix(".pnnrec") }
            .sorted()
            .map { at($0) }
    }
}

enum Files {
    static func bytes(_ path: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    static func write(_ bytes: [UInt8], to path: String) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    static func size(_ path: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue ?? -1
    }

    /// Cuts the file to `length` bytes, as a crash in the middle of a write leaves it.
    static func truncate(_ path: String, to length: Int) throws {
        guard Glibc.truncate(path, off_t(length)) == 0 else { throw RecorderError(.io, "truncate \(path)") }
    }

    static func append(_ bytes: [UInt8], to path: String) throws {
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(bytes))
    }

    /// Inverts every bit of one byte.
    static func flipByte(in path: String, at offset: Int) throws {
        var contents = try bytes(path)
        contents[offset] ^= 0xFF
        try write(contents, to: path)
    }
}

enum Fixtures {
    /// A deterministic, NaN-free record: B×N inputs, θ [P] for "run" or [B×P] for "calibrate", B×M outputs.
    /// Values include signed zeros, subnormals and extremes so a lossy round trip would show.
    static func record(
        device: String = "sim0", sequence: UInt64, batch: Int = 3, inputs: Int = 4, parameters: Int = 2,
        outputs: Int = 5, kind: String = "run", startedAt: Double? = nil
    ) -> BatchRecord {
        var generator = SeededGenerator(seed: sequence &* 7919 &+ UInt64(device.utf8.count))
        func values(_ count: Int) -> [Float] {
            (0 ..< count).map { i in
                switch (i + Int(sequence)) % 11 {
                case 0: -0.0
                case 1: .leastNonzeroMagnitude
                case 2: .greatestFiniteMagnitude
                case 3: -.leastNormalMagnitude
                default: Float(generator.nextUniform(in: -1e3 ... 1e3))
                }
            }
        }
        func tensor(_ shape: [Int]) -> Tensor<Float> {
            // The shapes are built to match their value counts, so this cannot fail.
            (try? Tensor(shape: shape, scalars: values(shape.reduce(1, *)))) ?? Tensor([])
        }
        let start = startedAt ?? 1_750_000_000 + Double(sequence) * 0.25
        return BatchRecord(
            device: device, sequence: sequence, startedAt: start, finishedAt: start + 0.125,
            configHash: "c0ffee\(device.utf8.count)", kind: kind,
            input: tensor([batch, inputs]),
            parameters: tensor(kind == "calibrate" ? [batch, parameters] : [parameters]),
            output: tensor([batch, outputs]))
    }

    /// Bit patterns of every float in a record, so -0.0 vs 0.0 or a changed NaN-free value shows up.
    static func bits(_ record: BatchRecord) -> [UInt32] {
        (record.input.scalars + record.parameters.scalars + record.output.scalars).map(\.bitPattern)
    }
}

extension RecorderError {
    /// Runs `body` and returns the `RecorderError` it throws, or nil when it throws none (closures do not
    /// infer typed throws, hence the cast).
    static func caught(_ body: () throws -> Void) -> RecorderError? {
        do {
            try body()
            return nil
        } catch {
            return error as? RecorderError
        }
    }
}
