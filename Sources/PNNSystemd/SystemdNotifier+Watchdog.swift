#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

extension SystemdNotifier {
    /// Environment variables of the watchdog protocol (sd_watchdog_enabled(3)).
    public static let watchdogVariables = ["WATCHDOG_USEC", "WATCHDOG_PID"]

    /// The service's watchdog timeout (WatchdogSec=), or nil when the watchdog is off or meant for another process.
    ///
    /// Nil when WATCHDOG_USEC is unset or 0, or when WATCHDOG_PID is set to a pid other than `processID`.
    /// Throws `SystemdError.Code.malformedVariable` when either variable is not a number.
    public static func watchdogTimeout(
        environment: [String: String] = ProcessEnvironment.current,
        processID: pid_t = getpid(),
        unsetEnvironment: Bool = false
    ) throws(SystemdError) -> Duration? {
        defer { if unsetEnvironment { ProcessEnvironment.unset(watchdogVariables) } }
        guard let text = environment["WATCHDOG_USEC"], !text.isEmpty else { return nil }
        guard let microseconds = UInt64(text) else {
            throw SystemdError(.malformedVariable, "WATCHDOG_USEC '\(text)' is not a number of microseconds")
        }
        if let pidText = environment["WATCHDOG_PID"], !pidText.isEmpty {
            guard let pid = pid_t(pidText), pid > 0 else {
                throw SystemdError(.malformedVariable, "WATCHDOG_PID '\(pidText)' is not a process id")
            }
            guard pid == processID else { return nil }
        }
        guard microseconds > 0, microseconds < UInt64(Int64.max) else { return nil }
        return .microseconds(Int64(microseconds))
    }

    /// How often to send `WATCHDOG=1`: half the watchdog timeout, as sd_watchdog_enabled(3) recommends.
    ///
    /// `WATCHDOG_USEC=2000000` gives `.seconds(1)`; nil when the watchdog is off or meant for another process.
    public static func watchdogInterval(
        environment: [String: String] = ProcessEnvironment.current,
        processID: pid_t = getpid(),
        unsetEnvironment: Bool = false
    ) throws(SystemdError) -> Duration? {
        try watchdogTimeout(environment: environment, processID: processID, unsetEnvironment: unsetEnvironment)
            .map { $0 / 2 }
    }
}
