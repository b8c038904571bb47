import PNNCore

// Value types carried in request and response metadata. Field names are the JSON keys (camelCase);
// docs/protocol.md lists them. Floats inside JSON are only ever timings and settings, never data.

/// Reply to `hello`: the version both sides will speak and what this daemon offers.
public struct HelloReply: Codable, Sendable, Equatable {
    public var version: Int
    public var server: String
    public var capabilities: [String]
    public var maxFrameBytes: Int
    public init(version: Int, server: String, capabilities: [String], maxFrameBytes: Int) {
        self.version = version
        self.server = server
        self.capabilities = capabilities
        self.maxFrameBytes = maxFrameBytes
    }

    /// Capability of a daemon that averages `run`'s `acquisitions` in the device. An older daemon
    /// ignores the field and measures once, so a client asks only when this is listed.
    public static let acquisitionsCapability = "acquisitions"
}

/// Device states as clients see them.
public enum DeviceStateName: String, Codable, Sendable, CaseIterable {
    case ready, busy, faulted, closed, reconfiguring
}

/// One line of `listDevices`.
public struct DeviceSummary: Codable, Sendable, Equatable {
    public var name: String
    public var kind: String
    public var state: DeviceStateName
    public var inputs: Int
    public var parameters: Int
    public var outputs: Int
    /// Uid of the connection holding the lease, if any.
    public var leasedByUID: UInt32?
    public var queueDepth: Int
    public init(name: String, kind: String, state: DeviceStateName, inputs: Int, parameters: Int, outputs: Int,
                leasedByUID: UInt32?, queueDepth: Int) {
        self.name = name
        self.kind = kind
        self.state = state
        self.inputs = inputs
        self.parameters = parameters
        self.outputs = outputs
        self.leasedByUID = leasedByUID
        self.queueDepth = queueDepth
    }
}

/// Reply to `describe`: everything a client needs to drive the device and build its twin.
public struct DeviceInfo: Codable, Sendable, Equatable {
    public var name: String
    public var kind: String
    /// Physics model behind the device (`mechanical`, `electronic`, `shg`), nil for test devices.
    public var model: String?
    public var inputs: Int
    public var parameters: Int
    public var outputs: Int
    public var limits: DriveLimits
    /// `parametersFirst` or `inputsFirst`: the order of the drive sequence the limits apply to.
    public var driveOrder: String
    public var secondsPerSample: Double?
    public var gap: String
    public var summary: String
    public var notes: [String]
    public var state: DeviceStateName
    public var configHash: String
    public var queueCapacity: Int
    public init(name: String, kind: String, model: String?, inputs: Int, parameters: Int, outputs: Int,
                limits: DriveLimits, driveOrder: String, secondsPerSample: Double?, gap: String, summary: String,
                notes: [String], state: DeviceStateName, configHash: String, queueCapacity: Int) {
        self.name = name
        self.kind = kind
        self.model = model
        self.inputs = inputs
        self.parameters = parameters
        self.outputs = outputs
        self.limits = limits
        self.driveOrder = driveOrder
        self.secondsPerSample = secondsPerSample
        self.gap = gap
        self.summary = summary
        self.notes = notes
        self.state = state
        self.configHash = configHash
        self.queueCapacity = queueCapacity
    }
}

/// Reply to `lease`.
public struct LeaseGrant: Codable, Sendable, Equatable {
    public var device: String
    /// The lease ends when the connection closes, on `release`, or after this many idle seconds.
    public var idleSeconds: Double
    public init(device: String, idleSeconds: Double) {
        self.device = device
        self.idleSeconds = idleSeconds
    }
}

/// Metadata of a `run` reply (the output tensor `y` is in the payload).
public struct RunInfo: Codable, Sendable, Equatable {
    public var device: String
    /// Per-device sequence number of the recorded batch.
    public var sequence: UInt64
    /// Seconds the request waited in the device queue.
    public var queuedSeconds: Double
    /// Seconds the device spent measuring.
    public var deviceSeconds: Double
    /// Unix time the measurement started.
    public var startedAt: Double
    public var state: DeviceStateName
    public var configHash: String
    public init(device: String, sequence: UInt64, queuedSeconds: Double, deviceSeconds: Double, startedAt: Double,
                state: DeviceStateName, configHash: String) {
        self.device = device
        self.sequence = sequence
        self.queuedSeconds = queuedSeconds
        self.deviceSeconds = deviceSeconds
        self.startedAt = startedAt
        self.state = state
        self.configHash = configHash
    }
}

/// Metadata of a `calibrate` reply (tensors `x` [N×inputs], `theta` [N×parameters], `y` [N×outputs]).
public struct CalibrationInfo: Codable, Sendable, Equatable {
    public var device: String
    public var samples: Int
    /// Sequence numbers of the recorded batches the probes ran in.
    public var sequences: [UInt64]
    public var seed: UInt64
    public init(device: String, samples: Int, sequences: [UInt64], seed: UInt64) {
        self.device = device
        self.samples = samples
        self.sequences = sequences
        self.seed = seed
    }
}

/// Reply to `status`.
public struct StatusReport: Codable, Sendable, Equatable {
    public var server: String
    public var version: Int
    public var pid: Int32
    public var uptimeSeconds: Double
    public var connections: Int
    public var devices: [DeviceSummary]
    public var recordedBatches: Int
    public var recorderBytes: Int64
    public var configHash: String
    public init(server: String, version: Int, pid: Int32, uptimeSeconds: Double, connections: Int,
                devices: [DeviceSummary], recordedBatches: Int, recorderBytes: Int64, configHash: String) {
        self.server = server
        self.version = version
        self.pid = pid
        self.uptimeSeconds = uptimeSeconds
        self.connections = connections
        self.devices = devices
        self.recordedBatches = recordedBatches
        self.recorderBytes = recorderBytes
        self.configHash = configHash
    }
}

/// A device event delivered to subscribers.
public struct DeviceEvent: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable, CaseIterable { case up, down, fault, reconfigured }
    public var device: String
    public var kind: Kind
    public var message: String
    /// Unix time of the event.
    public var time: Double
    public init(device: String, kind: Kind, message: String, time: Double) {
        self.device = device
        self.kind = kind
        self.message = message
        self.time = time
    }
}
