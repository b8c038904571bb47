/// The `[server]` table: where pnnd listens, who may connect, and its queues, limits and storage.
public struct ServerSettings: Sendable, Equatable {
    /// Path of the Unix socket clients connect to (`socket`).
    public var socketPath: String
    /// Group that owns the socket (`socket_group`); nil = the daemon's own group.
    public var socketGroup: String?
    /// Permission bits of the socket (`socket_mode`, written as an octal string such as `"0660"`).
    public var socketMode: UInt16
    /// Batches that may wait per device before new ones are refused (`queue_depth`).
    public var queueDepth: Int
    /// Deadline of a request that names none, in seconds (`default_deadline_seconds`).
    public var defaultDeadlineSeconds: Double
    /// Directory for leases, records and other state (`state_dir`).
    public var stateDirectory: String
    /// Peer user ids allowed besides root and the daemon's own user (`allowed_uids`); empty = no extra ones.
    public var allowedUIDs: [UInt32]
    /// Groups whose members may connect (`allowed_groups`); empty = no extra ones.
    public var allowedGroups: [String]
    /// Largest frame accepted on the socket, in bytes (`max_frame_bytes`).
    public var maxFrameBytes: Int
    /// Log level: trace, debug, info, notice, warning, error or critical (`log_level`).
    public var logLevel: String
    /// `host:port` of the Prometheus endpoint on a loopback address (`metrics_listen`); nil = off.
    public var metricsListen: String?
    /// A lease unused for this long is released, in seconds (`lease_idle_seconds`).
    public var leaseIdleSeconds: Double
    /// Recorded data kept on disk before the oldest is deleted, in bytes (`record_retention_bytes`).
    public var recordRetentionBytes: Int64
    /// Bound on finishing in-flight batches at shutdown, in seconds (`drain_seconds`).
    public var drainSeconds: Double
    /// Client connections served at once (`max_connections`); one more is answered with
    /// `resourceExhausted` and closed.
    public var maxConnections: Int

    public init(
        socketPath: String = "/run/pnn/pnnd.sock", socketGroup: String? = nil, socketMode: UInt16 = 0o660,
        queueDepth: Int = 16, defaultDeadlineSeconds: Double = 30, stateDirectory: String = "/var/lib/pnn",
        allowedUIDs: [UInt32] = [], allowedGroups: [String] = [], maxFrameBytes: Int = 64 << 20,
        logLevel: String = "info", metricsListen: String? = nil, leaseIdleSeconds: Double = 300,
        recordRetentionBytes: Int64 = 4 << 30, drainSeconds: Double = 10, maxConnections: Int = 1024
    ) {
        self.socketPath = socketPath
        self.socketGroup = socketGroup
        self.socketMode = socketMode
        self.queueDepth = queueDepth
        self.defaultDeadlineSeconds = defaultDeadlineSeconds
        self.stateDirectory = stateDirectory
        self.allowedUIDs = allowedUIDs
        self.allowedGroups = allowedGroups
        self.maxFrameBytes = maxFrameBytes
        self.logLevel = logLevel
        self.metricsListen = metricsListen
        self.leaseIdleSeconds = leaseIdleSeconds
        self.recordRetentionBytes = recordRetentionBytes
        self.drainSeconds = drainSeconds
        self.maxConnections = maxConnections
    }

    /// Accepted `log_level` values, most verbose first (the swift-log levels).
    public static let logLevels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]
    /// Accepted `queue_depth` values.
    public static let queueDepthRange = 1 ... 4096
    /// Accepted `max_connections` values.
    public static let maxConnectionsRange = 1 ... 65536
    /// Accepted `max_frame_bytes` values: 1 KiB … 1 GiB.
    public static let maxFrameBytesRange = 1 << 10 ... 1 << 30
    /// Longest socket path a `sockaddr_un` holds (108 bytes with the terminating NUL).
    public static let maxSocketPathBytes = 107

    /// Why `text` is not an acceptable `metrics_listen` (`host:port` on 127.0.0.0/8 or `[::1]`), or nil
    /// when it is; for command-line overrides that bypass the file.
    public static func metricsListenProblem(_ text: String) -> String? {
        switch LoopbackEndpoint.parse(text) {
        case .success: nil
        case .failure(let problem): problem.message
        }
    }
}
