#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Who is on the other end of a connected `AF_UNIX` socket, as the kernel recorded it at connect time.
public struct PeerCredentials: Sendable, Hashable, CustomStringConvertible {
    public let pid: pid_t
    public let uid: uid_t
    /// Primary (effective) group of the peer.
    public let gid: gid_t

    public init(pid: pid_t, uid: uid_t, gid: gid_t) {
        self.pid = pid
        self.uid = uid
        self.gid = gid
    }

    /// The credentials of this process.
    public static var current: PeerCredentials {
        PeerCredentials(pid: getpid(), uid: geteuid(), gid: getegid())
    }

    /// `getsockopt(SOL_SOCKET, SO_PEERCRED)` on a connected `AF_UNIX` socket (an accepted connection).
    ///
    /// `struct ucred` is three 32-bit fields: pid, uid, gid. Throws `SystemError` (ENOTSOCK, EBADF, …).
    public static func of(fileDescriptor: CInt) throws(SystemError) -> PeerCredentials {
        var bytes = [UInt8](repeating: 0, count: 3 * MemoryLayout<UInt32>.size)
        var length = socklen_t(bytes.count)
        try sysCall("getsockopt(\(fileDescriptor), SO_PEERCRED)") {
            bytes.withUnsafeMutableBytes { buffer in
                getsockopt(fileDescriptor, SOL_SOCKET, SO_PEERCRED, buffer.baseAddress, &length)
            }
        }
        guard Int(length) == bytes.count else {
            throw SystemError(call: "getsockopt(\(fileDescriptor), SO_PEERCRED) returned \(length) bytes", errno: EPROTO)
        }
        return bytes.withUnsafeBytes { raw in
            PeerCredentials(
                pid: raw.loadUnaligned(fromByteOffset: 0, as: pid_t.self),
                uid: raw.loadUnaligned(fromByteOffset: 4, as: uid_t.self),
                gid: raw.loadUnaligned(fromByteOffset: 8, as: gid_t.self)
            )
        }
    }

    public var description: String { "pid \(pid) uid \(uid) gid \(gid)" }
}
