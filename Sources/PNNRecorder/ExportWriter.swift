#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Streams one device's records into inputs.npy, parameters.npy and outputs.npy plus meta.json.
final class ExportWriter {
    let directory: String
    let device: String
    private let inputs: NPYStreamWriter
    private let parameters: NPYStreamWriter
    private let outputs: NPYStreamWriter
    private var entries: [ExportMetadata.Record] = []

    /// Creates the directory and the three partial files, taking the widths N, P, M from `first`.
    init(directory: String, first: BatchRecord) throws(RecorderError) {
        self.directory = directory
        device = first.device
        try FileSystem.makeDirectories(directory)
        var opened: [NPYStreamWriter] = []
        do throws(RecorderError) {
            for (name, width) in [
                ("inputs.npy", first.input.shape[1]), ("parameters.npy", first.parameters.shape.last ?? 0),
                ("outputs.npy", first.output.shape[1]),
            ] {
                opened.append(try NPYStreamWriter(path: directory + "/" + name, columns: width))
            }
        } catch {
            for writer in opened { writer.abandon() }
            throw error
        }
        (inputs, parameters, outputs) = (opened[0], opened[1], opened[2])
    }

    func append(_ record: BatchRecord) throws(RecorderError) {
        let widths = (record.input.shape[1], record.parameters.shape.last ?? 0, record.output.shape[1])
        guard widths == (inputs.columns, parameters.columns, outputs.columns) else {
            throw RecorderError(
                .invalidArgument,
                "record \(record.sequence) of '\(device)' has widths N=\(widths.0) P=\(widths.1) M=\(widths.2), "
                    + "earlier records N=\(inputs.columns) P=\(parameters.columns) M=\(outputs.columns); "
                    + "the device's configuration changed, export from after the change with since:")
        }
        let rows = record.samples
        entries.append(ExportMetadata.Record(
            sequence: record.sequence, kind: record.kind, configHash: record.configHash,
            startedAt: record.startedAt, finishedAt: record.finishedAt, firstRow: inputs.rows, rows: rows,
            acquisitions: record.acquisitions > 1 ? record.acquisitions : nil))
        try inputs.append(record.input.scalars, rows: rows)
        if record.parameters.rank == 1 {
            try parameters.append(repeating: record.parameters.scalars, times: rows)
        } else {
            try parameters.append(record.parameters.scalars, rows: rows)
        }
        try outputs.append(record.output.scalars, rows: rows)
    }

    /// Completes the three arrays, then writes meta.json last: its presence marks a complete export.
    func finish(since: Double?) throws(RecorderError) -> ExportSummary {
        for writer in [inputs, parameters, outputs] { try writer.finish() }
        let samples = inputs.rows
        let metadata = ExportMetadata(
            device: device, since: since, samples: samples,
            inputShape: [samples, inputs.columns], parameterShape: [samples, parameters.columns],
            outputShape: [samples, outputs.columns], records: entries)
        let metaPath = directory + "/meta.json"
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let json: Data
        do { json = try encoder.encode(metadata) } catch {
            throw RecorderError(.io, "cannot encode '\(metaPath)': \(error)")
        }
        let partial = metaPath + ".partial"
        let file = try FileDescriptor.open(partial, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode: 0o640)
        do throws(RecorderError) {
            try file.writeAll([UInt8](json) + [0x0A])
            try file.dataSync()
            file.close()
        } catch {
            file.close()
            try? FileSystem.remove(partial)
            throw error
        }
        try FileSystem.rename(partial, to: metaPath)
        try FileSystem.syncDirectory(directory)
        return ExportSummary(
            records: entries.count, samples: samples,
            files: [inputs.path, parameters.path, outputs.path, metaPath])
    }

    /// Deletes whatever partial files remain after a failure.
    func abandon() {
        for writer in [inputs, parameters, outputs] { writer.abandon() }
        try? FileSystem.remove(directory + "/meta.json.partial")
    }
}
