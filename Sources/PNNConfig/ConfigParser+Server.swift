extension ConfigParser {
    /// Keys of `[server]`, in the order the docs list them.
    static let serverKeys = [
        "socket", "socket_group", "socket_mode", "queue_depth", "default_deadline_seconds", "state_dir",
        "allowed_uids", "allowed_groups", "max_frame_bytes", "log_level", "metrics_listen",
        "lease_idle_seconds", "record_retention_bytes", "drain_seconds", "max_connections",
    ]

    /// Reads `[server]`; keys left out keep their defaults.
    static func server(_ table: TableReader) throws(ConfigError) -> ServerSettings {
        try table.rejectUnknownKeys(allowed: serverKeys)
        var server = ServerSettings()
        if let socket = try table.nonEmptyString("socket") {
            try checkAbsolutePath(socket, key: "socket", in: table)
            guard socket.utf8.count <= ServerSettings.maxSocketPathBytes else {
                throw table.error("socket", "must be at most \(ServerSettings.maxSocketPathBytes) bytes long, the limit of a Unix socket address (got \(socket.utf8.count))")
            }
            server.socketPath = socket
        }
        if let group = try table.nonEmptyString("socket_group") { server.socketGroup = group }
        if let value = table.value("socket_mode") {
            guard let text = value.string, let mode = parseMode(text) else {
                throw table.error("socket_mode", "must be an octal string such as \"0660\", at most \"0777\" (got \(TableReader.describe(value)))")
            }
            server.socketMode = mode
        }
        if let depth = try table.integer("queue_depth", in: ServerSettings.queueDepthRange) { server.queueDepth = depth }
        if let deadline = try table.positiveNumber("default_deadline_seconds") { server.defaultDeadlineSeconds = deadline }
        if let directory = try table.nonEmptyString("state_dir") {
            try checkAbsolutePath(directory, key: "state_dir", in: table)
            server.stateDirectory = directory
        }
        if let uids = try table.integerArray("allowed_uids", in: 0 ... Int(UInt32.max)) {
            server.allowedUIDs = uids.map { UInt32($0) }
        }
        if let groups = try table.stringArray("allowed_groups") { server.allowedGroups = groups }
        if let bytes = try table.integer("max_frame_bytes", in: ServerSettings.maxFrameBytesRange) { server.maxFrameBytes = bytes }
        if let level = try table.string("log_level") {
            guard ServerSettings.logLevels.contains(level) else {
                throw table.error("log_level", "must be one of \(ServerSettings.logLevels.joined(separator: ", ")) (got \"\(level)\")"
                    + KeySuggestion.hint(for: level, in: ServerSettings.logLevels))
            }
            server.logLevel = level
        }
        if let listen = try table.string("metrics_listen") {
            switch LoopbackEndpoint.parse(listen) {
            case .success: server.metricsListen = listen
            case .failure(let problem): throw table.error("metrics_listen", "\(problem.message) (got \"\(listen)\")")
            }
        }
        if let idle = try table.positiveNumber("lease_idle_seconds") { server.leaseIdleSeconds = idle }
        if let retention = try table.integer("record_retention_bytes", in: 1 ... Int.max) {
            server.recordRetentionBytes = Int64(retention)
        }
        if let drain = try table.nonNegativeNumber("drain_seconds") { server.drainSeconds = drain }
        if let count = try table.integer("max_connections", in: ServerSettings.maxConnectionsRange) {
            server.maxConnections = count
        }
        return server
    }

    /// `"0660"`, `"660"` or `"0o660"` → 0o660; nil unless octal digits ≤ 0o777.
    static func parseMode(_ text: String) -> UInt16? {
        var digits = Substring(text)
        if digits.hasPrefix("0o") { digits = digits.dropFirst(2) }
        guard (1 ... 4).contains(digits.count), digits.allSatisfy({ ("0" ... "7").contains($0) }),
              let mode = UInt16(digits, radix: 8), mode <= 0o777 else { return nil }
        return mode
    }

    private static func checkAbsolutePath(_ path: String, key: String, in table: TableReader) throws(ConfigError) {
        guard path.hasPrefix("/") else { throw table.error(key, "must be an absolute path (got \"\(path)\")") }
        guard !path.utf8.contains(0) else { throw table.error(key, "must not contain NUL bytes") }
    }
}
