#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why the recorder could not store, find or read batches.
///
/// A struct around a code (not an enum) so new codes can be added without breaking callers.
public struct RecorderError: Error, Sendable, Equatable, CustomStringConvertible {
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }
        /// A system call failed (disk full, permissions, I/O error); `osErrorNumber` says which errno.
        public static let io = Code("io")
        /// Stored bytes fail their checksum or do not decode.
        public static let corrupt = Code("corrupt")
        /// The caller passed something the recorder cannot store (bad shape, oversized string, …).
        public static let invalidArgument = Code("invalidArgument")
        /// Nothing matches: an unknown device or no records in the requested time range.
        public static let notFound = Code("notFound")
        /// Another recorder (usually another pnnd) holds the store directory's lock.
        public static let busy = Code("busy")
        /// The recorder was closed.
        public static let closed = Code("closed")
        public var description: String { name }
    }

    public let code: Code
    public let message: String
    /// The errno behind an `.io` error (e.g. `ENOSPC`), so callers can single out a full disk.
    public let osErrorNumber: Int32?

    public init(_ code: Code, _ message: String, osErrorNumber: Int32? = nil) {
        self.code = code
        self.message = message
        self.osErrorNumber = osErrorNumber
    }

    public var description: String { message }

    /// A failed system call on `path`: "open '/var/lib/pnn/seg-….pnnrec': No space left on device (errno 28)".
    static func system(_ call: String, path: String, errno number: Int32) -> RecorderError {
        let code: Code = number == ENOENT ? .notFound : .io
        return RecorderError(code, "\(call) '\(path)': \(errorText(number)) (errno \(number))", osErrorNumber: number)
    }

    static func errorText(_ number: Int32) -> String {
        guard let text = strerror(number) else { return "unknown error" }
        return String(cString: text)
    }
}
