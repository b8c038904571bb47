#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// An `AF_UNIX` address: a file-system path, or a name in the abstract namespace (written `@name`).
public struct UnixSocketAddress: Sendable, Hashable, CustomStringConvertible {
    /// Bytes of `sun_path`: the path without its NUL, or for abstract names a leading 0 byte then the name.
    public let pathBytes: [UInt8]

    /// Offset of `sun_path` in `sockaddr_un` (2 on Linux, right after `sun_family`).
    static let pathOffset = MemoryLayout<sockaddr_un>.offset(of: \sockaddr_un.sun_path) ?? MemoryLayout<sa_family_t>.size
    /// Bytes `sun_path` holds (108 on Linux).
    public static let capacity = MemoryLayout<sockaddr_un>.size - pathOffset

    /// Parses systemd's notation: `/absolute/path` or `@abstract-name`; nil for anything else or when too long.
    public init?(systemdNotation text: String) {
        var bytes = Array(text.utf8)
        guard let first = bytes.first, first == UInt8(ascii: "/") || first == UInt8(ascii: "@") else { return nil }
        guard !bytes.contains(0) else { return nil }
        if first == UInt8(ascii: "@") {
            bytes[0] = 0
            guard bytes.count >= 2, bytes.count <= Self.capacity else { return nil }
        } else {
            guard bytes.count < Self.capacity else { return nil }  // room for the terminating NUL
        }
        self.pathBytes = bytes
    }

    public var isAbstract: Bool { pathBytes.first == 0 }

    public var description: String {
        isAbstract ? "@" + String(decoding: pathBytes.dropFirst(), as: UTF8.self) : String(decoding: pathBytes, as: UTF8.self)
    }

    /// Calls `body` with a filled `sockaddr_un` and its length (abstract names are not NUL-terminated).
    func withSockAddr<Result>(_ body: (UnsafePointer<sockaddr>, socklen_t) throws -> Result) rethrows -> Result {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: pathBytes)
        }
        let length = Self.pathOffset + pathBytes.count + (isAbstract ? 0 : 1)
        return try withUnsafePointer(to: &address) { pointer in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { try body($0, socklen_t(length)) }
        }
    }
}
