#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Sends service state to systemd over NOTIFY_SOCKET (the sd_notify(3) datagram protocol, without libsystemd).
///
/// Each message is one `AF_UNIX` datagram of newline-separated `KEY=value` assignments. A notifier
/// built from an environment without NOTIFY_SOCKET is disabled: every send is a no-op returning false.
/// The value type holds only the address (a socket is opened per message, as sd_notify does), so it
/// is freely `Sendable`.
public struct SystemdNotifier: Sendable, Hashable {
    /// Environment variable naming the socket.
    public static let socketVariable = "NOTIFY_SOCKET"

    /// Where datagrams go; nil when disabled.
    public let destination: UnixSocketAddress?

    /// A notifier that never sends.
    public static let disabled = SystemdNotifier(destination: nil)

    public init(destination: UnixSocketAddress?) {
        self.destination = destination
    }

    /// Reads NOTIFY_SOCKET from `environment`; with `unsetEnvironment`, removes it from the process environment.
    ///
    /// Throws `SystemdError.Code.invalidNotifySocket` when the variable is set but is neither an absolute
    /// path nor `@abstract` (vsock addresses of systemd 254+ included).
    public init(environment: [String: String] = ProcessEnvironment.current, unsetEnvironment: Bool = false) throws {
        defer { if unsetEnvironment { ProcessEnvironment.unset([Self.socketVariable]) } }
        guard let value = environment[Self.socketVariable], !value.isEmpty else {
            self.destination = nil
            return
        }
        guard let address = UnixSocketAddress(systemdNotation: value) else {
            throw SystemdError(
                .invalidNotifySocket,
                "NOTIFY_SOCKET '\(value)' is not an absolute path or @abstract name of at most \(UnixSocketAddress.capacity - 1) bytes"
            )
        }
        self.destination = address
    }

    /// Whether NOTIFY_SOCKET was set.
    public var isEnabled: Bool { destination != nil }

    /// Sends `assignments` (`KEY=value` each) as one datagram; false when disabled.
    ///
    /// Newlines inside an assignment would start a new one, so they are replaced by spaces.
    @discardableResult
    public func send(_ assignments: [String]) throws(SystemError) -> Bool {
        guard let destination else { return false }
        let text = assignments.map { $0.replacing("\n", with: " ") }.joined(separator: "\n")
        let bytes = Array(text.utf8)
        let fileDescriptor = try sysCall("socket(AF_UNIX, SOCK_DGRAM)") {
            socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        }
        defer { closeIgnoringErrors(fileDescriptor) }
        let sent = try sysCall("sendto(NOTIFY_SOCKET \(destination))") {
            destination.withSockAddr { address, length in
                bytes.withUnsafeBytes { buffer in
                    sendto(fileDescriptor, buffer.baseAddress, buffer.count, Int32(MSG_NOSIGNAL), address, length)
                }
            }
        }
        if sent != bytes.count {
            throw SystemError(call: "sendto(NOTIFY_SOCKET \(destination)) sent \(sent) of \(bytes.count) bytes", errno: EMSGSIZE)
        }
        return true
    }

    /// `READY=1`: start-up finished (Type=notify), or a reload finished; optionally with a status line.
    @discardableResult
    public func ready(status: String? = nil) throws(SystemError) -> Bool {
        try send(["READY=1"] + Self.statusAssignment(status))
    }

    /// `STATUS=…`: a one-line free-text status shown by `systemctl status`.
    @discardableResult
    public func status(_ text: String) throws(SystemError) -> Bool {
        try send(Self.statusAssignment(text))
    }

    /// `WATCHDOG=1`: the keep-alive ping; send it every `watchdogInterval` while healthy.
    @discardableResult
    public func watchdog() throws(SystemError) -> Bool {
        try send(["WATCHDOG=1"])
    }

    /// `STOPPING=1`: shutdown has begun.
    @discardableResult
    public func stopping(status: String? = nil) throws(SystemError) -> Bool {
        try send(["STOPPING=1"] + Self.statusAssignment(status))
    }

    /// `RELOADING=1` with `MONOTONIC_USEC=` (required by systemd 253+ Type=notify-reload); send `ready()` when done.
    @discardableResult
    public func reloading(status: String? = nil) throws(SystemError) -> Bool {
        try send(["RELOADING=1", "MONOTONIC_USEC=\(Self.monotonicMicroseconds())"] + Self.statusAssignment(status))
    }

    /// `MAINPID=`: the service's main process is now `pid`.
    @discardableResult
    public func mainPID(_ pid: pid_t) throws(SystemError) -> Bool {
        try send(["MAINPID=\(pid)"])
    }

    /// `EXTEND_TIMEOUT_USEC=`: asks for `duration` more before the start/stop timeout fires (e.g. instrument
    /// homing); systemd then expects another message within `duration`. It never shortens the configured
    /// timeout.
    @discardableResult
    public func extendTimeout(by duration: Duration, status: String? = nil) throws(SystemError) -> Bool {
        try send(["EXTEND_TIMEOUT_USEC=\(Self.microseconds(duration))"] + Self.statusAssignment(status))
    }

    /// `ERRNO=`: the errno-style reason of a failure, sent with a status line before exiting.
    @discardableResult
    public func failure(errno code: Int32, status: String? = nil) throws(SystemError) -> Bool {
        try send(Self.statusAssignment(status) + ["ERRNO=\(code)"])
    }

    static func statusAssignment(_ status: String?) -> [String] {
        status.map { ["STATUS=\($0)"] } ?? []
    }

    /// CLOCK_MONOTONIC in microseconds, the clock systemd compares MONOTONIC_USEC against.
    static func monotonicMicroseconds() -> UInt64 {
        var now = timespec()
        _ = clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1_000
    }

    static func microseconds(_ duration: Duration) -> UInt64 {
        let (seconds, attoseconds) = duration.components
        guard seconds >= 0 else { return 0 }
        return UInt64(seconds) * 1_000_000 + UInt64(attoseconds / 1_000_000_000_000)
    }
}
