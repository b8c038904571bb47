#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Everything the recorder's lock protects: the segment list, the open files and the per-device
/// sequence numbers.
struct RecorderState {
    struct Segment: Equatable {
        var index: UInt64
        var path: String
        /// Bytes holding acknowledged frames; readers never look past them.
        var bytes: Int64
        var records: Int
    }

    /// A damaged region, remembered so repeated reads count it once.
    struct DamageSite: Hashable {
        var segment: UInt64
        var offset: Int64
    }

    let directory: String
    let segmentBytes: Int64
    let retentionBytes: Int64
    /// Ascending by index; the last one is appended to.
    var segments: [Segment] = []
    /// The last segment, open for appending; nil once closed.
    var active: FileDescriptor?
    var directoryHandle: FileDescriptor?
    var lock: FileDescriptor?
    var lastSequences: [String: UInt64] = [:]
    var recoveredBytes: Int64 = 0
    var damage: Set<DamageSite> = []
    var deletedSegments = 0
    /// Set after a failed write that could not be undone or a failed flush: what is on disk is then
    /// unknown, so appends stop until the store is reopened (and re-verified).
    var failure: String?
    var retentionProblem: String?

    init(directory: String, segmentBytes: Int64, retentionBytes: Int64, directoryHandle: FileDescriptor, lock: FileDescriptor) {
        self.directory = directory
        self.segmentBytes = segmentBytes
        self.retentionBytes = retentionBytes
        self.directoryHandle = directoryHandle
        self.lock = lock
    }

    var statistics: RecorderStatistics {
        RecorderStatistics(
            segments: segments.count,
            bytes: segments.reduce(0) { $0 + $1.bytes },
            records: segments.reduce(0) { $0 + $1.records },
            recoveredBytes: recoveredBytes,
            corruptRegions: damage.count,
            deletedSegments: deletedSegments,
            problem: failure ?? retentionProblem)
    }

    /// Appends one encoded frame and returns once it is on stable storage (write + fdatasync).
    mutating func append(frame: [UInt8], device: String, sequence: UInt64) throws(RecorderError) {
        guard var file = active, let current = segments.last else {
            throw RecorderError(.closed, "recorder for '\(directory)' is closed")
        }
        if let failure { throw RecorderError(.io, failure) }
        if current.records > 0 && current.bytes + Int64(frame.count) > segmentBytes {
            file = try roll()
        }
        let last = segments.count - 1
        let before = segments[last].bytes
        do throws(RecorderError) {
            try file.writeAll(frame)
        } catch let writeError {
            // Cut the partial frame off so the next append does not land behind garbage.
            do throws(RecorderError) {
                try file.truncate(to: before)
            } catch let truncateError {
                failure = "\(writeError.message); undoing the partial write failed too (\(truncateError.message)); reopen the recorder"
            }
            throw writeError
        }
        do throws(RecorderError) {
            try file.dataSync()
        } catch {
            // After a failed flush Linux may have dropped the dirty pages and a retry can report success
            // without the data ("fsyncgate"), so nothing appended later could be trusted either.
            failure = "\(error.message); appends are refused until the recorder is reopened"
            throw error
        }
        segments[last].bytes += Int64(frame.count)
        segments[last].records += 1
        lastSequences[device] = max(lastSequences[device] ?? 0, sequence)
        applyRetention()
    }

    /// Starts a new segment after the current one and makes it the active one.
    mutating func roll() throws(RecorderError) -> FileDescriptor {
        guard let current = segments.last, let directoryHandle else {
            throw RecorderError(.closed, "recorder for '\(directory)' is closed")
        }
        let (file, segment) = try Self.createSegment(
            in: directory, index: try Self.index(after: current), lastSequences: lastSequences,
            directoryHandle: directoryHandle)
        active?.close()
        active = file
        segments.append(segment)
        return file
    }

    /// The name index of the segment after `segment`: greater than its own even when it holds no records.
    static func index(after segment: Segment) throws(RecorderError) -> UInt64 {
        let (next, overflow) = segment.index.addingReportingOverflow(max(UInt64(segment.records), 1))
        // Only a hand-made file name gets here; trapping would take the daemon down with it.
        guard !overflow else { throw RecorderError(.io, "no segment name after '\(segment.path)'") }
        return next
    }

    /// Creates, fills and flushes a segment's header (and checkpoint), then makes its directory entry
    /// durable; only then may records acknowledged into it be trusted to survive a power loss.
    static func createSegment(
        in directory: String, index: UInt64, lastSequences: [String: UInt64], directoryHandle: FileDescriptor
    ) throws(RecorderError) -> (FileDescriptor, Segment) {
        let path = directory + "/" + SegmentFormat.segmentName(index: index)
        let file = try FileDescriptor.open(path, O_RDWR | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, mode: 0o640)
        let initial = initialBytes(lastSequences: lastSequences)
        do throws(RecorderError) {
            try file.writeAll(initial)
            try file.dataSync()
            try directoryHandle.sync()
        } catch {
            file.close()
            try? FileSystem.remove(path)
            throw error
        }
        return (file, Segment(index: index, path: path, bytes: Int64(initial.count), records: 0))
    }

    /// File header, then a checkpoint of every device's last sequence number (none in a new store).
    static func initialBytes(lastSequences: [String: UInt64]) -> [UInt8] {
        guard !lastSequences.isEmpty else { return SegmentFormat.header }
        return SegmentFormat.header + SequenceCheckpoint(lastSequences: lastSequences).encodedFrame()
    }

    /// Deletes the oldest whole segments while the store is over its retention limit; the active
    /// segment always stays. A failure here never fails an append: it is kept for `statistics`.
    mutating func applyRetention() {
        var total = segments.reduce(0) { $0 + $1.bytes }
        var removed = false
        while total > retentionBytes, segments.count > 1 {
            let oldest = segments[0]
            do throws(RecorderError) {
                try FileSystem.remove(oldest.path)
            } catch {
                retentionProblem = "retention could not delete a segment: \(error.message)"
                break
            }
            segments.removeFirst()
            total -= oldest.bytes
            deletedSegments += 1
            removed = true
        }
        // Not needed for acknowledged data (a deleted segment that reappears after a crash is only old
        // data), but keeps the store's size honest across power loss.
        if removed, let directoryHandle {
            do throws(RecorderError) { try directoryHandle.sync() } catch {
                retentionProblem = "retention: \(error.message)"
            }
        }
    }

    /// The segments a reader may look at, each with the bytes acknowledged so far.
    var snapshot: [Segment] { segments }

    mutating func close() {
        active?.close()
        active = nil
        directoryHandle?.close()
        directoryHandle = nil
        // Closing the lock file's descriptor releases the flock.
        lock?.close()
        lock = nil
    }
}
