/// An error as it travels on the wire: a stable code and a message a person understands.
public struct ProtocolError: Error, Sendable, Codable, Equatable, CustomStringConvertible {
    public var code: ErrorCode
    public var message: String

    public init(_ code: ErrorCode, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }
}

/// Errors that choose their own wire code and message. Anything else that reaches the dispatcher is
/// reported as `.internal` (and logged once).
public protocol ClientFacingError: Error {
    var protocolError: ProtocolError { get }
}

extension ProtocolError: ClientFacingError {
    public var protocolError: ProtocolError { self }
}
