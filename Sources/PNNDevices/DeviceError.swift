/// A device could not take or complete a measurement, or could not be built from its spec.
///
/// A struct around a code (not an enum) so codes can be added without breaking callers. Equality
/// compares codes only, like swift-service-lifecycle's `ServiceGroupError`: the message and the
/// source location are for people.
///
/// Messages are sentences for a lab user. Errors from building a device (`DeviceSpec.validate`,
/// `ModelOverrides`, `DeviceRegistry.make`) start with "<device name>: "; errors from `run` do not
/// name the device, because the caller knows which one it asked (pnnd prefixes the name).
public struct DeviceError: Error, Sendable, Equatable, CustomStringConvertible {
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }
        /// The batch itself is wrong: shape, NaN/Inf, outside the drive limits. Retrying cannot help.
        public static let invalidInput = Code("invalidInput")
        /// The instrument failed while measuring; it stays faulted until it is reset or reopened.
        public static let fault = Code("fault")
        /// The device is closed or not reachable.
        public static let unavailable = Code("unavailable")
        /// The instrument did not answer in time.
        public static let timeout = Code("timeout")
        /// The caller's task was cancelled before the measurement started.
        public static let cancelled = Code("cancelled")
        /// A device spec (config file) is wrong: unknown override key, incoherent limits, bad shape.
        public static let invalidConfiguration = Code("invalidConfiguration")
        /// The code's name, stable: usable as a metrics label.
        public var description: String { name }
    }

    public let code: Code
    /// One sentence a lab user understands.
    public let message: String
    /// Where the error was raised (for logs, not for clients).
    public let file: String
    public let line: Int

    public init(_ code: Code, _ message: String, file: String = #fileID, line: Int = #line) {
        self.code = code
        self.message = message
        self.file = file
        self.line = line
    }

    public static func == (lhs: DeviceError, rhs: DeviceError) -> Bool { lhs.code == rhs.code }

    public var description: String { message }
}
