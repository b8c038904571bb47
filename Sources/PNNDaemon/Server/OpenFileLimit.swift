#if canImport(Glibc)
import Glibc
#endif

/// pnnd's limit of open file descriptors, and how many client connections fit under it.
///
/// Every connection holds a descriptor. When they run out, accept(2) fails at once while the listening
/// socket stays readable, and the event loop spins on it at 100 % of a CPU (NIO's classic bootstrap
/// does not back off) until a connection closes. So pnnd raises its soft limit to the hard one at
/// start — it uses epoll, so large descriptor numbers cost nothing, as systemd's documentation for
/// `LimitNOFILE=` recommends — and caps its connections below it (`PNNServer`).
enum OpenFileLimit {
    /// Descriptors kept for everything that is not a client: record segments and their directory, the
    /// instruments, the metrics endpoint, the event loops' own.
    static let reserve = 64

    /// Raises the soft limit to the hard limit where it is lower; returns (before, after).
    static func raise() -> (before: Int, after: Int) {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return (1024, 1024) }
        let before = Int(clamping: limit.rlim_cur)
        // RLIM_INFINITY is not accepted for RLIMIT_NOFILE on Linux; a finite hard limit always is.
        guard limit.rlim_cur < limit.rlim_max, limit.rlim_max != rlim_t.max else { return (before, before) }
        var raised = limit
        raised.rlim_cur = limit.rlim_max
        guard setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 else { return (before, before) }
        return (before, Int(clamping: raised.rlim_cur))
    }

    /// The connections pnnd serves at once: `configured`, but never so many that the descriptors run out.
    static func connectionCap(configured: Int, openFiles: Int) -> Int {
        max(1, min(configured, openFiles - reserve))
    }
}
