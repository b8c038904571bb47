import Foundation
import PNNCore
@testable import PNNRecorder
import Testing

@Suite struct RecorderExportTests {
    @Test func exportWritesRowAlignedNPYFiles() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let recorder = try Recorder(directory: directory.path, segmentBytes: 2048)
        let records = [
            Fixtures.record(device: "osc", sequence: 1, batch: 3),
            Fixtures.record(device: "osc", sequence: 2, batch: 2, kind: "calibrate"),
            Fixtures.record(device: "osc", sequence: 3, batch: 4),
        ]
        try recorder.append(Fixtures.record(device: "other", sequence: 1, batch: 7, inputs: 9))
        for record in records { try recorder.append(record) }

        let out = directory.at("export/osc")
        let summary = try recorder.export(device: "osc", to: out)
        #expect(summary.records == 3)
        #expect(summary.samples == 9)
        #expect(summary.files == ["inputs.npy", "parameters.npy", "outputs.npy", "meta.json"].map { out + "/" + $0 })

        let inputs = try Tensor<Float>(npyFile: out + "/inputs.npy")
        let parameters = try Tensor<Float>(npyFile: out + "/parameters.npy")
        let outputs = try Tensor<Float>(npyFile: out + "/outputs.npy")
        #expect(inputs.shape == [9, 4])
        #expect(parameters.shape == [9, 2])
        #expect(outputs.shape == [9, 5])
        #expect(inputs.scalars.map(\.bitPattern) == records.flatMap(\.input.scalars).map(\.bitPattern))
        #expect(outputs.scalars.map(\.bitPattern) == records.flatMap(\.output.scalars).map(\.bitPattern))
        // A run's θ on each of its rows; a calibration's per-sample θ as recorded.
        let expectedParameters = records.flatMap { record in
            record.parameters.rank == 1
                ? Array((0 ..< record.samples).map { _ in record.parameters.scalars }.joined())
                : record.parameters.scalars
        }
        #expect(parameters.scalars.map(\.bitPattern) == expectedParameters.map(\.bitPattern))

        let meta = try JSONDecoder().decode(ExportMetadata.self, from: Data(contentsOf: URL(fileURLWithPath: out + "/meta.json")))
        #expect(meta.device == "osc")
        #expect(meta.since == nil)
        #expect(meta.samples == 9)
        #expect(meta.inputShape == [9, 4])
        #expect(meta.records.map(\.sequence) == [1, 2, 3])
        #expect(meta.records.map(\.firstRow) == [0, 3, 5])
        #expect(meta.records.map(\.rows) == [3, 2, 4])
        #expect(meta.records.map(\.kind) == ["run", "calibrate", "run"])
        #expect(meta.records.map(\.startedAt) == records.map(\.startedAt))
        #expect(meta.records.map(\.configHash) == records.map(\.configHash))
        // No partial files left behind.
        #expect(try FileManager.default.contentsOfDirectory(atPath: out).sorted()
            == ["inputs.npy", "meta.json", "outputs.npy", "parameters.npy"])
    }

    /// Averaged records survive a reopen (the startup scan counts them) and export with their count;
    /// single-acquisition records keep the field out of meta.json.
    @Test func averagedRecordsAreStoredScannedAndExported() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        var averaged = Fixtures.record(device: "elec", sequence: 2, batch: 3)
        averaged.acquisitions = 4
        let records = [Fixtures.record(device: "elec", sequence: 1, batch: 2), averaged,
                       Fixtures.record(device: "elec", sequence: 3, batch: 1)]
        do {
            let recorder = try Recorder(directory: directory.path, segmentBytes: 1024)
            for record in records { try recorder.append(record) }
            recorder.close()
        }
        let reopened = try Recorder(directory: directory.path, segmentBytes: 1024)
        #expect(reopened.statistics.records == 3)
        #expect(reopened.lastSequence(device: "elec") == 3)
        let out = directory.at("export/elec")
        _ = try reopened.export(device: "elec", to: out)
        let outputs = try Tensor<Float>(npyFile: out + "/outputs.npy")
        #expect(outputs.scalars.map(\.bitPattern) == records.flatMap(\.output.scalars).map(\.bitPattern))
        let meta = try JSONDecoder().decode(ExportMetadata.self, from: Data(contentsOf: URL(fileURLWithPath: out + "/meta.json")))
        #expect(meta.records.map(\.acquisitions) == [nil, 4, nil])
        let text = try String(contentsOfFile: out + "/meta.json", encoding: .utf8)
        #expect(text.components(separatedBy: "\"acquisitions\"").count == 2)
    }

    @Test func exportSinceTakesTheLaterRecordsOnly() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let recorder = try Recorder(directory: directory.path)
        for sequence in UInt64(1) ... 5 {
            try recorder.append(Fixtures.record(sequence: sequence, batch: 2, startedAt: 100 * Double(sequence)))
        }
        let summary = try recorder.export(device: "sim0", since: 250, to: directory.at("x"))
        #expect(summary.records == 3)
        #expect(summary.samples == 6)
        let meta = try JSONDecoder().decode(
            ExportMetadata.self, from: Data(contentsOf: URL(fileURLWithPath: directory.at("x/meta.json"))))
        #expect(meta.since == 250)
        #expect(meta.records.map(\.sequence) == [3, 4, 5])

        let none = RecorderError.caught { _ = try recorder.export(device: "sim0", since: 1e9, to: directory.at("y")) }
        #expect(none?.code == .notFound)
        #expect(!FileManager.default.fileExists(atPath: directory.at("y")))
    }

    @Test func exportOfAnUnknownDeviceIsNotFound() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let recorder = try Recorder(directory: directory.path)
        let empty = RecorderError.caught { _ = try recorder.export(device: "ghost", to: directory.at("out")) }
        #expect(empty?.code == .notFound)
        #expect(empty?.message.contains("'ghost'") == true)

        try recorder.append(Fixtures.record(device: "osc", sequence: 1))
        let unknown = RecorderError.caught { _ = try recorder.export(device: "ghost", to: directory.at("out")) }
        #expect(unknown?.code == .notFound)
        #expect(unknown?.message.contains("'ghost'") == true)
        #expect(unknown?.message.contains("osc") == true)  // names the devices that do exist
        #expect(!FileManager.default.fileExists(atPath: directory.at("out")))
    }

    @Test func exportAcrossAWidthChangeFailsWithoutLeavingFiles() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let recorder = try Recorder(directory: directory.path)
        try recorder.append(Fixtures.record(sequence: 1, inputs: 4, startedAt: 10))
        try recorder.append(Fixtures.record(sequence: 2, inputs: 6, startedAt: 20))
        let out = directory.at("out")
        let error = RecorderError.caught { _ = try recorder.export(device: "sim0", to: out) }
        #expect(error?.code == .invalidArgument)
        #expect(error?.message.contains("since") == true)
        #expect(try FileManager.default.contentsOfDirectory(atPath: out).isEmpty)

        // From after the change it works.
        #expect(try recorder.export(device: "sim0", since: 15, to: out).records == 1)
    }

    @Test func reservedHeaderFitsEveryRankTwoShape() throws {
        for shape in [(0, 0), (1, 1), (9_223_372_036_854_775_807, 9_223_372_036_854_775_807), (123_456, 196)] {
            #expect(try NPYStreamWriter.header(rows: shape.0, columns: shape.1).count == NPYStreamWriter.headerBytes)
        }
    }
}
