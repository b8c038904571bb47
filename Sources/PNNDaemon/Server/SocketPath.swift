#if canImport(Glibc)
import Glibc
#endif

/// Prepares the filesystem path of pnnd's listening socket.
///
/// Creates the parent directory, and removes an old socket file only when nothing answers on it: a
/// stale file left by a crashed daemon is cleaned up, while a live pnnd is never displaced.
enum SocketPath {
    static func prepare(_ path: String) throws(DaemonError) {
        guard path.utf8.count < 108 else {
            throw DaemonError(.configuration, "socket path '\(path)' is longer than the 107 bytes AF_UNIX allows")
        }
        let directory = parent(of: path)
        if !directory.isEmpty && !exists(directory) {
            try makeDirectories(directory)
        }
        var info = stat()
        guard lstat(path, &info) == 0 else { return }  // nothing there
        guard (info.st_mode & S_IFMT) == S_IFSOCK else {
            throw DaemonError(.configuration, "'\(path)' exists and is not a socket; refusing to replace it")
        }
        if answers(path) {
            throw DaemonError(.alreadyRunning, "another pnnd is already listening on \(path)")
        }
        guard unlink(path) == 0 || errno == ENOENT else {
            throw DaemonError(.io, "cannot remove stale socket \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// Applies the configured group and mode to the socket file.
    static func applyPermissions(_ path: String, group: String?, mode: UInt16) throws(DaemonError) {
        if let group {
            guard let gid = groupID(group) else {
                throw DaemonError(.configuration, "socket group '\(group)' does not exist")
            }
            guard chown(path, uid_t.max, gid) == 0 else {  // uid −1: leave the owner alone
                throw DaemonError(.io, "cannot give \(path) to group \(group): \(String(cString: strerror(errno)))")
            }
        }
        guard chmod(path, mode_t(mode)) == 0 else {
            throw DaemonError(.io, "cannot set mode \(String(mode, radix: 8)) on \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// True when a process accepts connections on the socket at `path`.
    static func answers(_ path: String) -> Bool {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, byte) in path.utf8.prefix(raw.count - 1).enumerated() { raw[i] = byte }
        }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        return result == 0
    }

    private static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "" }
        return String(path[..<slash])
    }

    private static func exists(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0
    }

    private static func makeDirectories(_ path: String) throws(DaemonError) {
        let up = parent(of: path)
        if !up.isEmpty && !exists(up) { try makeDirectories(up) }
        guard mkdir(path, 0o755) == 0 || errno == EEXIST else {
            throw DaemonError(.io, "cannot create directory \(path): \(String(cString: strerror(errno)))")
        }
    }

    private static func groupID(_ name: String) -> gid_t? {
        var group = group()
        var result: UnsafeMutablePointer<group>?
        var buffer = [CChar](repeating: 0, count: 4096)
        let status = getgrnam_r(name, &group, &buffer, buffer.count, &result)
        guard status == 0, result != nil else { return nil }
        return group.gr_gid
    }
}
