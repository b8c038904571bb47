import ArgumentParser
import Foundation
import PNNClient
import PNNCore
import PNNProtocol

/// `pnn run DEV`: one measurement on a device pnnd serves, X.npy (+ θ.npy) → Y.npy.
struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure a batch on a pnnd device: X [B×N] (+ θ [P]) → Y [B×M].",
        discussion: """
            X and θ travel as float32 (float64 files are converted); Y is written in X's dtype. \
            With --lease the device is leased around the run, so no other client's batches come \
            between; the lease ends when pnn exits.
            """)

    @Argument(help: "Device name (see `pnn devices`).")
    var device: String

    @Option(help: ArgumentHelp("Input batch X: .npy, float32 or float64, shape [B×N] ([N] = one sample).", valueName: "X.npy"))
    var input: String

    @Option(help: ArgumentHelp("Parameters θ: .npy of shape [P]. Without it θ = 0 (the device's P zeros).", valueName: "P.npy"))
    var params: String?

    @Option(help: ArgumentHelp("Where to write Y [B×M] (.npy, same dtype as X).", valueName: "Y.npy"))
    var output: String

    @Option(help: ArgumentHelp("Drive every sample this many times in a row and write each sample's mean reading (1…64; the device averages, as a scope does).", valueName: "A"))
    var acquisitions = 1

    @Flag(help: "Lease the device for this run.")
    var lease = false

    @Option(help: ArgumentHelp("Give up unless the device runs the batch within this many seconds.", valueName: "SECONDS"))
    var deadline: Double?

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var format: OutputOptions

    func validate() throws {
        if let deadline, !(deadline > 0 && deadline.isFinite) {
            throw ValidationError("--deadline must be a positive number of seconds, got \(deadline)")
        }
        guard (1 ... Request.maximumAcquisitions).contains(acquisitions) else {
            throw ValidationError("--acquisitions must be 1…\(Request.maximumAcquisitions), got \(acquisitions)")
        }
    }

    struct Report: Encodable {
        var run: RunInfo
        var inputShape: [Int]
        var output: String
        var outputShape: [Int]
        var acquisitions: Int
        var dtype: String
        var leased: Bool
    }

    func run() async throws {
        let (x, scalarType) = try DeviceTensors.batch(input)
        let file = try DeviceTensors.vector(params)
        // Fail before the measurement, not after it.
        try DeviceTensors.checkWritable(output)
        let (y, info) = try await connection.withClient { client in
            var theta = file
            if params == nil {
                // No θ given: the device's neutral setting, all P parameters zero.
                let p = try await client.describe(device).parameters
                theta = Tensor<Float>(repeating: 0, shape: [p])
            }
            if lease { _ = try await client.lease(device) }
            let result = try await client.run(device, input: x, parameters: theta, acquisitions: acquisitions,
                                              deadline: deadline.map { .seconds($0) })
            if lease { try await client.release(device) }
            return result
        }
        try NPYFile.write(y.converted(to: Double.self), as: scalarType, to: output)

        if format.json {
            try JSONOutput.print(Report(run: info, inputShape: x.shape, output: output, outputShape: y.shape,
                                        acquisitions: acquisitions, dtype: scalarType.numpyName, leased: lease))
        } else {
            let averaged = acquisitions > 1 ? " (each row the mean of \(acquisitions) acquisitions)" : ""
            print("\(info.device): sequence \(info.sequence), wrote Y \(y.shapeText) \(scalarType.numpyName) to \(output)\(averaged)")
            print("queued \(DeviceTensors.milliseconds(info.queuedSeconds)), measured \(DeviceTensors.milliseconds(info.deviceSeconds)), "
                + "started \(DeviceTensors.timestamp(info.startedAt)), device \(info.state.rawValue)")
        }
    }
}

/// Reading and checking the tensors the daemon verbs send, and formatting what comes back.
enum DeviceTensors {
    /// X from `path` as float32 [B×N] (a rank-1 file is one sample), non-empty and finite, plus the
    /// dtype it was stored in.
    static func batch(_ path: String) throws(CLIError) -> (Tensor<Float>, ScalarType) {
        let file = try NPYFile.read(path)
        let x = file.tensor
        let shape: [Int]
        switch x.rank {
        case 1: shape = [1, x.count]
        case 2: shape = x.shape
        default: throw .dataError("'\(path)': input must have shape [B×N] (or [N] for one sample), got \(x.shapeText)")
        }
        guard x.count > 0 else { throw .dataError("'\(path)': input is empty (shape \(x.shapeText))") }
        let converted = try float32(x, shape: shape, path: path, what: "input")
        return (converted, file.scalarType)
    }

    /// θ [P] from `path`, finite; an empty vector without a file.
    static func vector(_ path: String?) throws(CLIError) -> Tensor<Float> {
        guard let path else { return Tensor<Float>([]) }
        let theta = try NPYFile.read(path).tensor
        guard theta.rank == 1 else {
            throw .dataError("'\(path)': parameters must have shape [P], got \(theta.shapeText)")
        }
        return try float32(theta, shape: theta.shape, path: path, what: "parameter")
    }

    /// Float32 values under `shape`; NaN, ±Inf and values beyond float32's range are data errors.
    private static func float32(_ tensor: Tensor<Double>, shape: [Int], path: String, what: String) throws(CLIError) -> Tensor<Float> {
        let values = tensor.scalars.map { Float($0) }
        if let i = values.firstIndex(where: { !$0.isFinite }) {
            let detail = tensor.scalars[i].isFinite ? "\(tensor.scalars[i]), beyond float32's range" : "\(tensor.scalars[i])"
            throw .dataError("'\(path)': \(what) element \(i) is \(detail); values must be finite")
        }
        do {
            return try Tensor(shape: shape, scalars: values)
        } catch {
            throw .software("cannot shape \(what) from '\(path)': \(error.message)")
        }
    }

    /// Fails with 73 when `path`'s directory is missing or not writable.
    static func checkWritable(_ path: String) throws(CLIError) {
        let directory = (path as NSString).deletingLastPathComponent
        let dir = directory.isEmpty ? "." : directory
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw .cannotCreate("cannot create '\(path)': directory '\(dir)' does not exist")
        }
        guard FileManager.default.isWritableFile(atPath: dir) else {
            throw .cannotCreate("cannot create '\(path)': directory '\(dir)' is not writable")
        }
    }

    /// `12.3 ms`.
    static func milliseconds(_ seconds: Double) -> String {
        String(format: "%.1f ms", seconds * 1e3)
    }

    /// Unix time as ISO 8601 UTC with milliseconds.
    static func timestamp(_ unixSeconds: Double) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: Date(timeIntervalSince1970: unixSeconds))
    }
}
