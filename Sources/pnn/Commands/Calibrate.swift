import ArgumentParser
import Foundation
import PNNClient
import PNNCore
import PNNProtocol

/// `pnn calibrate DEV`: random probes within the device's limits, recorded by pnnd for twin fitting.
struct Calibrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Record random probes on a device (within its drive limits) for fitting its digital twin.",
        discussion: """
            pnnd draws x [N×inputs] and θ [N×parameters], measures y [N×outputs] and records every \
            batch. With --output-dir the three tensors are also written as x.npy, theta.npy and y.npy \
            (float32).
            """)

    @Argument(help: "Device name (see `pnn devices`).")
    var device: String

    @Option(help: ArgumentHelp("Number of probes.", valueName: "N"))
    var samples: Int

    @Option(help: "Seed of the probes (default: pnnd picks one and reports it).")
    var seed: UInt64?

    @Option(name: .customLong("output-dir"), help: ArgumentHelp("Directory for x.npy, theta.npy and y.npy (created if missing).", valueName: "DIR"))
    var outputDirectory: String?

    @Option(help: ArgumentHelp("Give up unless the probes run within this many seconds.", valueName: "SECONDS"))
    var deadline: Double?

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var format: OutputOptions

    func validate() throws {
        guard samples >= 1 else { throw ValidationError("--samples must be at least 1, got \(samples)") }
        if let deadline, !(deadline > 0 && deadline.isFinite) {
            throw ValidationError("--deadline must be a positive number of seconds, got \(deadline)")
        }
    }

    struct FileReport: Encodable {
        var path: String
        var shape: [Int]
    }

    struct Report: Encodable {
        var calibration: CalibrationInfo
        var shapes: [String: [Int]]
        var files: [String: FileReport]?
    }

    func run() async throws {
        if let outputDirectory { try Self.makeDirectory(outputDirectory) }
        let result = try await connection.withClient { client in
            try await client.calibrate(device, samples: samples, seed: seed, deadline: deadline.map { .seconds($0) })
        }
        let tensors = [("x", result.input), ("theta", result.parameters), ("y", result.output)]
        var files: [String: FileReport]?
        if let outputDirectory {
            var written: [String: FileReport] = [:]
            for (name, tensor) in tensors {
                let path = (outputDirectory as NSString).appendingPathComponent("\(name).npy")
                try NPYFile.write(tensor.converted(to: Double.self), as: .f32, to: path)
                written[name] = FileReport(path: path, shape: tensor.shape)
            }
            files = written
        }

        let info = result.info
        if format.json {
            try JSONOutput.print(Report(calibration: info,
                                        shapes: Dictionary(uniqueKeysWithValues: tensors.map { ($0.0, $0.1.shape) }),
                                        files: files))
            return
        }
        print("\(info.device): \(info.samples) probes, seed \(info.seed), recorded as \(Self.sequences(info.sequences))")
        let shapes = tensors.map { "\($0.0) \($0.1.shapeText)" }.joined(separator: ", ")
        if let outputDirectory {
            print("wrote \(shapes) (float32) to \(outputDirectory)")
        } else {
            print("measured \(shapes); not saved (use --output-dir DIR)")
        }
    }

    /// `batch 7`, `batches 3, 4, 5` or `batches 3…20 (18)`.
    static func sequences(_ list: [UInt64]) -> String {
        switch list.count {
        case 0: "no batches"
        case 1: "batch \(list[0])"
        case 2 ... 5: "batches " + list.map(String.init).joined(separator: ", ")
        default: "batches \(list.min() ?? 0)…\(list.max() ?? 0) (\(list.count))"
        }
    }

    private static func makeDirectory(_ path: String) throws(CLIError) {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw .cannotCreate("cannot write into '\(path)': not a directory") }
            guard FileManager.default.isWritableFile(atPath: path) else {
                throw .cannotCreate("cannot write into '\(path)': permission denied")
            }
            return
        }
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw .cannotCreate("cannot create directory '\(path)': \(error.localizedDescription)")
        }
    }
}
