import ArgumentParser
import Foundation
import PNNRecorder

/// `pnn records export DEV`: one device's recorded batches as NumPy files, read from the record store.
struct RecordsExport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export a device's recorded batches as inputs.npy, parameters.npy, outputs.npy and meta.json.",
        discussion: """
            Reads the record store without changing it (no lock, no repair, no retention), so it works \
            while pnnd runs: the export holds every batch acknowledged before it started. pnn needs read \
            access to the store (its group is pnnd's). Rows of the three float32 files align: a run's θ \
            is repeated on each of its samples.
            """)

    @Argument(help: "Device name.")
    var device: String

    @Option(help: ArgumentHelp("Only batches started at or after this time: Unix seconds or ISO 8601 (2025-11-25T10:00:00Z, 2025-11-25).",
                               valueName: "TIME"))
    var since: ExportStart?

    @Option(help: ArgumentHelp("Directory to write the files into (created if missing).", valueName: "DIR"))
    var output: String

    @Option(name: .customLong("state-dir"),
            help: ArgumentHelp("pnnd's state directory (its --state-dir; the store is its records/ subdirectory), or the store itself.",
                               valueName: "DIR"))
    var stateDirectory: String = "/var/lib/pnn"

    @OptionGroup var format: OutputOptions

    struct Report: Encodable {
        var device: String
        var since: Double?
        var records: Int
        var samples: Int
        var files: [String]
    }

    /// Where the segments are: DIR/records in pnnd's layout, else DIR itself (a copied store).
    var storeDirectory: String {
        var isDirectory: ObjCBool = false
        let records = (stateDirectory as NSString).appendingPathComponent("records")
        return FileManager.default.fileExists(atPath: records, isDirectory: &isDirectory) && isDirectory.boolValue
            ? records : stateDirectory
    }

    func run() throws {
        let store = storeDirectory
        let reader: RecordReader
        do {
            reader = try RecordReader(directory: store)
        } catch where error.code == .notFound {
            throw CLIError.noInput("\(error.message) (see --state-dir)")
        } catch {
            throw Self.failure(error)
        }
        let summary: ExportSummary
        do {
            summary = try reader.export(device: device, since: since?.unixSeconds, to: output)
        } catch {
            throw Self.failure(error)
        }
        if reader.damagedRegions > 0 {
            StandardError.write("warning: \(store) has \(reader.damagedRegions) damaged region(s); their batches are not in the export")
        }
        if format.json {
            try JSONOutput.print(Report(device: device, since: since?.unixSeconds, records: summary.records,
                                        samples: summary.samples, files: summary.files))
        } else {
            let names = summary.files.map { ($0 as NSString).lastPathComponent }.joined(separator: ", ")
            print("\(device): exported \(summary.records) batches (\(summary.samples) samples) to \(output): \(names)")
        }
    }

    /// The recorder's errors in the exit-status table's terms.
    static func failure(_ error: RecorderError) -> CLIError {
        switch error.code {
        case .notFound:
            return CLIError(.failure, error.message)
        case .corrupt, .invalidArgument:
            return CLIError(.dataError, error.message)
        case .io where error.osErrorNumber == EACCES || error.osErrorNumber == EPERM:
            return CLIError(.noPermission, error.message)
        case .io:
            return CLIError(.ioError, error.message)
        default:
            return CLIError(.software, error.message)
        }
    }
}

/// `--since`: Unix seconds, or an ISO 8601 date-time (fractional seconds optional) or date (UTC midnight).
struct ExportStart: ExpressibleByArgument, Sendable {
    var unixSeconds: Double

    init?(argument: String) {
        if let seconds = Double(argument), seconds.isFinite {
            unixSeconds = seconds
            return
        }
        let variants: [ISO8601DateFormatter.Options] = [
            [.withInternetDateTime, .withFractionalSeconds], [.withInternetDateTime], [.withFullDate],
        ]
        for options in variants {
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = options
            if let date = formatter.date(from: argument) {
                unixSeconds = date.timeIntervalSince1970
                return
            }
        }
        return nil
    }
}
