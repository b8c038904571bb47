#if canImport(Glibc)
import Glibc
#endif
import Logging
import NIOCore
import NIOPosix
import PNNProtocol
import PNNSystemd
import Synchronization

/// The listening side of pnnd: accepts Unix-socket connections, identifies the peer (SO_PEERCRED) and
/// gives each connection a framing pipeline ending in a `ConnectionHandler`.
final class PNNServer: Sendable {
    enum Listen: Sendable {
        /// Bind a path (creating its directory, replacing a stale socket).
        case path(String, group: String?, mode: UInt16)
        /// Adopt an already bound and listening socket (systemd socket activation).
        case activated(fileDescriptor: CInt)
    }

    private let dispatcher: Dispatcher
    private let access: AccessPolicy
    private let maxFrameBytes: Int
    /// Connections served at once; the next one is refused (see `OpenFileLimit`).
    private let maxConnections: Int
    private let logger: Logger
    private let nextConnection = Atomic<UInt64>(1)
    private let accepted = AcceptedConnections()
    private let channel = Mutex<(any Channel)?>(nil)
    /// Returns the memory of large batches to the kernel after bursts (shared by this server's connections).
    private let freedMemory = FreedMemory()

    init(dispatcher: Dispatcher, access: AccessPolicy, maxFrameBytes: Int, maxConnections: Int, logger: Logger) {
        self.dispatcher = dispatcher
        self.access = access
        self.maxFrameBytes = maxFrameBytes
        self.maxConnections = maxConnections
        self.logger = logger
    }

    /// Starts listening; returns a description of the address for logs and STATUS=.
    func start(_ listen: Listen, group: any EventLoopGroup) async throws -> String {
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            // Batches are large: whole 1 MiB frames per write and per read (see SocketTuning).
            .childChannelOption(.recvAllocator, value: SocketTuning.receiveAllocator)
            .childChannelOption(.socketOption(.so_sndbuf), value: SocketTuning.sendBuffer)
            .childChannelInitializer { [self] channel in
                self.initialise(channel)
            }
        let bound: any Channel
        let address: String
        switch listen {
        case .path(let path, let socketGroup, let mode):
            try SocketPath.prepare(path)
            bound = try await bootstrap.bind(unixDomainSocketPath: path).get()
            try SocketPath.applyPermissions(path, group: socketGroup, mode: mode)
            address = path
        case .activated(let fd):
            bound = try await bootstrap.withBoundSocket(fd).get()
            address = "fd \(fd) (socket activation)"
        }
        channel.withLock { $0 = bound }
        return address
    }

    /// Stops accepting new connections; existing ones stay until the daemon closes them.
    func stopListening() async {
        guard let bound = channel.withLock({ $0 }) else { return }
        try? await bound.close()
    }

    private func initialise(_ channel: any Channel) -> EventLoopFuture<Void> {
        let open = accepted.admit(channel)
        if open > maxConnections {
            return refuse(channel, open: open)
        }
        let id = ConnectionID(nextConnection.wrappingAdd(1, ordering: .relaxed).oldValue)
        let credentials: EventLoopFuture<UCred>
        if let provider = channel as? any SocketOptionProvider {
            credentials = provider.unsafeGetSocketOption(level: SocketOptionLevel(SOL_SOCKET), name: SocketOptionName(SO_PEERCRED))
        } else {
            credentials = channel.eventLoop.makeFailedFuture(DaemonError(.io, "connection has no socket options"))
        }
        return credentials.flatMapThrowing { [self] (cred: UCred) in
            let peer = PeerCredentials(pid: cred.pid, uid: cred.uid, gid: cred.gid)
            let decision = self.access.evaluate(peer)
            let connection = ClientConnection(id: id, uid: cred.uid, gid: cred.gid, pid: cred.pid,
                                              mayDriveDevices: decision.isPermitted, channel: channel,
                                              freedMemory: self.freedMemory)
            self.logger.debug("connection accepted", metadata: [
                "pnn.connection": "\(id)", "pnn.peer": "\(peer)", "pnn.access": "\(decision)",
            ])
            try channel.pipeline.syncOperations.addPNNFraming(maxFrameBytes: self.maxFrameBytes)
            try channel.pipeline.syncOperations.addHandler(
                ConnectionHandler(connection: connection, dispatcher: self.dispatcher, logger: self.logger))
        }
    }
}

extension PNNServer {
    /// How long a refused client gets to read its error before the connection is closed.
    static let refusalLinger: TimeAmount = .seconds(1)
    /// Refused connections lingering at once beyond the limit; past them, a connection is closed at once
    /// without a reply, so that a flood cannot use up the descriptors through the refusals themselves.
    static let refusalsLingering = 32

    /// Answers a connection over the limit with a connection-level error: the client learns why at once
    /// instead of waiting in the listen backlog, and the descriptors never run out. pnnd then stops
    /// writing but keeps reading (and dropping) what the client sends until it hangs up or a second has
    /// passed: closing a socket with unread data resets it, and the client might lose the reason.
    private func refuse(_ channel: any Channel, open: Int) -> EventLoopFuture<Void> {
        if open == maxConnections + 1 {
            // Once per spell at the limit, not once per refused client.
            logger.warning("refusing connections: \(maxConnections) are open (max_connections, kept below the open-file limit)")
        }
        guard open <= maxConnections + Self.refusalsLingering else {
            // A failed initialiser makes NIO close the new channel.
            return channel.eventLoop.makeFailedFuture(DaemonError(.io, "connection refused without a reply: too many refusals lingering"))
        }
        let error = ProtocolError(.resourceExhausted,
                                  "pnnd already serves \(maxConnections) connection\(maxConnections == 1 ? "" : "s"), the most it takes (max_connections, kept below its open-file limit); close some and retry")
        return channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(RefusedConnection(error: error, linger: Self.refusalLinger))
        }
    }
}

/// Layout of Linux's `struct ucred` (three 32-bit fields), which Glibc's Swift module does not export
/// without _GNU_SOURCE; SO_PEERCRED fills exactly these 12 bytes.
struct UCred: Sendable {
    var pid: Int32 = 0
    var uid: UInt32 = 0
    var gid: UInt32 = 0
}
