#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A socket passed by the service manager (socket activation), with what its descriptor says about itself.
public struct ActivatedSocket: Sendable, Hashable, CustomStringConvertible {
    /// The descriptor, already marked close-on-exec; the caller owns it from now on.
    public let fileDescriptor: CInt
    /// Its FileDescriptorName= (LISTEN_FDNAMES), or "unknown" when none were passed.
    public let name: String
    /// `SO_DOMAIN`: `AF_UNIX`, `AF_INET`, `AF_INET6`, …
    public let family: CInt
    /// `SO_TYPE`.
    public let type: SocketType
    /// `SO_ACCEPTCONN`: a listening stream socket (ListenStream= with Accept=no).
    public let isListening: Bool
    /// For `AF_UNIX`, the bound address (`getsockname`); nil for other families or unnamed sockets.
    public let unixAddress: UnixSocketAddress?

    public init(
        fileDescriptor: CInt, name: String, family: CInt, type: SocketType, isListening: Bool,
        unixAddress: UnixSocketAddress?
    ) {
        self.fileDescriptor = fileDescriptor
        self.name = name
        self.family = family
        self.type = type
        self.isListening = isListening
        self.unixAddress = unixAddress
    }

    /// True for the socket pnnd serves on: a listening `AF_UNIX` stream socket.
    public var isUnixStreamListener: Bool { family == AF_UNIX && type == .stream && isListening }

    public var description: String {
        let familyName: String
        switch family {
        case AF_UNIX: familyName = "AF_UNIX"
        case AF_INET: familyName = "AF_INET"
        case AF_INET6: familyName = "AF_INET6"
        case AF_NETLINK: familyName = "AF_NETLINK"
        default: familyName = "family \(family)"
        }
        let address = unixAddress.map { " \($0)" } ?? ""
        return "fd \(fileDescriptor) '\(name)': \(familyName) \(type)\(isListening ? " listening" : "")\(address)"
    }
}

/// A socket type as `SO_TYPE` reports it.
public struct SocketType: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    public let rawValue: CInt
    public init(rawValue: CInt) { self.rawValue = rawValue }

    public static let stream = SocketType(rawValue: CInt(SOCK_STREAM.rawValue))
    public static let datagram = SocketType(rawValue: CInt(SOCK_DGRAM.rawValue))
    public static let sequentialPacket = SocketType(rawValue: CInt(SOCK_SEQPACKET.rawValue))
    public static let raw = SocketType(rawValue: CInt(SOCK_RAW.rawValue))

    public var description: String {
        switch self {
        case .stream: "SOCK_STREAM"
        case .datagram: "SOCK_DGRAM"
        case .sequentialPacket: "SOCK_SEQPACKET"
        case .raw: "SOCK_RAW"
        default: "socket type \(rawValue)"
        }
    }
}
