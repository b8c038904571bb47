/// Walks the frames of one segment file, checksumming the ones the caller wants and stepping over damage.
///
/// After damage it searches forward for the next frame whose marker, length and CRC-32C all check out
/// (a false match needs a 4-byte marker and a 32-bit checksum to agree by chance) and resumes there, so
/// one bad sector costs the records it touches, not the rest of the segment.
struct FrameWalker {
    enum Step {
        case frame(Frame)
        /// Damage at `offset`; walking resumes at `resumeAt`, or nil when no valid frame follows.
        case damaged(offset: Int64, resumeAt: Int64?)
    }

    struct Frame {
        let offset: Int64
        /// nil: a marker this reader does not know, with a valid checksum (a newer writer's frame).
        let type: FrameType?
        /// The first `SegmentFormat.prefixBytes` of the body, not checksummed unless `body` is set.
        let prefix: [UInt8]
        /// The whole checksum-verified body, when the caller asked for it.
        let body: [UInt8]?
    }

    let file: FileDescriptor
    /// Bytes past this offset are ignored (not yet acknowledged, or beyond the file).
    let end: Int64
    private(set) var offset: Int64
    private var pendingDamage: Int64?
    /// Start of the last frame stepped over without its checksum: if its length field was damaged we
    /// landed inside data, and the true next frame is the first valid one after this offset.
    private var lastUnverified: Int64?

    init(file: FileDescriptor, start: Int64, end: Int64, damagedAtStart: Bool = false) {
        self.file = file
        self.end = end
        offset = start
        pendingDamage = damagedAtStart ? start : nil
    }

    /// The next frame or damaged region; nil at the end. `wantsBody(type, prefix)` decides whether a
    /// frame of a known type is read whole and checksummed; frames of unknown type always are.
    mutating func next(wantsBody: (FrameType, [UInt8]) -> Bool) throws(RecorderError) -> Step? {
        if let damage = pendingDamage {
            pendingDamage = nil
            return try damaged(at: damage)
        }
        guard offset < end else { return nil }
        let start = offset
        let head = try file.read(
            count: Int(min(end - start, Int64(SegmentFormat.frameHeaderBytes + SegmentFormat.prefixBytes))), at: start)
        guard let length = plausibleLength(head, at: start) else { return try damaged(at: start) }
        let prefix = Array(head[SegmentFormat.frameHeaderBytes ..< min(head.count, SegmentFormat.frameHeaderBytes + length)])
        let type = FrameType(marker: prefix[...])
        let frameEnd = start + Int64(SegmentFormat.frameHeaderBytes + length)
        if let type, !wantsBody(type, prefix) {
            lastUnverified = start
            offset = frameEnd
            return .frame(Frame(offset: start, type: type, prefix: prefix, body: nil))
        }
        let body = length == prefix.count
            ? prefix : try file.read(count: length, at: start + Int64(SegmentFormat.frameHeaderBytes))
        var reader = ByteReader(head, offset: 4)
        guard body.count == length, let stored = reader.readLittleEndian(UInt32.self),
              CRC32C.checksum(body) == stored
        else { return try damaged(at: start) }
        lastUnverified = nil
        offset = frameEnd
        return .frame(Frame(offset: start, type: type, prefix: prefix, body: body))
    }

    private mutating func damaged(at position: Int64) throws(RecorderError) -> Step {
        let searchFrom = (lastUnverified ?? position) + 1
        lastUnverified = nil
        let resume = try findValidFrame(from: searchFrom)
        offset = resume ?? end
        return .damaged(offset: position, resumeAt: resume)
    }

    /// The body length in a frame header at `start`, if it is possible: at least a marker, at most the
    /// format's limit, and inside the walked range (a longer one is a torn or damaged frame).
    private func plausibleLength(_ head: [UInt8], at start: Int64) -> Int? {
        var reader = ByteReader(head)
        guard let raw = reader.readLittleEndian(UInt32.self) else { return nil }
        let length = Int(raw)
        guard length >= SegmentFormat.minimumBodyBytes, length <= SegmentFormat.maximumBodyBytes,
              start + Int64(SegmentFormat.frameHeaderBytes + length) <= end
        else { return nil }
        return length
    }

    /// The first offset ≥ `from` holding a complete frame of a known type with a matching checksum.
    private func findValidFrame(from: Int64) throws(RecorderError) -> Int64? {
        let chunk = 1 << 20
        let headerBytes = Int64(SegmentFormat.frameHeaderBytes)
        var position = from + headerBytes  // file offset of the first candidate marker
        while position + 4 <= end {
            let bytes = try file.read(count: Int(min(Int64(chunk) + 3, end - position)), at: position)
            guard bytes.count >= 4 else { return nil }
            var candidates: [Int] = []
            bytes.withUnsafeBufferPointer { b in
                for i in 0 ... b.count - 4 where b[i] == 0x50 && b[i + 1] == 0x4E && b[i + 2] == 0x4E {
                    if FrameType(rawValue: b[i + 3]) != nil { candidates.append(i) }
                }
            }
            for i in candidates {
                let candidate = position + Int64(i) - headerBytes
                if try isValidFrame(at: candidate) { return candidate }
            }
            // Overlap by 3 bytes so a marker straddling two chunks is seen once.
            position += Int64(bytes.count - 3)
        }
        return nil
    }

    private func isValidFrame(at start: Int64) throws(RecorderError) -> Bool {
        let head = try file.read(count: SegmentFormat.frameHeaderBytes, at: start)
        guard let length = plausibleLength(head, at: start) else { return false }
        let body = try file.read(count: length, at: start + Int64(SegmentFormat.frameHeaderBytes))
        var reader = ByteReader(head, offset: 4)
        guard body.count == length, FrameType(marker: body.prefix(4)) != nil,
              let stored = reader.readLittleEndian(UInt32.self)
        else { return false }
        return CRC32C.checksum(body) == stored
    }
}
