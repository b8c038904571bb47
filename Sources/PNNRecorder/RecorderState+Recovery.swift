#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension RecorderState {
    /// Opens (creating if needed) the store in `directory`, takes its lock and recovers it, calling
    /// `progress(segmentsRead, segments)` before the first segment and after each one.
    static func open(directory: String, segmentBytes: Int64, retentionBytes: Int64,
                     progress: (_ segmentsRead: Int, _ segments: Int) -> Void) throws(RecorderError) -> RecorderState {
        try FileSystem.makeDirectories(directory)
        let directoryHandle = try FileDescriptor.open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        let lock: FileDescriptor
        do throws(RecorderError) {
            lock = try FileDescriptor.open(directory + "/LOCK", O_RDWR | O_CREAT | O_CLOEXEC, mode: 0o640)
        } catch {
            directoryHandle.close()
            throw error
        }
        var state = RecorderState(
            directory: directory, segmentBytes: segmentBytes, retentionBytes: retentionBytes,
            directoryHandle: directoryHandle, lock: lock)
        do throws(RecorderError) {
            // Two writers appending to one segment would interleave frames; the lock dies with the process.
            guard try lock.lockExclusively(patience: .seconds(1)) else {
                throw RecorderError(.busy, "'\(directory)' is in use by another recorder (it holds the lock on '\(lock.path)')")
            }
            try state.recover(progress: progress)
            state.applyRetention()
            // Truncations and a rewritten header are durable now; so is the entry of a segment whose
            // creation an earlier crash may have interrupted before its directory was flushed.
            try directoryHandle.sync()
        } catch {
            state.close()
            throw error
        }
        return state
    }

    /// Scans every segment: older ones by their record summaries, the newest one frame by frame with
    /// checksums, cutting off a torn tail. Leaves the newest usable segment open as `active`.
    private mutating func recover(progress: (Int, Int) -> Void) throws(RecorderError) {
        let indices = try FileSystem.list(directory).compactMap(SegmentFormat.segmentIndex(fromName:)).sorted()
        var needsNewSegment = indices.isEmpty
        progress(0, indices.count)
        for (position, index) in indices.enumerated() {
            let path = directory + "/" + SegmentFormat.segmentName(index: index)
            if position < indices.count - 1 {
                try scanOlder(index: index, path: path)
            } else {
                needsNewSegment = try recoverNewest(index: index, path: path) == false
            }
            progress(position + 1, indices.count)
        }
        if needsNewSegment, let directoryHandle {
            var index: UInt64 = 0
            if let last = segments.last { index = try Self.index(after: last) }
            let (file, segment) = try Self.createSegment(
                in: directory, index: index, lastSequences: lastSequences, directoryHandle: directoryHandle)
            active = file
            segments.append(segment)
        }
    }

    private mutating func scanOlder(index: UInt64, path: String) throws(RecorderError) {
        let file = try FileDescriptor.open(path, O_RDONLY | O_CLOEXEC)
        defer { file.close() }
        let size = try file.size()
        let scan = try SegmentScan.scan(file, size: size, verifyAll: false)
        note(scan, segment: index)
        segments.append(Segment(index: index, path: path, bytes: size, records: scan.records))
    }

    /// Recovers the segment the last append went to; true when it stays the active segment, false
    /// when it must be left as it is and a new one started.
    private mutating func recoverNewest(index: UInt64, path: String) throws(RecorderError) -> Bool {
        let file = try FileDescriptor.open(path, O_RDWR | O_APPEND | O_CLOEXEC)
        var keepOpen = false
        defer { if !keepOpen { file.close() } }
        var size = try file.size()
        let scan = try SegmentScan.scan(file, size: size, verifyAll: true)
        lastSequences.merge(scan.lastSequences, uniquingKeysWith: max)

        if scan.header == .invalid && scan.validFrames == 0 {
            // Crashed while the segment was being created: nothing in it was ever acknowledged.
            recoveredBytes += size
            try file.truncate(to: 0)
            let initial = Self.initialBytes(lastSequences: lastSequences)
            try file.writeAll(initial)
            try file.dataSync()
            segments.append(Segment(index: index, path: path, bytes: Int64(initial.count), records: 0))
            active = file
            keepOpen = true
            return true
        }
        if let tail = scan.damagedTailStart {
            // The torn end of an append that never returned; cutting it removes no frame whose checksum holds.
            recoveredBytes += size - tail
            try file.truncate(to: tail)
            try file.sync()
            size = tail
        }
        note(scan, segment: index, excludingTail: true)
        segments.append(Segment(index: index, path: path, bytes: size, records: scan.records))
        guard scan.header == .valid, !scan.damagedBeforeTail else {
            // Damaged in the middle (or a format we do not know): keep every byte for the readers, who
            // step over the damage, and never append behind it.
            return false
        }
        active = file
        keepOpen = true
        return true
    }

    private mutating func note(_ scan: SegmentScan, segment: UInt64, excludingTail: Bool = false) {
        lastSequences.merge(scan.lastSequences, uniquingKeysWith: max)
        if case .unsupportedVersion = scan.header {
            damage.insert(DamageSite(segment: segment, offset: 0))
        }
        for offset in scan.damage where !(excludingTail && offset == scan.damagedTailStart) {
            damage.insert(DamageSite(segment: segment, offset: offset))
        }
    }
}
