#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Receives sockets from the service manager (the sd_listen_fds(3) protocol, without libsystemd).
///
/// systemd passes `LISTEN_FDS` descriptors starting at fd 3, sets `LISTEN_PID` to the receiving
/// process and optionally `LISTEN_FDNAMES` (colon-separated FileDescriptorName= values).
public enum SocketActivation {
    /// First passed descriptor (SD_LISTEN_FDS_START).
    public static let listenFDsStart: CInt = 3
    /// Environment variables of the protocol.
    public static let variables = ["LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES"]

    /// The sockets passed to this process; empty when LISTEN_PID/LISTEN_FDS are unset or LISTEN_FDS is 0.
    ///
    /// Marks each descriptor close-on-exec and checks it is a socket. With `unsetEnvironment` (the
    /// default) the variables are removed from the process environment, whatever the outcome, so
    /// children do not inherit them. `startFD` is for tests, which cannot own fd 3.
    ///
    /// Throws `SystemdError` with `.listenPIDMismatch`, `.malformedVariable`, `.nameCountMismatch`
    /// or `.notASocket`, and `SystemError` when a descriptor query fails unexpectedly.
    public static func listenFileDescriptors(
        environment: [String: String] = ProcessEnvironment.current,
        processID: pid_t = getpid(),
        startFD: CInt = listenFDsStart,
        unsetEnvironment: Bool = true
    ) throws -> [ActivatedSocket] {
        defer { if unsetEnvironment { ProcessEnvironment.unset(variables) } }
        guard let pidText = environment["LISTEN_PID"], let countText = environment["LISTEN_FDS"] else { return [] }
        guard let pid = pid_t(pidText), pid > 0 else {
            throw SystemdError(.malformedVariable, "LISTEN_PID '\(pidText)' is not a process id")
        }
        guard pid == processID else {
            throw SystemdError(
                .listenPIDMismatch,
                "LISTEN_PID \(pid) is not this process (\(processID)): socket activation variables were meant for another process"
            )
        }
        guard let count = CInt(countText), count >= 0, count <= CInt.max - startFD else {
            throw SystemdError(.malformedVariable, "LISTEN_FDS '\(countText)' is not a descriptor count")
        }
        guard count > 0 else { return [] }
        let names = try Self.names(environment["LISTEN_FDNAMES"], count: Int(count))
        var sockets: [ActivatedSocket] = []
        sockets.reserveCapacity(Int(count))
        for (offset, name) in names.enumerated() {
            sockets.append(try inspect(fileDescriptor: startFD + CInt(offset), name: name))
        }
        return sockets
    }

    /// Splits LISTEN_FDNAMES; "unknown" for every descriptor when it is unset (as sd_listen_fds_with_names does).
    static func names(_ text: String?, count: Int) throws(SystemdError) -> [String] {
        guard let text else { return Array(repeating: "unknown", count: count) }
        let names = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard names.count == count else {
            throw SystemdError(
                .nameCountMismatch,
                "LISTEN_FDNAMES '\(text)' names \(names.count) descriptors but LISTEN_FDS is \(count)"
            )
        }
        return names
    }

    /// Sets close-on-exec on `fileDescriptor`, checks it is a socket, and reads its family, type and state.
    static func inspect(fileDescriptor: CInt, name: String) throws -> ActivatedSocket {
        let flags: CInt
        do {
            flags = try sysCall("fcntl(\(fileDescriptor), F_GETFD)") { fcntl(fileDescriptor, F_GETFD) }
        } catch {
            guard error.errno != EBADF else {
                throw SystemdError(.notASocket, "passed descriptor \(fileDescriptor) ('\(name)') is not open")
            }
            throw error
        }
        if flags & FD_CLOEXEC == 0 {
            try sysCall("fcntl(\(fileDescriptor), F_SETFD, FD_CLOEXEC)") {
                fcntl(fileDescriptor, F_SETFD, flags | FD_CLOEXEC)
            }
        }
        var status = stat()
        try sysCall("fstat(\(fileDescriptor))") { fstat(fileDescriptor, &status) }
        guard status.st_mode & S_IFMT == S_IFSOCK else {
            throw SystemdError(
                .notASocket,
                "passed descriptor \(fileDescriptor) ('\(name)') is not a socket (st_mode \(String(status.st_mode, radix: 8)))"
            )
        }
        let family = try socketOption(fileDescriptor, SO_DOMAIN, "SO_DOMAIN")
        let type = try socketOption(fileDescriptor, SO_TYPE, "SO_TYPE")
        let listening = try socketOption(fileDescriptor, SO_ACCEPTCONN, "SO_ACCEPTCONN")
        let address = family == AF_UNIX ? try unixAddress(of: fileDescriptor) : nil
        return ActivatedSocket(
            fileDescriptor: fileDescriptor, name: name, family: family, type: SocketType(rawValue: type),
            isListening: listening != 0, unixAddress: address
        )
    }

    static func socketOption(_ fileDescriptor: CInt, _ option: CInt, _ optionName: String) throws(SystemError) -> CInt {
        var value: CInt = 0
        var length = socklen_t(MemoryLayout<CInt>.size)
        try sysCall("getsockopt(\(fileDescriptor), \(optionName))") {
            getsockopt(fileDescriptor, SOL_SOCKET, option, &value, &length)
        }
        return value
    }

    /// The bound name of an `AF_UNIX` socket; nil when unnamed.
    static func unixAddress(of fileDescriptor: CInt) throws(SystemError) -> UnixSocketAddress? {
        var storage = sockaddr_un()
        var length = socklen_t(MemoryLayout<sockaddr_un>.size)
        try sysCall("getsockname(\(fileDescriptor))") {
            withUnsafeMutablePointer(to: &storage) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fileDescriptor, $0, &length) }
            }
        }
        let pathLength = Int(length) - UnixSocketAddress.pathOffset
        guard pathLength > 0 else { return nil }
        var bytes = withUnsafeBytes(of: &storage.sun_path) { Array($0.prefix(min(pathLength, $0.count))) }
        if bytes.first == 0 {
            bytes[0] = UInt8(ascii: "@")
        } else if let end = bytes.firstIndex(of: 0) {
            bytes.removeSubrange(end...)
        }
        return UnixSocketAddress(systemdNotation: String(decoding: bytes, as: UTF8.self))
    }
}
