import PNNCore

/// An operation a client asks of pnnd.
public enum Request: Sendable, Equatable {
    /// Version negotiation: the versions the client speaks, and its name for the logs.
    case hello(versions: [Int], client: String)
    case listDevices
    case describe(device: String)
    /// Exclusive use of a device by this connection; `idleSeconds` shortens the daemon's idle TTL.
    case lease(device: String, idleSeconds: Double?)
    case release(device: String)
    /// One measurement: x [B×N], θ [P] → y [B×M]. With `acquisitions` A > 1 the device drives every
    /// sample A times in a row and y holds each sample's mean reading (an oscilloscope's averaging
    /// mode): additive detector noise falls by √A, device time grows by A, and the wire and the record
    /// carry B rows, not B·A. Needs the daemon's `acquisitions` capability.
    case run(device: String, input: Tensor<Float>, parameters: Tensor<Float>, acquisitions: Int = 1)
    /// `samples` random probes within the device's limits, recorded for twin fitting.
    case calibrate(device: String, samples: Int, seed: UInt64?)
    case status
    /// Prometheus text exposition of the daemon's metrics.
    case metrics
    /// Device events on this connection until it closes; events carry this request's id.
    case subscribe

    /// The `op` string on the wire.
    public var operation: String {
        switch self {
        case .hello: "hello"
        case .listDevices: "listDevices"
        case .describe: "describe"
        case .lease: "lease"
        case .release: "release"
        case .run: "run"
        case .calibrate: "calibrate"
        case .status: "status"
        case .metrics: "metrics"
        case .subscribe: "subscribe"
        }
    }

    /// Device the request is about, if any.
    public var device: String? {
        switch self {
        case .describe(let d), .lease(let d, _), .release(let d), .run(let d, _, _, _), .calibrate(let d, _, _): d
        default: nil
        }
    }

    /// Largest `acquisitions` a `run` may ask for: averaging 64 readings already cuts the noise by 8×,
    /// and the bound keeps a request's device time and memory within 64× of its batch.
    public static let maximumAcquisitions = 64

    /// All operation names, for error messages and docs.
    public static let operations = ["hello", "listDevices", "describe", "lease", "release", "run", "calibrate",
                                    "status", "metrics", "subscribe"]
}

/// A request with its id and optional deadline, as decoded from one frame.
public struct RequestEnvelope: Sendable, Equatable {
    public var id: UInt64
    /// Milliseconds from receipt after which the daemon gives up with `deadlineExceeded`.
    public var deadlineMilliseconds: Int?
    public var request: Request

    public init(id: UInt64, deadlineMilliseconds: Int? = nil, request: Request) {
        self.id = id
        self.deadlineMilliseconds = deadlineMilliseconds
        self.request = request
    }
}
