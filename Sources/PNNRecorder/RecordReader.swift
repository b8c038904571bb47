#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A record store opened for reading only — what `pnn records export` uses.
///
/// `Recorder` owns a store: it creates the directory, takes the lock, cuts a torn tail, starts new
/// segments and deletes the oldest ones beyond *its* retention limit. A reader must do none of that: a
/// reader that opened the daemon's store with another retention limit would delete records the daemon
/// keeps, and one pointed at the wrong directory would leave an empty store there. So this one takes no
/// lock and writes nothing. It reads the segments as they are when it opens: a store the daemon is
/// writing gives every record acknowledged by then (the append in progress, or a torn tail after a
/// crash, is where reading stops), and a segment retention deletes meanwhile counts as expired.
public final class RecordReader {
    public let directory: String
    private let segments: [RecorderState.Segment]
    /// Each device's highest sequence number, as `Recorder.lastSequence` gives it.
    private let lastSequences: [String: UInt64]
    /// Where the newest segment's frames stop being whole: an append in progress, or one a crash cut
    /// short. Not damage; reading ends there.
    private let tail: RecorderState.DamageSite?
    private var damage: Set<RecorderState.DamageSite>
    /// Damaged regions found so far (opening reads record summaries; reading checksums the records it
    /// returns, and finds the rest), the tail of the newest segment not counted. Reading steps over them.
    public var damagedRegions: Int { damage.count }

    /// Opens the store in `directory`; `.notFound` when the directory does not exist or holds no
    /// segment (it is not a record store).
    public init(directory: String) throws(RecorderError) {
        guard !directory.isEmpty else { throw RecorderError(.invalidArgument, "record store directory must not be empty") }
        self.directory = directory
        let names: [String]
        do throws(RecorderError) {
            names = try FileSystem.list(directory)
        } catch where error.code == .notFound {
            throw RecorderError(.notFound, "no record store at '\(directory)': the directory does not exist")
        }
        let indices = names.compactMap(SegmentFormat.segmentIndex(fromName:)).sorted()
        guard !indices.isEmpty else {
            throw RecorderError(.notFound, "no record store at '\(directory)': it holds no segment files (seg-*.pnnrec)")
        }
        var segments: [RecorderState.Segment] = []
        var sequences: [String: UInt64] = [:]
        var damage = Set<RecorderState.DamageSite>()
        var tail: RecorderState.DamageSite?
        for (position, index) in indices.enumerated() {
            let path = directory + "/" + SegmentFormat.segmentName(index: index)
            let file: FileDescriptor
            do throws(RecorderError) {
                file = try FileDescriptor.open(path, O_RDONLY | O_CLOEXEC)
            } catch where error.code == .notFound {
                continue  // deleted by the daemon's retention since the listing
            }
            defer { file.close() }
            let size = try file.size()
            let scan = try SegmentScan.scan(file, size: size, verifyAll: false)
            sequences.merge(scan.lastSequences, uniquingKeysWith: max)
            if position == indices.count - 1, let start = scan.damagedTailStart {
                tail = RecorderState.DamageSite(segment: index, offset: start)
            }
            for offset in scan.damage { damage.insert(RecorderState.DamageSite(segment: index, offset: offset)) }
            if case .unsupportedVersion = scan.header { damage.insert(RecorderState.DamageSite(segment: index, offset: 0)) }
            segments.append(RecorderState.Segment(index: index, path: path, bytes: size, records: scan.records))
        }
        self.segments = segments
        lastSequences = sequences
        self.tail = tail
        if let tail { damage.remove(tail) }
        self.damage = damage
    }

    /// Devices with records (or whose records retention has deleted), sorted.
    public var devices: [String] { lastSequences.keys.sorted() }

    /// The highest sequence number stored for `device`; nil for a device never recorded.
    public func lastSequence(device: String) -> UInt64? { lastSequences[device] }

    /// `device`'s records started at or after `since` (Unix seconds), in append order, checksummed.
    public func cursor(device: String, since: Double? = nil) -> RecordCursor {
        RecordCursor(segments: segments, device: device, since: since) { [self] segment, offset in
            let site = RecorderState.DamageSite(segment: segment, offset: offset)
            if site != tail { damage.insert(site) }
        }
    }

    /// As `Recorder.export`.
    public func export(device: String, since: Double? = nil, to output: String) throws(RecorderError) -> ExportSummary {
        try RecordExport.run(device: device, since: since, to: output, store: directory,
                             recorded: lastSequence(device: device) != nil, devices: devices) { () throws(RecorderError) in
            cursor(device: device, since: since)
        }
    }
}
