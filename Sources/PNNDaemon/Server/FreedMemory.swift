#if canImport(Glibc)
import Glibc
#endif
import NIOCore
import Synchronization

/// Hands memory freed after large batches back to the kernel once they stop coming.
///
/// A 1 MiB batch passes through three megabyte-sized buffers in pnnd (socket read, input tensor, reply
/// payload). While batches keep coming, glibc keeps those blocks in the malloc arena of the event-loop
/// thread and the next batch reuses them; returning them after every batch instead (a low
/// `M_MMAP_THRESHOLD`) cost four fifths of the throughput here, because every megabyte then has to be
/// faulted in again. So pnnd keeps them during a burst and calls `malloc_trim` when a connection closes,
/// or when no large frame has passed for `quietPeriod`: RSS goes back down after a burst instead of
/// staying at its peak for the daemon's lifetime.
enum FreedMemory {
    /// Frames (request or reply) at least this large count as large.
    static let largeFrameBytes = 256 << 10
    /// How long without large frames before their memory is returned.
    static let quietPeriod: TimeAmount = .seconds(1)

    private typealias Trim = @convention(c) (Int) -> Int32

    /// glibc's `malloc_trim`, which Swift's Glibc module does not export; nil elsewhere.
    private static let trim: Trim? = {
        #if canImport(Glibc)
        return dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim").map { unsafeBitCast($0, to: Trim.self) }
        #else
        return nil
        #endif
    }()

    private struct State {
        /// Uptime of the latest large frame.
        var lastLargeFrame = NIODeadline.distantPast
        var trimScheduled = false
    }

    private static let state = Mutex(State())

    /// Notes a large frame; memory is trimmed `quietPeriod` after the last one.
    static func noteLargeFrame(on eventLoop: any EventLoop) {
        guard trim != nil else { return }
        let schedule = state.withLock { s in
            s.lastLargeFrame = .now()
            defer { s.trimScheduled = true }
            return !s.trimScheduled
        }
        if schedule { scheduleTrim(on: eventLoop, at: .now() + quietPeriod) }
    }

    private static func scheduleTrim(on eventLoop: any EventLoop, at deadline: NIODeadline) {
        eventLoop.scheduleTask(deadline: deadline) {
            // Still busy: look again a quiet period after the latest large frame.
            let next: NIODeadline? = state.withLock { s in
                let due = s.lastLargeFrame + quietPeriod
                if due > .now() { return due }
                s.trimScheduled = false
                return nil
            }
            if let next {
                scheduleTrim(on: eventLoop, at: next)
            } else {
                _ = trim?(0)
            }
        }
    }

    /// Trims shortly after a connection closed on `eventLoop`: by then its channel and buffers are gone.
    static func release(after delay: TimeAmount = .milliseconds(200), on eventLoop: any EventLoop) {
        guard let trim else { return }
        eventLoop.scheduleTask(in: delay) { _ = trim(0) }
    }
}
