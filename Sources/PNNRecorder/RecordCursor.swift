#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads one device's records in append order, one at a time.
///
/// Records of other devices are stepped over by their summary without reading or checksumming their
/// tensors; the records returned are always checksum-verified. Not for sharing between tasks.
public final class RecordCursor {
    /// Told about damaged regions the cursor steps over (segment index, offset).
    private let noteDamage: (UInt64, Int64) -> Void
    private let device: String
    private let since: Double?
    private var pending: ArraySlice<RecorderState.Segment>
    private var segment: UInt64 = 0
    private var file: FileDescriptor?
    private var walker: FrameWalker?

    init(segments: [RecorderState.Segment], device: String, since: Double?,
         noteDamage: @escaping (UInt64, Int64) -> Void) {
        self.noteDamage = noteDamage
        self.device = device
        self.since = since
        pending = segments[...]
    }

    deinit {
        file?.close()
    }

    /// The next matching record, or nil when there are no more.
    public func next() throws(RecorderError) -> BatchRecord? {
        let device = self.device
        let since = self.since
        let wanted = { (type: FrameType, prefix: [UInt8]) -> Bool in
            guard type.isBatch else { return false }
            // An undecodable summary is read whole so the checksum can tell damage from a writer bug.
            guard let summary = RecordSummary(prefix) else { return true }
            return summary.device == device && since.map { summary.startedAt >= $0 } ?? true
        }
        while true {
            guard var walker else {
                guard let next = pending.popFirst() else { return nil }
                try open(next)
                continue
            }
            guard let step = try walker.next(wantsBody: wanted) else {
                closeSegment()
                continue
            }
            self.walker = walker
            switch step {
            case .damaged(let offset, _):
                noteDamage(segment, offset)
            case .frame(let frame):
                guard frame.type?.isBatch == true, let body = frame.body else { continue }
                let record: BatchRecord
                do throws(RecorderError) {
                    record = try BatchRecord(body: body)
                } catch {
                    noteDamage(segment, frame.offset)
                    continue
                }
                guard record.device == device, since.map({ record.startedAt >= $0 }) ?? true else { continue }
                return record
            }
        }
    }

    private func open(_ next: RecorderState.Segment) throws(RecorderError) {
        let file: FileDescriptor
        do throws(RecorderError) {
            file = try FileDescriptor.open(next.path, O_RDONLY | O_CLOEXEC)
        } catch where error.code == .notFound {
            return  // retention deleted it after the snapshot was taken: its records have expired
        }
        segment = next.index
        self.file = file
        switch SegmentFormat.headerState(try file.read(count: SegmentFormat.headerBytes, at: 0)) {
        case .valid:
            walker = FrameWalker(file: file, start: Int64(SegmentFormat.headerBytes), end: next.bytes)
        case .invalid:
            walker = FrameWalker(file: file, start: 0, end: next.bytes, damagedAtStart: true)
        case .unsupportedVersion:
            noteDamage(next.index, 0)
            closeSegment()
        }
    }

    private func closeSegment() {
        file?.close()
        file = nil
        walker = nil
    }
}
