/// The systemd protocol environment (NOTIFY_SOCKET, LISTEN_*, WATCHDOG_*) or a passed descriptor is unusable.
///
/// A struct around a code (not an enum) so new codes can be added without breaking callers;
/// equality compares codes only.
public struct SystemdError: Error, Sendable, Hashable, CustomStringConvertible {
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }
        /// NOTIFY_SOCKET is neither an absolute path nor an abstract name (`@…`), or does not fit `sockaddr_un`.
        public static let invalidNotifySocket = Code("invalidNotifySocket")
        /// A variable holds something other than the number or list the protocol defines.
        public static let malformedVariable = Code("malformedVariable")
        /// LISTEN_PID names another process: the variables were inherited, not meant for us.
        public static let listenPIDMismatch = Code("listenPIDMismatch")
        /// LISTEN_FDNAMES has a different number of names than LISTEN_FDS.
        public static let nameCountMismatch = Code("nameCountMismatch")
        /// A passed descriptor is closed or is not a socket.
        public static let notASocket = Code("notASocket")
        public var description: String { name }
    }

    public let code: Code
    public let message: String
    public let fileID: String
    public let line: Int

    public init(_ code: Code, _ message: String, fileID: String = #fileID, line: Int = #line) {
        self.code = code
        self.message = message
        self.fileID = fileID
        self.line = line
    }

    public var description: String { message }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}
