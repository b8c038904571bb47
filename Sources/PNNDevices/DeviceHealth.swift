/// What a device reports on `health()`.
public struct DeviceHealth: Sendable, Codable, Equatable {
    public var state: DeviceState
    /// Why the device is not ready (the fault, "closed"); nil when ready or busy.
    public var message: String?
    /// Measurements completed successfully since the device was opened.
    public var measurements: Int

    public init(state: DeviceState, message: String? = nil, measurements: Int) {
        self.state = state
        self.message = message
        self.measurements = measurements
    }
}

/// Coarse state of a device.
public enum DeviceState: String, Sendable, Codable, Equatable, CaseIterable {
    /// Idle and able to measure.
    case ready
    /// A measurement is running (or waiting for the device).
    case busy
    /// The instrument failed; runs throw `DeviceError.Code.fault` until it is reset or reopened.
    case faulted
    /// `close()` was called; runs throw `DeviceError.Code.unavailable`.
    case closed
}
