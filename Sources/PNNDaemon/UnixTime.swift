#if canImport(Glibc)
import Glibc
#endif

/// Wall-clock time as Unix seconds, for timestamps that leave the process (records, replies, events).
/// Durations inside the daemon use `ContinuousClock`, which cannot jump.
enum UnixTime {
    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }
}
