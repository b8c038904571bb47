/// Why pnnd could not start or reload. Start-up errors end the process with a message naming the cause.
public struct DaemonError: Error, Sendable, Equatable, CustomStringConvertible {
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }
        /// The configuration (file or flags) is unusable.
        public static let configuration = Code("configuration")
        /// Another pnnd already serves the socket.
        public static let alreadyRunning = Code("alreadyRunning")
        /// A filesystem or socket operation failed.
        public static let io = Code("io")
        /// A device could not be set up.
        public static let device = Code("device")
        public var description: String { name }
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
