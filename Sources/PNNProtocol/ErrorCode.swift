/// Stable error codes on the wire. Their raw strings are protocol: never rename one; add new ones at the
/// end and document them in docs/protocol.md and clients/python/pnn_client.py at the same time.
public enum ErrorCode: String, Codable, Sendable, CaseIterable {
    /// The request is malformed: unknown operation, missing field, wrong tensor shape, NaN/Inf.
    case invalidArgument
    /// A drive value or derived quantity is outside the device's safety limits.
    case outOfRange
    /// No such device.
    case notFound
    /// The device's queue is full (or another bounded resource ran out); retry later.
    case resourceExhausted
    /// The request's deadline passed before it could run.
    case deadlineExceeded
    /// The device is down, faulted or being reconfigured, or the daemon is shutting down.
    case unavailable
    /// The peer's uid/groups may not do this (run, lease, calibrate).
    case permissionDenied
    /// The request is valid but the state does not allow it, e.g. the device is leased by another client.
    case failedPrecondition
    /// The client cancelled the request before it ran.
    case cancelled
    /// A bug or unexpected failure inside pnnd; the message says what, the daemon log says more.
    case `internal`
}

extension ErrorCode {
    /// Decodes leniently: a code added by a newer pnnd reads as `.internal` (the message still says
    /// what happened) instead of making the whole reply undecodable.
    public init(from decoder: any Decoder) throws {
        let raw = try decoder.singleValueContainer().decode(String.self)
        self = ErrorCode(rawValue: raw) ?? .internal
    }
}
