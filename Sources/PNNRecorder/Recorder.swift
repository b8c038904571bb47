import PNNCore
import Synchronization

/// A crash-safe, append-only store of every measured batch: checksummed segment files in one directory.
///
/// `append` returns only once the record is on stable storage, so a reply sent after it survives
/// `kill -9` and power loss. It blocks for a disk flush (typically 0.1–10 ms): call it from a thread that
/// may block (e.g. NIO's `NIOThreadPool`), not from the cooperative pool. Internally synchronised.
/// Layout, recovery and retention are described in docs/recorder.md.
public final class Recorder: Sendable {
    public let directory: String
    /// A segment is closed and a new one started once the next record would take it past this size.
    public let segmentBytes: Int
    /// Oldest segments are deleted while the store is bigger than this (the active segment never is).
    public let retentionBytes: Int64

    private let state: Mutex<RecorderState>

    /// Opens the store in `directory` (created with mode 0750 if missing) and recovers it: checks every
    /// segment, cuts a torn tail off the newest one (`statistics.recoveredBytes`), and applies retention.
    /// Throws `.busy` when another recorder has the directory open.
    ///
    /// Opening a large store from a cold disk takes seconds (docs/recorder.md): `progress(segmentsRead,
    /// segments)` is called before the first segment is read and after each one, on the calling thread,
    /// so a daemon can report that it is still getting somewhere.
    public init(directory: String, segmentBytes: Int = 64 << 20, retentionBytes: Int64 = 4 << 30,
                progress: (_ segmentsRead: Int, _ segments: Int) -> Void = { _, _ in }) throws(RecorderError) {
        guard !directory.isEmpty else { throw RecorderError(.invalidArgument, "recorder directory must not be empty") }
        guard segmentBytes > 0, retentionBytes > 0 else {
            throw RecorderError(
                .invalidArgument, "segmentBytes and retentionBytes must be positive, got \(segmentBytes) and \(retentionBytes)")
        }
        self.directory = directory
        self.segmentBytes = segmentBytes
        self.retentionBytes = retentionBytes
        state = Mutex(try RecorderState.open(
            directory: directory, segmentBytes: Int64(segmentBytes), retentionBytes: retentionBytes, progress: progress))
    }

    deinit {
        state.withLock { $0.close() }
    }

    /// Stores `record` and returns once it is durable (written and fdatasynced). Sequence numbers are
    /// the caller's; nothing is assigned here.
    public func append(_ record: BatchRecord) throws(RecorderError) {
        if let problem = record.problem { throw RecorderError(.invalidArgument, problem) }
        // Encoding and checksumming happen before taking the lock, so concurrent appends only queue for
        // the write and the flush.
        let frame = record.encodedFrame()
        try state.withLock { (state: inout RecorderState) throws(RecorderError) in
            try state.append(frame: frame, device: record.device, sequence: record.sequence)
        }
    }

    /// The highest sequence number stored for `device`, including records retention has since deleted;
    /// nil for a device never recorded. The daemon continues numbering from here after a restart.
    public func lastSequence(device: String) -> UInt64? {
        state.withLock { $0.lastSequences[device] }
    }

    /// Every device with at least one recorded batch (past or present).
    public var devices: [String] {
        state.withLock { $0.lastSequences.keys.sorted() }
    }

    /// `device`'s records started at or after `since` (Unix seconds), in append order; empty for an
    /// unknown device. Damaged records are skipped and counted in `statistics.corruptRegions`.
    public func records(device: String, since: Double? = nil) throws(RecorderError) -> [BatchRecord] {
        let cursor = try self.cursor(device: device, since: since)
        var records: [BatchRecord] = []
        while let record = try cursor.next() { records.append(record) }
        return records
    }

    /// Reads `device`'s records one at a time, for histories too big to hold in memory. The cursor sees
    /// the records acknowledged when it was made.
    public func cursor(device: String, since: Double? = nil) throws(RecorderError) -> RecordCursor {
        let segments = try state.withLock { (state: inout RecorderState) throws(RecorderError) in
            guard state.active != nil else { throw RecorderError(.closed, "recorder for '\(directory)' is closed") }
            return state.snapshot
        }
        return RecordCursor(segments: segments, device: device, since: since) { [self] segment, offset in
            noteDamage(segment: segment, offset: offset)
        }
    }

    public var statistics: RecorderStatistics {
        state.withLock { $0.statistics }
    }

    /// Closes the files and releases the directory's lock. Appending afterwards throws `.closed`;
    /// every acknowledged record is already durable, so there is nothing to flush.
    public func close() {
        state.withLock { $0.close() }
    }

    func noteDamage(segment: UInt64, offset: Int64) {
        state.withLock { _ = $0.damage.insert(RecorderState.DamageSite(segment: segment, offset: offset)) }
    }
}
