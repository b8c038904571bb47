/// A model was configured or called with something it cannot take.
///
/// A struct around a code (not an enum) so new codes can be added without breaking callers.
public struct ModelError: Error, Sendable, Equatable, CustomStringConvertible {
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }
        /// An array has the wrong rank or size.
        public static let shapeMismatch = Code("shapeMismatch")
        /// An input or parameter is NaN or infinite.
        public static let nonFinite = Code("nonFinite")
        /// A physical parameter is outside the range where the model is valid.
        public static let invalidConfiguration = Code("invalidConfiguration")
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
