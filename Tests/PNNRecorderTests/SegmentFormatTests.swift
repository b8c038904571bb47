import PNNCore
@testable import PNNRecorder
import Testing

@Suite struct SegmentFormatTests {
    @Test func fileHeaderIsMagicVersionAndFlags() {
        #expect(SegmentFormat.header == Array("PNNREC01".utf8) + [1, 0, 0, 0, 0, 0, 0, 0])
        #expect(SegmentFormat.headerState(SegmentFormat.header) == .valid)
        #expect(SegmentFormat.headerState(Array(SegmentFormat.header.prefix(15))) == .invalid)
        #expect(SegmentFormat.headerState([UInt8](repeating: 0, count: 16)) == .invalid)
        #expect(SegmentFormat.headerState(Array("PNNREC01".utf8) + [2, 0, 0, 0, 0, 0, 0, 0]) == .unsupportedVersion(2))
    }

    @Test func segmentNamesSortInIndexOrder() {
        #expect(SegmentFormat.segmentName(index: 0) == "seg-0000000000000000.pnnrec")
        #expect(SegmentFormat.segmentName(index: 0xAB) == "seg-00000000000000ab.pnnrec")
        #expect(SegmentFormat.segmentIndex(fromName: "seg-00000000000000ab.pnnrec") == 0xAB)
        #expect(SegmentFormat.segmentIndex(fromName: "seg-ffffffffffffffff.pnnrec") == .max)
        for bad in ["seg-00000000000000AB.pnnrec", "seg-ab.pnnrec", "seg-00000000000000ab.pnnrec.partial", "LOCK",
                    "seg-000000000000000g.pnnrec"] {
            #expect(SegmentFormat.segmentIndex(fromName: bad) == nil, "\(bad)")
        }
    }

    /// Pins the batch frame byte for byte, as docs/recorder.md describes it.
    @Test func batchFrameLayout() throws {
        let record = BatchRecord(
            device: "d", sequence: 0x0102, startedAt: 1.5, finishedAt: 2, configHash: "ab", kind: "run",
            input: try Tensor(shape: [1, 1], scalars: [1]), parameters: Tensor([0.5]),
            output: try Tensor(shape: [1, 1], scalars: [-2]))
        let body: [UInt8] = Array("PNNB".utf8)
            + [0x02, 0x01, 0, 0, 0, 0, 0, 0]  // sequence
            + [0, 0, 0, 0, 0, 0, 0xF8, 0x3F]  // 1.5
            + [0, 0, 0, 0, 0, 0, 0x00, 0x40]  // 2.0
            + [1] + Array("d".utf8) + [3] + Array("run".utf8) + [2] + Array("ab".utf8)
            + [2, 1, 0, 0, 0, 1, 0, 0, 0]  // input [1, 1]
            + [1, 1, 0, 0, 0]  // parameters [1]
            + [2, 1, 0, 0, 0, 1, 0, 0, 0]  // output [1, 1]
            + [0x00, 0x00, 0x80, 0x3F] + [0x00, 0x00, 0x00, 0x3F] + [0x00, 0x00, 0x00, 0xC0]
        let crc = CRC32C.checksum(body)
        #expect(crc == 0x7321_B3E7)  // the example frame in docs/recorder.md
        let frame = record.encodedFrame()
        #expect(frame == [UInt8(body.count), 0, 0, 0] + (0 ..< 4).map { UInt8((crc >> (8 * $0)) & 0xFF) } + body)
        #expect(record.encodedBodyCount == body.count)
        #expect(try BatchRecord(body: body) == record)
    }

    /// An averaged batch is the batch layout with marker "PNNA" and the u16 count right after it.
    @Test func averagedBatchFrameLayout() throws {
        var record = Fixtures.record(sequence: 5, batch: 2)
        let single = Array(record.encodedFrame().dropFirst(8))
        record.acquisitions = 0x0104
        let body = Array(record.encodedFrame().dropFirst(8))
        #expect(body == Array("PNNA".utf8) + [0x04, 0x01] + single.dropFirst(4))
        #expect(record.encodedBodyCount == body.count)
        #expect(try BatchRecord(body: body) == record)
        let summary = try #require(RecordSummary(Array(body.prefix(SegmentFormat.prefixBytes))))
        #expect(summary.acquisitions == 0x0104 && summary.sequence == 5 && summary.inputShape == [2, 4])
        // A count below 2 never comes with this marker: such a body is damaged.
        var one = body
        (one[4], one[5]) = (1, 0)
        #expect(RecordSummary(one) == nil)
        record.acquisitions = 0
        #expect(record.problem?.contains("acquisitions must be 1…65535, got 0") == true)
    }

    @Test func summaryDecodesFromThePrefixAlone() throws {
        let record = Fixtures.record(sequence: 9, batch: 64, inputs: 196)
        let body = Array(record.encodedFrame().dropFirst(8))
        let summary = try #require(RecordSummary(Array(body.prefix(SegmentFormat.prefixBytes))))
        #expect(summary.device == record.device)
        #expect(summary.sequence == 9)
        #expect(summary.startedAt == record.startedAt)
        #expect(summary.inputShape == [64, 196])
        #expect(summary.parameterShape == [2])
        #expect(summary.outputShape == [64, 5])
        #expect(RecordSummary(Array(body.prefix(20))) == nil)
    }

    @Test func bodyDecodingRejectsTruncationAndTrailingBytes() {
        let body = Array(Fixtures.record(sequence: 1).encodedFrame().dropFirst(8))
        #expect(RecorderError.caught { _ = try BatchRecord(body: Array(body.dropLast())) }?.code == .corrupt)
        #expect(RecorderError.caught { _ = try BatchRecord(body: body + [0]) }?.code == .corrupt)
    }

    @Test func checkpointRoundTrip() {
        let checkpoint = SequenceCheckpoint(lastSequences: ["a": 1, "bench-2": .max, "z": 0])
        let frame = checkpoint.encodedFrame()
        let body = Array(frame.dropFirst(8))
        #expect(Array(body.prefix(4)) == Array("PNNS".utf8))
        #expect(SequenceCheckpoint(body: body) == checkpoint)
        #expect(SequenceCheckpoint(body: Array(body.dropLast())) == nil)
    }
}
