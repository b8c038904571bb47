@testable import PNNRecorder
import Testing

@Suite struct RecorderRetentionTests {
    @Test func segmentsRollBeforeTheyOutgrowSegmentBytes() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let frameBytes = Fixtures.record(sequence: 1).encodedFrame().count
        let segmentBytes = 3 * frameBytes + 100  // three records, a checkpoint and a header fit
        let recorder = try Recorder(directory: directory.path, segmentBytes: segmentBytes)
        for sequence in UInt64(1) ... 10 { try recorder.append(Fixtures.record(sequence: sequence)) }

        let segments = try directory.segments()
        #expect(segments.count == 4)
        #expect(recorder.statistics.segments == 4)
        for segment in segments { #expect(try Files.size(segment) <= segmentBytes) }
        // Named by the count of records before them.
        #expect(segments.map { String($0.split(separator: "/").last ?? "") } == [0, 3, 6, 9].map { SegmentFormat.segmentName(index: $0) })
        #expect(try recorder.records(device: "sim0").map(\.sequence) == Array(1 ... 10))
        #expect(recorder.statistics.bytes == Int64(try segments.map(Files.size).reduce(0, +)))
    }

    @Test func recordBiggerThanASegmentGetsOneToItself() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let recorder = try Recorder(directory: directory.path, segmentBytes: 64)
        for sequence in UInt64(1) ... 3 { try recorder.append(Fixtures.record(sequence: sequence)) }
        #expect(try directory.segments().count == 3)
        #expect(try recorder.records(device: "sim0").map(\.sequence) == [1, 2, 3])
    }

    @Test func retentionDeletesTheOldestWholeSegments() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let frameBytes = Fixtures.record(sequence: 1).encodedFrame().count
        let segmentBytes = 2 * frameBytes + 100
        let retentionBytes = Int64(3 * segmentBytes)
        let recorder = try Recorder(directory: directory.path, segmentBytes: segmentBytes, retentionBytes: retentionBytes)
        try recorder.append(Fixtures.record(device: "early", sequence: 77))
        for sequence in UInt64(1) ... 20 {
            try recorder.append(Fixtures.record(sequence: sequence))
            #expect(recorder.statistics.bytes <= retentionBytes)
        }
        let statistics = recorder.statistics
        #expect(statistics.deletedSegments > 0)
        #expect(statistics.segments == (try directory.segments().count))
        #expect(statistics.problem == nil)
        // What is left is the newest records, contiguous, ending with the last one appended.
        let kept = try recorder.records(device: "sim0").map(\.sequence)
        #expect(kept == Array((20 - UInt64(kept.count) + 1) ... 20))
        #expect(kept.count == statistics.records)
        #expect(try recorder.records(device: "early").isEmpty)
        recorder.close()

        // The device whose records all expired still continues its numbering after a restart.
        let reopened = try Recorder(directory: directory.path, segmentBytes: segmentBytes, retentionBytes: retentionBytes)
        #expect(reopened.lastSequence(device: "early") == 77)
        #expect(reopened.lastSequence(device: "sim0") == 20)
    }

    @Test func activeSegmentIsNeverDeleted() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let recorder = try Recorder(directory: directory.path, segmentBytes: 64, retentionBytes: 1)
        for sequence in UInt64(1) ... 4 { try recorder.append(Fixtures.record(sequence: sequence)) }
        #expect(try directory.segments().count == 1)
        #expect(try recorder.records(device: "sim0").map(\.sequence) == [4])
    }

    @Test func smallerLimitAtOpenTrimsTheStore() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let frameBytes = Fixtures.record(sequence: 1).encodedFrame().count
        do {
            let recorder = try Recorder(directory: directory.path, segmentBytes: frameBytes + 100)
            for sequence in UInt64(1) ... 6 { try recorder.append(Fixtures.record(sequence: sequence)) }
            recorder.close()
        }
        #expect(try directory.segments().count == 6)
        let recorder = try Recorder(
            directory: directory.path, segmentBytes: frameBytes + 100, retentionBytes: Int64(2 * (frameBytes + 100)))
        #expect(recorder.statistics.deletedSegments == 4)
        #expect(try recorder.records(device: "sim0").map(\.sequence) == [5, 6])
        #expect(recorder.lastSequence(device: "sim0") == 6)
    }
}
