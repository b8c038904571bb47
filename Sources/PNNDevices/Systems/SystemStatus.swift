/// Bookkeeping the simulated backends share: open or closed, injected fault, counters.
///
/// A value kept inside each backend's actor, so it needs no lock of its own.
struct SystemStatus: Sendable {
    /// Successful measurements.
    var measurements = 0
    /// Runs admitted and not yet finished (waiting for latency, the device, or measuring).
    var inFlight = 0
    var closed = false
    /// Why the device is faulted; nil when healthy.
    var fault: String?
    /// Fault injection: the run after this many successful measurements faults.
    var failAfter: Int?

    init(failAfter: Int?) {
        self.failAfter = failAfter
    }

    /// Throws unless the device can take a run now (open, not faulted, caller not cancelled).
    func admit() throws(DeviceError) {
        if closed { throw DeviceError(.unavailable, "the device is closed") }
        if let fault { throw DeviceError(.fault, "the device is faulted: \(fault)") }
        if Task.isCancelled {
            throw DeviceError(.cancelled, "the measurement was cancelled before it started")
        }
    }

    /// Fires the injected fault when it is due; the fault then stays until `resetFault`.
    mutating func fireInjectedFault() throws(DeviceError) {
        guard let after = failAfter, measurements >= after else { return }
        let reason = "injected fault after \(after) measurements"
        fault = reason
        throw DeviceError(.fault, "the device faulted: \(reason)")
    }

    var health: DeviceHealth {
        if closed { return DeviceHealth(state: .closed, message: "closed", measurements: measurements) }
        if let fault { return DeviceHealth(state: .faulted, message: fault, measurements: measurements) }
        return DeviceHealth(state: inFlight > 0 ? .busy : .ready, measurements: measurements)
    }

    /// The artificial per-batch latency; cancellation while waiting throws `.cancelled`.
    func pause(seconds: Double) async throws(DeviceError) {
        guard seconds > 0 else { return }
        do {
            try await Task.sleep(for: .seconds(seconds))
        } catch {
            throw DeviceError(.cancelled, "the measurement was cancelled while waiting for the device")
        }
    }
}
