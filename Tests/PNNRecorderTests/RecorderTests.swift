import Foundation
import Dispatch
import PNNCore
@testable import PNNRecorder
import Testing

@Suite struct RecorderTests {
    @Test func appendThenReadIsBitExact() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let recorder = try Recorder(directory: directory.path)
        let written = [
            Fixtures.record(device: "osc", sequence: 1),
            Fixtures.record(device: "shg", sequence: 1, batch: 2, kind: "calibrate"),
            Fixtures.record(device: "osc", sequence: 2, batch: 256, inputs: 196, parameters: 40, outputs: 10),
            Fixtures.record(device: "osc", sequence: 3, batch: 0),
        ]
        for record in written { try recorder.append(record) }

        let osc = try recorder.records(device: "osc")
        #expect(osc == written.filter { $0.device == "osc" })
        #expect(osc.map(Fixtures.bits) == written.filter { $0.device == "osc" }.map(Fixtures.bits))
        let shg = try recorder.records(device: "shg")
        #expect(shg == [written[1]])
        #expect(shg.first?.parameters.shape == [2, 2])
        #expect(try recorder.records(device: "nobody").isEmpty)
        recorder.close()

        // And the same bits after reopening, from disk rather than anything cached.
        let reopened = try Recorder(directory: directory.path)
        #expect(try reopened.records(device: "osc").map(Fixtures.bits) == osc.map(Fixtures.bits))
        #expect(reopened.statistics.records == 4)
    }

    @Test func sinceSelectsByStartTime() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let recorder = try Recorder(directory: directory.path)
        for sequence in UInt64(1) ... 6 {
            try recorder.append(Fixtures.record(sequence: sequence, startedAt: Double(sequence) * 10))
        }
        #expect(try recorder.records(device: "sim0", since: 30).map(\.sequence) == [3, 4, 5, 6])
        #expect(try recorder.records(device: "sim0", since: 61).isEmpty)
        #expect(try recorder.records(device: "sim0", since: -1).count == 6)
    }

    @Test func lastSequenceContinuesAfterReopen() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        do {
            let recorder = try Recorder(directory: directory.path)
            #expect(recorder.lastSequence(device: "a") == nil)
            for sequence in UInt64(1) ... 5 { try recorder.append(Fixtures.record(device: "a", sequence: sequence)) }
            try recorder.append(Fixtures.record(device: "b", sequence: 41))
            try recorder.append(Fixtures.record(device: "b", sequence: 42))
            #expect(recorder.lastSequence(device: "a") == 5)
            recorder.close()
        }
        let reopened = try Recorder(directory: directory.path)
        #expect(reopened.lastSequence(device: "a") == 5)
        #expect(reopened.lastSequence(device: "b") == 42)
        #expect(reopened.lastSequence(device: "c") == nil)
        #expect(reopened.devices == ["a", "b"])
        try reopened.append(Fixtures.record(device: "a", sequence: 6))
        #expect(reopened.lastSequence(device: "a") == 6)
        #expect(try reopened.records(device: "a").map(\.sequence) == [1, 2, 3, 4, 5, 6])
    }

    /// No `close()`: the instance just goes away, as the process does on a crash. Every append that
    /// returned is on disk and nothing needs recovering.
    @Test func acknowledgedRecordsSurviveWithoutClose() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        func appendAndAbandon() throws {
            let recorder = try Recorder(directory: directory.path)
            for sequence in UInt64(1) ... 3 { try recorder.append(Fixtures.record(sequence: sequence)) }
        }
        try appendAndAbandon()
        let reopened = try Recorder(directory: directory.path)
        #expect(try reopened.records(device: "sim0").map(\.sequence) == [1, 2, 3])
        #expect(reopened.statistics.recoveredBytes == 0)
        #expect(reopened.statistics.corruptRegions == 0)
    }

    @Test func invalidRecordsAreRejectedBeforeTouchingTheStore() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let recorder = try Recorder(directory: directory.path)
        let good = Fixtures.record(sequence: 1)
        var cases: [(String, BatchRecord)] = []
        var r = good; r.device = ""; cases.append(("empty device", r))
        r = good; r.device = String(repeating: "x", count: 256); cases.append(("long device", r))
        r = good; r.kind = ""; cases.append(("empty kind", r))
        r = good; r.startedAt = .nan; cases.append(("NaN time", r))
        r = good; r.input = Tensor([1, 2, 3]); cases.append(("rank-1 input", r))
        r = good; r.output = Tensor<Float>.zeros([good.samples + 1, 5]); cases.append(("output rows", r))
        r = good; r.parameters = Tensor<Float>.zeros([good.samples + 1, 2]); cases.append(("parameter rows", r))
        r = good; r.parameters = Tensor<Float>.zeros([1, 1, 1]); cases.append(("rank-3 parameters", r))
        for (name, record) in cases {
            #expect(record.problem != nil, "\(name)")
            #expect(RecorderError.caught { try recorder.append(record) }?.code == .invalidArgument, "\(name)")
        }
        #expect(good.problem == nil)
        #expect(recorder.statistics.records == 0)
    }

    @Test func closedRecorderRefusesWorkAndSecondOpenIsBusy() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let recorder = try Recorder(directory: directory.path)
        let second = RecorderError.caught { _ = try Recorder(directory: directory.path) }
        #expect(second?.code == .busy)
        #expect(second?.message.contains(directory.path) == true)

        try recorder.append(Fixtures.record(sequence: 1))
        recorder.close()
        recorder.close()  // idempotent
        #expect(RecorderError.caught { try recorder.append(Fixtures.record(sequence: 2)) }?.code == .closed)
        #expect(RecorderError.caught { _ = try recorder.records(device: "sim0") }?.code == .closed)
        #expect(recorder.lastSequence(device: "sim0") == 1)

        // The lock went with close() (opening waits out a concurrently spawned process's fork-to-exec
        // copy of the descriptor, see `FileDescriptor.lockExclusively`).
        let again = try Recorder(directory: directory.path)
        #expect(again.statistics.records == 1)
    }

    @Test func createsMissingDirectoriesWithMode0750() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let nested = directory.at("state/recordings")
        let recorder = try Recorder(directory: nested)
        try recorder.append(Fixtures.record(sequence: 1))
        let attributes = try FileManager.default.attributesOfItem(atPath: nested)
        let mode = (attributes[.posixPermissions] as? NSNumber)?.intValue ?? -1
        #expect(mode & ~0o750 == 0, "mode \(String(mode, radix: 8))")
        #expect(try directory.segments().isEmpty)  // segments live in the nested directory
        #expect(try FileManager.default.contentsOfDirectory(atPath: nested).contains("seg-0000000000000000.pnnrec"))
    }

    @Test func rejectsNonsenseConfiguration() {
        #expect(RecorderError.caught { _ = try Recorder(directory: "") }?.code == .invalidArgument)
        #expect(RecorderError.caught { _ = try Recorder(directory: "/tmp/x", segmentBytes: 0) }?.code == .invalidArgument)
        #expect(RecorderError.caught { _ = try Recorder(directory: "/tmp/x", retentionBytes: -1) }?.code == .invalidArgument)
    }

    @Test func unusableDirectoryNamesThePathAndErrno() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try Files.write([1, 2, 3], to: directory.at("plain-file"))
        let error = RecorderError.caught { _ = try Recorder(directory: directory.at("plain-file/sub")) }
        #expect(error?.code == .io)
        #expect(error?.message.contains("plain-file") == true)
        #expect(error?.osErrorNumber != nil)
    }

    @Test func concurrentAppendsAreAllStoredInPerDeviceOrder() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let recorder = try Recorder(directory: directory.path, segmentBytes: 4096)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for device in ["a", "b", "c", "d"] {
                group.addTask {
                    for sequence in UInt64(1) ... 25 {
                        try recorder.append(Fixtures.record(device: device, sequence: sequence))
                    }
                }
            }
            try await group.waitForAll()
        }
        for device in ["a", "b", "c", "d"] {
            #expect(try recorder.records(device: device).map(\.sequence) == Array(1 ... 25))
            #expect(recorder.lastSequence(device: device) == 25)
        }
        #expect(recorder.statistics.records == 100)
    }

    @Test func cursorStreamsOneRecordAtATime() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let recorder = try Recorder(directory: directory.path, segmentBytes: 512)
        for sequence in UInt64(1) ... 8 { try recorder.append(Fixtures.record(sequence: sequence)) }
        let cursor = try recorder.cursor(device: "sim0")
        // Appended after the cursor was made: not seen by it.
        try recorder.append(Fixtures.record(sequence: 9))
        var seen: [UInt64] = []
        while let record = try cursor.next() { seen.append(record.sequence) }
        #expect(seen == Array(1 ... 8))
        #expect(try cursor.next() == nil)
    }
}
