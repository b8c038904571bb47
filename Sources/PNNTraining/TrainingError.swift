import PNNClient

/// Why a training, twin-fitting or evaluation step failed, with a message a person can act on.
public struct TrainingError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable, Equatable {
        /// A tensor or parameter vector has the wrong size (a mis-built network or a mismatched device).
        case shapeMismatch
        /// The device or daemon refused or failed a measurement.
        case device
        /// pnnd cannot be reached (no socket, connection refused or lost).
        case unavailable
        /// A model or twin could not evaluate (non-finite values, bad configuration).
        case model
        /// A checkpoint, twin or data file is missing, unreadable or malformed.
        case file
        /// An experiment, mode or option the engine does not know, or a combination it cannot run.
        case invalidArgument
        /// The loss became NaN or infinite: the learning rate or the data is off.
        case diverged
    }

    public var kind: Kind
    public var message: String
    /// For a failed call to pnnd, what the client library said it was (lost connection, the daemon's
    /// error code, …): the CLI's exit status follows it, as it does for `pnn run`.
    public var daemonCode: ClientError.Code?

    public init(_ kind: Kind, _ message: String, daemonCode: ClientError.Code? = nil) {
        self.kind = kind
        self.message = message
        self.daemonCode = daemonCode
    }

    /// A failed call to pnnd, its message behind `context` (the device, say). A lost connection is
    /// `.unavailable`, anything else `.device`.
    public static func daemon(_ error: ClientError, _ context: String) -> TrainingError {
        TrainingError(error.code == .connection ? .unavailable : .device, "\(context): \(error.message)",
                      daemonCode: error.code)
    }

    public var description: String { message }
}
