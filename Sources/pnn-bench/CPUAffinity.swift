#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// Thread placement for `pnn-bench protocol`.
///
/// On this 2-core VM a Unix-socket ping-pong costs ~12 µs when both ends share a CPU (a direct context
/// switch) and ~45 µs when they sit on different CPUs (each message wakes an idle vCPU). Left to the
/// scheduler, the raw baseline and the pnnd measurement land in either mode independently, run by run,
/// so their ratio swung between 1× and 4× with no change to pnnd. Pinning puts baseline and pnnd in the
/// same mode; both modes are measured.
///
/// `sched_setaffinity` is a GNU extension that Swift's Glibc module does not export, hence `dlsym`.
enum CPUAffinity {
    private typealias SetAffinity = @convention(c) (pid_t, Int, UnsafeRawPointer) -> Int32
    private typealias GetAffinity = @convention(c) (pid_t, Int, UnsafeMutableRawPointer) -> Int32

    private static let setAffinity: SetAffinity? = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "sched_setaffinity")
        .map { unsafeBitCast($0, to: SetAffinity.self) }
    private static let getAffinity: GetAffinity? = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "sched_getaffinity")
        .map { unsafeBitCast($0, to: GetAffinity.self) }

    /// 1024 CPUs, the size of glibc's `cpu_set_t`.
    private static let maskBytes = 128

    /// The CPUs this process may run on (empty if that cannot be read).
    static func allowed() -> [Int] {
        guard let getAffinity else { return [] }
        var mask = [UInt8](repeating: 0, count: maskBytes)
        let status = mask.withUnsafeMutableBytes { raw in raw.baseAddress.map { getAffinity(0, maskBytes, $0) } ?? -1 }
        guard status == 0 else { return [] }
        return (0 ..< maskBytes * 8).filter { mask[$0 / 8] & (1 << ($0 % 8)) != 0 }
    }

    /// Restricts thread `tid` (0: the calling thread) to `cpus`.
    @discardableResult
    static func pin(thread tid: pid_t, to cpus: [Int]) -> Bool {
        guard let setAffinity, !cpus.isEmpty else { return false }
        var mask = [UInt8](repeating: 0, count: maskBytes)
        for cpu in cpus where cpu < maskBytes * 8 { mask[cpu / 8] |= 1 << (cpu % 8) }
        return mask.withUnsafeBytes { raw in raw.baseAddress.map { setAffinity(tid, maskBytes, $0) } ?? -1 } == 0
    }

    /// Restricts every thread of process `pid` to `cpus`; threads it starts later inherit the mask of the
    /// thread that starts them.
    @discardableResult
    static func pin(process pid: pid_t, to cpus: [Int]) -> Bool {
        guard let tids = try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task") else { return false }
        var ok = true
        for tid in tids.compactMap({ pid_t($0) }) where !pin(thread: tid, to: cpus) { ok = false }
        return ok
    }
}
