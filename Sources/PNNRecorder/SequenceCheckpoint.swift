/// The last sequence number of every device, written as the first frame of each new segment.
///
/// Retention deletes old segments; without this, a device whose records all expired would restart its
/// numbering at zero after a daemon restart. Body layout (little-endian):
///
///     "PNNS" | u32 count | count × (u8 length + UTF-8 device | u64 last sequence)
struct SequenceCheckpoint: Equatable {
    var lastSequences: [String: UInt64]

    /// The complete frame; devices sorted so equal maps give equal bytes.
    func encodedFrame() -> [UInt8] {
        var writer = ByteWriter(capacity: 64 + lastSequences.count * 32)
        writer.appendLittleEndian(UInt32(0))
        writer.appendLittleEndian(UInt32(0))
        writer.append(FrameType.checkpoint.marker)
        writer.appendLittleEndian(UInt32(lastSequences.count))
        for (device, sequence) in lastSequences.sorted(by: { $0.key < $1.key }) {
            writer.appendShortString(device)
            writer.appendLittleEndian(sequence)
        }
        return BatchRecord.sealFrame(&writer)
    }

    init(lastSequences: [String: UInt64]) { self.lastSequences = lastSequences }

    /// Decodes a checksum-verified body; nil when it does not parse.
    init?(body: [UInt8]) {
        guard FrameType(marker: body.prefix(4)) == .checkpoint else { return nil }
        var reader = ByteReader(body, offset: 4)
        guard let count = reader.readLittleEndian(UInt32.self), Int(count) <= reader.remaining / 10 else { return nil }
        var map: [String: UInt64] = [:]
        for _ in 0 ..< count {
            guard let device = reader.readShortString(), let sequence = reader.readLittleEndian(UInt64.self) else {
                return nil
            }
            map[device] = max(map[device] ?? 0, sequence)
        }
        guard reader.remaining == 0 else { return nil }
        lastSequences = map
    }
}
