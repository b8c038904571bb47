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

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}
