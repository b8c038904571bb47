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
///
/// One per server (`PNNServer` owns it and hands it to every connection), not process-wide state: two
/// daemons in one process (the tests, `pnn train --simulate` beside a test daemon) keep their own
/// schedules. The trim itself is injectable so the schedule can be tested without glibc.
final class FreedMemory: Sendable {
    /// Frames (request or reply) at least this large count as large.
    static let largeFrameBytes = 256 << 10
    /// How long without large frames before their memory is returned.
    static let quietPeriod: TimeAmount = .seconds(1)
    /// How long after a connection closes before its memory is returned (its channel and buffers are
    /// gone by then).
    static let afterClose: TimeAmount = .milliseconds(200)

    private struct State {
        /// Time of the latest large frame.
        var lastLargeFrame = NIODeadline.distantPast
        var trimScheduled = false
    }

    private let state = Mutex(State())
    /// nil where there is nothing to call (not glibc): every method is then a no-op.
    private let trim: (@Sendable () -> Void)?

    /// `trim` defaults to glibc's `malloc_trim(0)`.
    init(trim: (@Sendable () -> Void)? = FreedMemory.mallocTrim) {
        self.trim = trim
    }

    /// Notes a frame of `bytes` bytes; memory is trimmed `quietPeriod` after the last large one.
    func note(frameBytes bytes: Int, on eventLoop: any EventLoop) {
        guard bytes >= Self.largeFrameBytes, trim != nil else { return }
        let now = eventLoop.now  // the loop's clock, so that a test loop's virtual time drives the schedule
        let schedule = state.withLock { s in
            s.lastLargeFrame = now
            defer { s.trimScheduled = true }
            return !s.trimScheduled
        }
        if schedule { scheduleTrim(on: eventLoop, at: now + Self.quietPeriod) }
    }

    private func scheduleTrim(on eventLoop: any EventLoop, at deadline: NIODeadline) {
        eventLoop.scheduleTask(deadline: deadline) { [self] in
            // Still busy: look again a quiet period after the latest large frame.
            let next: NIODeadline? = state.withLock { s in
                let due = s.lastLargeFrame + Self.quietPeriod
                if due > eventLoop.now { return due }
                s.trimScheduled = false
                return nil
            }
            if let next {
                scheduleTrim(on: eventLoop, at: next)
            } else {
                trim?()
            }
        }
    }

    /// Trims `afterClose` after a connection closed on `eventLoop`.
    func connectionClosed(on eventLoop: any EventLoop) {
        guard let trim else { return }
        eventLoop.scheduleTask(in: Self.afterClose) { trim() }
    }

    private typealias MallocTrim = @convention(c) (Int) -> Int32

    /// glibc's `malloc_trim(0)`, which Swift's Glibc module does not export; nil elsewhere.
    static let mallocTrim: (@Sendable () -> Void)? = {
        #if canImport(Glibc)
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") else { return nil }
        let function = unsafeBitCast(symbol, to: MallocTrim.self)
        return { _ = function(0) }
        #else
        return nil
        #endif
    }()
}
