#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A system call failed: the call's name, its errno and strerror's text.
public struct SystemError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The failing call, with the option or object it worked on when that helps (`getsockopt(SO_PEERCRED)`).
    public let call: String
    public let errno: Int32
    /// `strerror(errno)`.
    public let message: String

    public init(call: String, errno: Int32) {
        self.call = call
        self.errno = errno
        self.message = String(cString: strerror(errno))
    }

    public var description: String { "\(call) failed: \(message) (errno \(errno))" }
}

/// Runs a call that returns -1 and sets errno on failure, retrying on EINTR.
///
/// The one errno path of this module; `close` does not go through it (never retried on Linux).
@discardableResult
@inline(__always)
func sysCall<Result: FixedWidthInteger>(_ call: @autoclosure () -> String, _ body: () -> Result) throws(SystemError)
    -> Result
{
    while true {
        let result = body()
        if result != -1 { return result }
        let code = errno
        if code == EINTR { continue }
        throw SystemError(call: call(), errno: code)
    }
}

/// Closes a descriptor this module opened; errors are ignored (the descriptor is gone either way on Linux).
func closeIgnoringErrors(_ fileDescriptor: CInt) {
    _ = close(fileDescriptor)
}
