/// Why a NumPy `.npy` file could not be read or written.
public struct NPYError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
