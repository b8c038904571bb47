import PNNCore

/// The body of a batch frame (all integers little-endian):
///
///     "PNNB"                                    4   ("PNNA": outputs averaged, followed by
///                                                    u16 acquisitions, 2 more bytes)
///     u64 sequence                              8
///     f64 startedAt, f64 finishedAt            16   IEEE-754 bits
///     u8 length + UTF-8 device              1+≤255
///     u8 length + UTF-8 kind                1+≤255
///     u8 length + UTF-8 configHash          1+≤255
///     3 × (u8 rank + rank × u32 dims)               input, parameters, output
///     float32 data of input, parameters, output     row-major, 4 bytes each
///
/// Everything before the float data is the record's summary: small, and enough to filter by device
/// and time without reading (or checksumming) the tensors.
extension BatchRecord {
    var encodedBodyCount: Int {
        let strings = 3 + device.utf8.count + kind.utf8.count + configHash.utf8.count
        let shapes = 3 + 4 * (input.rank + parameters.rank + output.rank)
        let averaged = acquisitions > 1 ? 2 : 0
        return 4 + averaged + 8 + 16 + strings + shapes + 4 * (input.count + parameters.count + output.count)
    }

    /// The complete frame: length, CRC-32C and body. The caller has checked `problem == nil`.
    func encodedFrame() -> [UInt8] {
        let bodyCount = encodedBodyCount
        var writer = ByteWriter(capacity: SegmentFormat.frameHeaderBytes + bodyCount)
        writer.appendLittleEndian(UInt32(0))  // length, patched below
        writer.appendLittleEndian(UInt32(0))  // CRC, patched below
        if acquisitions > 1 {
            writer.append(FrameType.averagedBatch.marker)
            writer.appendLittleEndian(UInt16(acquisitions))
        } else {
            writer.append(FrameType.batch.marker)
        }
        writer.appendLittleEndian(sequence)
        writer.append(startedAt)
        writer.append(finishedAt)
        writer.appendShortString(device)
        writer.appendShortString(kind)
        writer.appendShortString(configHash)
        for tensor in [input, parameters, output] {
            writer.append(UInt8(tensor.rank))
            for extent in tensor.shape { writer.appendLittleEndian(UInt32(extent)) }
        }
        writer.appendFloats(input.scalars)
        writer.appendFloats(parameters.scalars)
        writer.appendFloats(output.scalars)
        return Self.sealFrame(&writer)
    }

    /// Fills in length and checksum of a frame whose body follows 8 placeholder bytes. In place: the
    /// frame of a 256×196 batch is 400 KB, and a copy-on-write copy here doubled the encoding time.
    static func sealFrame(_ writer: inout ByteWriter) -> [UInt8] {
        let body = writer.bytes.count - SegmentFormat.frameHeaderBytes
        let crc = writer.bytes.withUnsafeBytes { raw in
            CRC32C.checksum(UnsafeRawBufferPointer(rebasing: raw[SegmentFormat.frameHeaderBytes...]))
        }
        writer.patchLittleEndian(UInt32(body), at: 0)
        writer.patchLittleEndian(crc, at: 4)
        return writer.bytes
    }

    /// Decodes a checksum-verified body.
    init(body: [UInt8]) throws(RecorderError) {
        guard let summary = RecordSummary(body) else {
            throw RecorderError(.corrupt, "batch record summary does not decode")
        }
        var reader = ByteReader(body, offset: summary.dataOffset)
        func tensor(_ shape: [Int]) throws(RecorderError) -> Tensor<Float> {
            guard let count = RecordSummary.elementCount(shape), let values = reader.readFloats(count) else {
                throw RecorderError(.corrupt, "batch record data is shorter than its shapes say")
            }
            do { return try Tensor(shape: shape, scalars: values) } catch {
                throw RecorderError(.corrupt, "batch record shape: \(error.message)")
            }
        }
        let input = try tensor(summary.inputShape)
        let parameters = try tensor(summary.parameterShape)
        let output = try tensor(summary.outputShape)
        guard reader.remaining == 0 else {
            throw RecorderError(.corrupt, "batch record has \(reader.remaining) bytes after its data")
        }
        self.init(
            device: summary.device, sequence: summary.sequence, startedAt: summary.startedAt,
            finishedAt: summary.finishedAt, configHash: summary.configHash, kind: summary.kind,
            input: input, parameters: parameters, output: output, acquisitions: summary.acquisitions)
        // A valid checksum proves the bytes are what was written, not that the writer was right; callers
        // (export) rely on the shapes `append` guarantees.
        if let problem { throw RecorderError(.corrupt, "stored batch record is invalid: \(problem)") }
    }
}

/// A batch record without its tensors: decodable from the first `SegmentFormat.prefixBytes` of a body.
struct RecordSummary: Equatable {
    var sequence: UInt64
    var startedAt: Double
    var finishedAt: Double
    var device: String
    var kind: String
    var configHash: String
    var inputShape: [Int]
    var parameterShape: [Int]
    var outputShape: [Int]
    var acquisitions: Int
    /// Where the float data starts in the body.
    var dataOffset: Int

    /// Decodes the summary at the start of `bytes` (a whole body or its prefix); nil when damaged.
    init?(_ bytes: [UInt8]) {
        guard let type = FrameType(marker: bytes.prefix(4)), type.isBatch else { return nil }
        var reader = ByteReader(bytes, offset: 4)
        var acquisitions = 1
        if type == .averagedBatch {
            guard let count = reader.readLittleEndian(UInt16.self), count >= 2 else { return nil }
            acquisitions = Int(count)
        }
        guard let sequence = reader.readLittleEndian(UInt64.self),
              let startedAt = reader.readDouble(),
              let finishedAt = reader.readDouble(),
              let device = reader.readShortString(),
              let kind = reader.readShortString(),
              let configHash = reader.readShortString()
        else { return nil }
        var shapes: [[Int]] = []
        for _ in 0 ..< 3 {
            guard let rank = reader.readByte(), rank <= 8 else { return nil }
            var shape: [Int] = []
            for _ in 0 ..< rank {
                guard let extent = reader.readLittleEndian(UInt32.self) else { return nil }
                shape.append(Int(extent))
            }
            shapes.append(shape)
        }
        (self.sequence, self.startedAt, self.finishedAt) = (sequence, startedAt, finishedAt)
        (self.device, self.kind, self.configHash) = (device, kind, configHash)
        (inputShape, parameterShape, outputShape) = (shapes[0], shapes[1], shapes[2])
        self.acquisitions = acquisitions
        dataOffset = reader.offset
    }

    /// Elements in `shape`, or nil when the product overflows (damaged or hostile dimensions).
    static func elementCount(_ shape: [Int]) -> Int? {
        var count = 1
        for extent in shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: extent)
            guard !overflow else { return nil }
            count = product
        }
        return count
    }
}
