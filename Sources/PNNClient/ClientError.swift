import PNNProtocol

/// A failed client call: a code, a message a person understands and, for daemon errors, the wire error.
///
/// A struct around a code (not an enum) so codes can be added without breaking callers; equality
/// compares codes only.
public struct ClientError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of failure this is.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: Sendable, Hashable {
            case connection
            case server(ErrorCode)
            case protocolViolation
            case cancelled
            case invalidRequest
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// Cannot connect to pnnd, or the connection was lost or closed.
        public static let connection = Code(.connection)
        /// pnnd answered with an error (`ProtocolError`); the connection stays usable.
        public static func server(_ code: ErrorCode) -> Code { Code(.server(code)) }
        /// pnnd sent something this client cannot decode or did not expect.
        public static let protocolViolation = Code(.protocolViolation)
        /// The calling task was cancelled; a cancel frame was sent for the request.
        public static let cancelled = Code(.cancelled)
        /// The client refused to send the request, e.g. a frame over the daemon's `maxFrameBytes` or a
        /// non-positive deadline.
        public static let invalidRequest = Code(.invalidRequest)

        /// The daemon's error code when this is a `.server` code.
        public var serverCode: ErrorCode? {
            if case .server(let code) = base { code } else { nil }
        }

        public var description: String {
            switch base {
            case .connection: "connection"
            case .server(let code): "server.\(code.rawValue)"
            case .protocolViolation: "protocolViolation"
            case .cancelled: "cancelled"
            case .invalidRequest: "invalidRequest"
            }
        }
    }

    public var code: Code
    public var message: String
    /// The daemon's error as received, for `.server` codes.
    public var serverError: ProtocolError?
    public var fileID: String
    public var line: Int

    public init(_ code: Code, _ message: String, serverError: ProtocolError? = nil,
                fileID: String = #fileID, line: Int = #line) {
        self.code = code
        self.message = message
        self.serverError = serverError
        self.fileID = fileID
        self.line = line
    }

    /// The daemon's error reply `error`.
    public static func server(_ error: ProtocolError, fileID: String = #fileID, line: Int = #line) -> ClientError {
        ClientError(.server(error.code), error.message, serverError: error, fileID: fileID, line: line)
    }

    public var description: String {
        if let code = code.serverCode { return "\(code.rawValue): \(message)" }
        return message
    }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}
