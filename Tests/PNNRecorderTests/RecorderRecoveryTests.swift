import Foundation
import PNNCore
@testable import PNNRecorder
import Testing

@Suite struct RecorderRecoveryTests {
    /// Three appends in one segment; returns the segment's path and the offset where the third frame starts.
    static func threeRecords(in directory: TemporaryDirectory) throws -> (segment: String, thirdFrame: Int) {
        let recorder = try Recorder(directory: directory.path)
        for sequence in UInt64(1) ... 2 { try recorder.append(Fixtures.record(sequence: sequence)) }
        let thirdFrame = Int(recorder.statistics.bytes)
        try recorder.append(Fixtures.record(sequence: 3))
        recorder.close()
        let segments = try directory.segments()
        try #require(segments.count == 1)
        return (segments[0], thirdFrame)
    }

    /// A crash anywhere inside the third append: whatever prefix of its frame reached the file, reopening
    /// finds exactly the first two records, cuts the rest, and appends work again.
    @Test func tornTailAtEveryOffsetRecoversTheAcknowledgedRecords() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let (segment, thirdFrame) = try Self.threeRecords(in: directory)
        let intact = try Files.bytes(segment)
        for length in thirdFrame ..< intact.count {
            try Files.write(Array(intact.prefix(length)), to: segment)
            let recorder = try Recorder(directory: directory.path)
            let statistics = recorder.statistics
            #expect(statistics.records == 2, "cut at \(length)")
            #expect(statistics.recoveredBytes == Int64(length - thirdFrame), "cut at \(length)")
            #expect(statistics.corruptRegions == 0, "cut at \(length)")
            #expect(try Files.size(segment) == thirdFrame, "cut at \(length)")
            #expect(try recorder.records(device: "sim0").map(\.sequence) == [1, 2], "cut at \(length)")
            #expect(recorder.lastSequence(device: "sim0") == 2, "cut at \(length)")
            try recorder.append(Fixtures.record(sequence: 3))
            #expect(try recorder.records(device: "sim0").map(\.sequence) == [1, 2, 3], "cut at \(length)")
            recorder.close()
        }
        #expect(try Files.bytes(segment) == intact)
    }

    /// After a power loss the unacknowledged tail may hold zeros or garbage instead of a frame prefix.
    @Test func garbageTailIsCut() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let (segment, _) = try Self.threeRecords(in: directory)
        let intact = try Files.size(segment)
        var generator = SeededGenerator(seed: 7)
        for tail in [[UInt8](repeating: 0, count: 4096), (0 ..< 300).map { _ in UInt8(truncatingIfNeeded: generator.next()) },
                     [0xFF, 0xFF, 0xFF, 0x7F, 1, 2, 3, 4, 5], [8, 0, 0, 0]] {
            try Files.append(tail, to: segment)
            let recorder = try Recorder(directory: directory.path)
            #expect(recorder.statistics.recoveredBytes == Int64(tail.count))
            #expect(try recorder.records(device: "sim0").map(\.sequence) == [1, 2, 3])
            #expect(try Files.size(segment) == intact)
            recorder.close()
        }
    }

    /// The crash simulated without touching the file by hand: a partial frame written straight after two
    /// acknowledged appends, and the recorder dropped without `close()`.
    @Test func partialWriteWithoutCloseIsRecovered() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let partial = Array(Fixtures.record(sequence: 3).encodedFrame().prefix(100))
        do {
            let recorder = try Recorder(directory: directory.path)
            for sequence in UInt64(1) ... 2 { try recorder.append(Fixtures.record(sequence: sequence)) }
            try Files.append(partial, to: try directory.segments()[0])
        }
        let reopened = try Recorder(directory: directory.path)
        #expect(reopened.statistics.recoveredBytes == 100)
        #expect(try reopened.records(device: "sim0").map(\.sequence) == [1, 2])
        #expect(reopened.lastSequence(device: "sim0") == 2)
    }

    /// A bit flip inside an acknowledged record of the newest segment is corruption, not a torn tail:
    /// nothing is truncated, the record is skipped with a report, later records stay readable, and new
    /// appends go to a fresh segment rather than behind the damage.
    @Test func flippedByteInTheNewestSegmentIsReportedAndStepppedOver() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let (segment, thirdFrame) = try Self.threeRecords(in: directory)
        let before = try Files.size(segment)
        try Files.flipByte(in: segment, at: thirdFrame - 20)  // float data of record 2

        let recorder = try Recorder(directory: directory.path)
        #expect(try Files.size(segment) == before)
        #expect(recorder.statistics.recoveredBytes == 0)
        #expect(recorder.statistics.corruptRegions == 1)
        #expect(try recorder.records(device: "sim0").map(\.sequence) == [1, 3])
        try recorder.append(Fixtures.record(sequence: 4))
        #expect(try directory.segments().count == 2)
        #expect(try Files.size(segment) == before)
        #expect(try recorder.records(device: "sim0").map(\.sequence) == [1, 3, 4])
        #expect(recorder.statistics.corruptRegions == 1)  // reading again does not count it twice
    }

    @Test func flippedBytesAnywhereNeverCrash() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let (segment, _) = try Self.threeRecords(in: directory)
        let intact = try Files.bytes(segment)
        for offset in stride(from: 0, to: intact.count, by: 7) {
            var damaged = intact
            damaged[offset] ^= 0x5A
            try Files.write(damaged, to: segment)
            let recorder = try Recorder(directory: directory.path)
            let sequences = try recorder.records(device: "sim0").map(\.sequence)
            // At most the one damaged record is lost (a damaged file header loses none).
            #expect(sequences.count >= 2, "flip at \(offset): \(sequences)")
            #expect(Set(sequences).isSubset(of: [1, 2, 3]))
            recorder.close()
            try Self.removeSegments(except: segment, in: directory)
        }
    }

    /// Deletes the segments recovery started after sealing a damaged one, to reset for the next case.
    static func removeSegments(except kept: String, in directory: TemporaryDirectory) throws {
        for file in try directory.segments() where file != kept { try FileManager.default.removeItem(atPath: file) }
    }

    @Test func openingReportsEverySegmentRead() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        var calls: [[Int]] = []
        do {
            let recorder = try Recorder(directory: directory.path, segmentBytes: 900) { calls.append([$0, $1]) }
            // A new store has no segment to read before it makes its first one.
            #expect(calls == [[0, 0]])
            for sequence in UInt64(1) ... 9 { try recorder.append(Fixtures.record(sequence: sequence)) }
            recorder.close()
        }
        let segments = try directory.segments().count
        try #require(segments >= 3)
        calls = []
        let recorder = try Recorder(directory: directory.path, segmentBytes: 900) { calls.append([$0, $1]) }
        #expect(calls == (0 ... segments).map { [$0, segments] })
        #expect(try recorder.records(device: "sim0").map(\.sequence) == Array(1 ... 9))
    }

    @Test func damageInAnOlderSegmentSkipsOnlyTheDamagedRecord() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        do {
            let recorder = try Recorder(directory: directory.path, segmentBytes: 900)
            for sequence in UInt64(1) ... 9 { try recorder.append(Fixtures.record(sequence: sequence)) }
            recorder.close()
        }
        let segments = try directory.segments()
        try #require(segments.count >= 3)
        // The first segment holds records 1…k; damage the data of its first record.
        try Files.flipByte(in: segments[0], at: SegmentFormat.headerBytes + 100)
        let recorder = try Recorder(directory: directory.path, segmentBytes: 900)
        let sequences = try recorder.records(device: "sim0").map(\.sequence)
        #expect(sequences == Array(2 ... 9))
        #expect(recorder.statistics.corruptRegions == 1)
        #expect(recorder.lastSequence(device: "sim0") == 9)
    }

    /// Frames of other devices are stepped over by their length field without a checksum. If that
    /// length is damaged the walk lands inside data; it must find its way back to the next real frame.
    @Test func damagedLengthOfAnUnverifiedFrameDoesNotHideLaterRecords() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        var otherFrame = 0
        do {
            let recorder = try Recorder(directory: directory.path)
            try recorder.append(Fixtures.record(device: "mine", sequence: 1))
            otherFrame = Int(recorder.statistics.bytes)
            try recorder.append(Fixtures.record(device: "other", sequence: 1))
            for sequence in UInt64(2) ... 4 { try recorder.append(Fixtures.record(device: "mine", sequence: sequence)) }
            recorder.close()
        }
        let segment = try directory.segments()[0]
        let intact = try Files.bytes(segment)
        let length = (0 ..< 4).reduce(UInt32(0)) { $0 | UInt32(intact[otherFrame + $1]) << (8 * UInt32($1)) }
        for damagedLength in [length - 4, length - 40, length + 4, length + 1 << 20] {
            var bytes = intact
            for i in 0 ..< 4 { bytes[otherFrame + i] = UInt8(truncatingIfNeeded: damagedLength >> (8 * UInt32(i))) }
            try Files.write(bytes, to: segment)

            let recorder = try Recorder(directory: directory.path)
            #expect(try recorder.records(device: "mine").map(\.sequence) == [1, 2, 3, 4], "length \(damagedLength)")
            #expect(try recorder.records(device: "other").isEmpty, "length \(damagedLength)")
            #expect(recorder.statistics.corruptRegions >= 1)
            recorder.close()
            try Self.removeSegments(except: segment, in: directory)
        }
    }

    /// A frame whose checksum holds but whose contents a correct writer would never produce (here: input
    /// dimensions whose product overflows, and a rank-1 input) is skipped and reported, not trusted.
    @Test func checksummedButInvalidRecordIsSkipped() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        do {
            let recorder = try Recorder(directory: directory.path)
            try recorder.append(Fixtures.record(sequence: 1))
            recorder.close()
        }
        let segment = try directory.segments()[0]
        let good = Array(Fixtures.record(sequence: 2, batch: 1, inputs: 1).encodedFrame().dropFirst(8))
        let shapes = try #require(RecordSummary(good)).dataOffset - 9 - 5 - 9  // input rank byte: [1×1], [2], [1×5] follow
        var overflowing = good
        for i in 0 ..< 8 { overflowing[shapes + 1 + i] = 0xFF }  // [4294967295 × 4294967295]
        var rankOne = good
        rankOne[shapes] = 1  // input [1] and one dimension byte too many
        for body in [overflowing, rankOne] {
            var writer = ByteWriter(capacity: body.count + 8)
            writer.appendLittleEndian(UInt32(0))
            writer.appendLittleEndian(UInt32(0))
            writer.append(body)
            try Files.append(BatchRecord.sealFrame(&writer), to: segment)
        }
        try Files.append(Fixtures.record(sequence: 3).encodedFrame(), to: segment)

        let recorder = try Recorder(directory: directory.path)
        #expect(try recorder.records(device: "sim0").map(\.sequence) == [1, 3])
        #expect(recorder.statistics.corruptRegions == 2)
    }

    /// A crash while a segment was being created leaves it empty or with part of its header.
    @Test func segmentTornDuringCreationIsStartedOver() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        do {
            let recorder = try Recorder(directory: directory.path)
            try recorder.append(Fixtures.record(sequence: 1))
            recorder.close()
        }
        let torn = directory.at(SegmentFormat.segmentName(index: 1))
        for contents in [[], Array(SegmentFormat.header.prefix(5)), [UInt8](repeating: 0, count: 64)] {
            try Files.write(contents, to: torn)
            let recorder = try Recorder(directory: directory.path)
            #expect(recorder.statistics.recoveredBytes == Int64(contents.count))
            #expect(recorder.statistics.corruptRegions == 0)
            try recorder.append(Fixtures.record(sequence: 2))
            #expect(try recorder.records(device: "sim0").map(\.sequence) == [1, 2])
            #expect(Array(try Files.bytes(torn).prefix(16)) == SegmentFormat.header)
            recorder.close()
            try Files.write([], to: torn)
        }
    }

    /// A newer format's segment is neither read nor written nor deleted: appends continue in a new segment.
    @Test func segmentOfAnUnknownVersionIsLeftAlone() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let future = directory.at(SegmentFormat.segmentName(index: 0))
        let contents = Array("PNNREC01".utf8) + [2, 0, 0, 0, 0, 0, 0, 0] + [UInt8](repeating: 0xAB, count: 100)
        try Files.write(contents, to: future)
        let recorder = try Recorder(directory: directory.path)
        try recorder.append(Fixtures.record(sequence: 1))
        #expect(try recorder.records(device: "sim0").map(\.sequence) == [1])
        #expect(try Files.bytes(future) == contents)
        #expect(try directory.segments().count == 2)
        #expect(recorder.statistics.corruptRegions == 1)
    }

    @Test func segmentNameAtTheEndOfTheIndexSpaceIsAnErrorNotATrap() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try Files.write(Array("PNNREC01".utf8) + [9, 0, 0, 0, 0, 0, 0, 0], to: directory.at("seg-ffffffffffffffff.pnnrec"))
        let error = RecorderError.caught { _ = try Recorder(directory: directory.path) }
        #expect(error?.code == .io)
        #expect(error?.message.contains("seg-ffffffffffffffff.pnnrec") == true)
    }
}
