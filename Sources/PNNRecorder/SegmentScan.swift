/// What one pass over a segment file found: how many records, each device's last sequence number, and
/// where it is damaged.
struct SegmentScan {
    var header: SegmentFormat.HeaderState
    var records = 0
    /// Frames of any type whose checksum held or was not needed.
    var validFrames = 0
    var lastSequences: [String: UInt64] = [:]
    /// Offsets of damaged regions, in file order.
    var damage: [Int64] = []
    /// Start of damage that runs to the end of the file: in the newest segment, the torn tail of an
    /// append that never returned.
    var damagedTailStart: Int64?

    init(header: SegmentFormat.HeaderState) { self.header = header }

    /// Damage anywhere but a trailing region: real corruption, never a torn append.
    var damagedBeforeTail: Bool { damage.count > (damagedTailStart == nil ? 0 : 1) }

    /// Scans `file` up to `size`. With `verifyAll`, every frame is checksummed (the newest segment, where a
    /// torn tail must be found); otherwise batch records are trusted from their summary, which reads a
    /// kilobyte per record instead of the whole segment (older segments at startup).
    static func scan(_ file: FileDescriptor, size: Int64, verifyAll: Bool) throws(RecorderError) -> SegmentScan {
        var scan = SegmentScan(header: SegmentFormat.headerState(try file.read(count: SegmentFormat.headerBytes, at: 0)))
        if case .unsupportedVersion = scan.header { return scan }
        var walker = FrameWalker(
            file: file, start: scan.header == .valid ? Int64(SegmentFormat.headerBytes) : 0, end: size,
            damagedAtStart: scan.header != .valid)
        while let step = try walker.next(wantsBody: { type, prefix in
            verifyAll || !type.isBatch || RecordSummary(prefix) == nil
        }) {
            switch step {
            case .damaged(let offset, let resumeAt):
                scan.damage.append(offset)
                if resumeAt == nil { scan.damagedTailStart = offset }
            case .frame(let frame):
                switch frame.type {
                case .batch, .averagedBatch:
                    guard let summary = RecordSummary(frame.body ?? frame.prefix) else {
                        // Checksum fine but undecodable: a writer bug, not a torn write.
                        scan.damage.append(frame.offset)
                        continue
                    }
                    scan.validFrames += 1
                    scan.records += 1
                    scan.lastSequences[summary.device] = max(scan.lastSequences[summary.device] ?? 0, summary.sequence)
                case .checkpoint:
                    guard let body = frame.body, let checkpoint = SequenceCheckpoint(body: body) else {
                        scan.damage.append(frame.offset)
                        continue
                    }
                    scan.validFrames += 1
                    scan.lastSequences.merge(checkpoint.lastSequences, uniquingKeysWith: max)
                case nil:
                    scan.validFrames += 1
                }
            }
        }
        return scan
    }
}
