#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Testing
@testable import PNNSystemd

@Suite("SystemdNotifier")
struct SystemdNotifierTests {
    @Test("READY, STATUS and WATCHDOG arrive on a path socket")
    func pathSocket() throws {
        let directory = try TestSockets.temporaryDirectory()
        defer { TestSockets.removeDirectory(directory, files: ["notify"]) }
        let path = directory + "/notify"
        let receiver = try TestSockets.bound(.datagram, at: path)
        defer { close(receiver) }

        let notifier = try SystemdNotifier(environment: ["NOTIFY_SOCKET": path])
        #expect(notifier.isEnabled)
        #expect(notifier.destination?.description == path)

        #expect(try notifier.ready(status: "serving 2 devices"))
        #expect(try TestSockets.receive(receiver) == "READY=1\nSTATUS=serving 2 devices")
        #expect(try notifier.status("calibrating mech0"))
        #expect(try TestSockets.receive(receiver) == "STATUS=calibrating mech0")
        #expect(try notifier.watchdog())
        #expect(try TestSockets.receive(receiver) == "WATCHDOG=1")
        #expect(try notifier.stopping())
        #expect(try TestSockets.receive(receiver) == "STOPPING=1")
        #expect(try notifier.mainPID(4242))
        #expect(try TestSockets.receive(receiver) == "MAINPID=4242")
        #expect(try notifier.extendTimeout(by: .milliseconds(2_500)))
        #expect(try TestSockets.receive(receiver) == "EXTEND_TIMEOUT_USEC=2500000")
        #expect(try notifier.extendTimeout(by: .seconds(30), status: "opening the record store: 2 of 5 segments read"))
        #expect(try TestSockets.receive(receiver) == "EXTEND_TIMEOUT_USEC=30000000\nSTATUS=opening the record store: 2 of 5 segments read")
    }

    @Test("abstract-namespace NOTIFY_SOCKET (@name)")
    func abstractSocket() throws {
        let name = "@" + TestSockets.uniqueName("pnn-notify")
        let receiver = try TestSockets.bound(.datagram, at: name)
        defer { close(receiver) }

        let notifier = try SystemdNotifier(environment: ["NOTIFY_SOCKET": name])
        #expect(notifier.destination?.isAbstract == true)
        #expect(notifier.destination?.description == name)
        #expect(try notifier.ready())
        #expect(try TestSockets.receive(receiver) == "READY=1")
        #expect(try notifier.watchdog())
        #expect(try TestSockets.receive(receiver) == "WATCHDOG=1")
    }

    @Test("RELOADING carries MONOTONIC_USEC from CLOCK_MONOTONIC")
    func reloading() throws {
        let name = "@" + TestSockets.uniqueName("pnn-reload")
        let receiver = try TestSockets.bound(.datagram, at: name)
        defer { close(receiver) }
        let before = SystemdNotifier.monotonicMicroseconds()
        #expect(try SystemdNotifier(environment: ["NOTIFY_SOCKET": name]).reloading(status: "reloading config"))
        let after = SystemdNotifier.monotonicMicroseconds()

        let lines = try TestSockets.receive(receiver).split(separator: "\n").map(String.init)
        #expect(lines.count == 3)
        #expect(lines.first == "RELOADING=1")
        #expect(lines.last == "STATUS=reloading config")
        let stamp = try #require(lines.dropFirst().first.flatMap { $0.split(separator: "=").last }.flatMap { UInt64($0) })
        #expect(lines.dropFirst().first?.hasPrefix("MONOTONIC_USEC=") == true)
        #expect((before ... after).contains(stamp))
    }

    @Test("a newline in a status cannot inject another assignment")
    func newlineInStatus() throws {
        let name = "@" + TestSockets.uniqueName("pnn-newline")
        let receiver = try TestSockets.bound(.datagram, at: name)
        defer { close(receiver) }
        try SystemdNotifier(environment: ["NOTIFY_SOCKET": name]).status("line one\nREADY=1")
        #expect(try TestSockets.receive(receiver) == "STATUS=line one READY=1")
    }

    @Test("without NOTIFY_SOCKET every send is a no-op")
    func disabled() throws {
        let notifier = try SystemdNotifier(environment: [:])
        #expect(!notifier.isEnabled)
        #expect(try notifier.ready() == false)
        #expect(try notifier.watchdog() == false)
        #expect(try SystemdNotifier(environment: ["NOTIFY_SOCKET": ""]).isEnabled == false)
        #expect(SystemdNotifier.disabled.isEnabled == false)
    }

    @Test("invalid NOTIFY_SOCKET values are rejected", arguments: [
        "relative/path", "vsock:2:1234", "@", "/" + String(repeating: "x", count: 200),
    ])
    func invalidSocket(value: String) {
        #expect(throws: SystemdError(.invalidNotifySocket, "")) {
            try SystemdNotifier(environment: ["NOTIFY_SOCKET": value])
        }
    }

    @Test("a missing receiver is a thrown SystemError, not a crash")
    func missingReceiver() throws {
        let notifier = try SystemdNotifier(environment: ["NOTIFY_SOCKET": "/nonexistent-pnn-dir/notify"])
        let error = try #require(throws: SystemError.self) { try notifier.ready() }
        #expect(error.errno == ENOENT)
        #expect(error.call.hasPrefix("sendto"))
        #expect(error.description.contains("No such file or directory"))
    }

    @Test("unsetEnvironment removes NOTIFY_SOCKET from the process environment")
    func unsetEnvironment() throws {
        setenv("NOTIFY_SOCKET", "@pnn-unset-test", 1)
        #expect(ProcessEnvironment.current["NOTIFY_SOCKET"] == "@pnn-unset-test")
        let notifier = try SystemdNotifier(unsetEnvironment: true)
        #expect(notifier.destination?.description == "@pnn-unset-test")
        #expect(getenv("NOTIFY_SOCKET") == nil)
    }

    @Test("WATCHDOG_USEC=2000000 means a ping every second")
    func watchdogInterval() throws {
        let environment = ["WATCHDOG_USEC": "2000000"]
        #expect(try SystemdNotifier.watchdogInterval(environment: environment) == .seconds(1))
        #expect(try SystemdNotifier.watchdogTimeout(environment: environment) == .seconds(2))
        let mine = ["WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "\(getpid())"]
        #expect(try SystemdNotifier.watchdogInterval(environment: mine) == .seconds(15))
    }

    @Test("no watchdog: unset, zero, or WATCHDOG_PID of another process")
    func watchdogOff() throws {
        #expect(try SystemdNotifier.watchdogInterval(environment: [:]) == nil)
        #expect(try SystemdNotifier.watchdogInterval(environment: ["WATCHDOG_USEC": "0"]) == nil)
        let other = ["WATCHDOG_USEC": "2000000", "WATCHDOG_PID": "\(getpid() + 1)"]
        #expect(try SystemdNotifier.watchdogInterval(environment: other) == nil)
        #expect(try SystemdNotifier.watchdogInterval(environment: other, processID: getpid() + 1) == .seconds(1))
    }

    @Test("malformed watchdog variables throw", arguments: [
        ["WATCHDOG_USEC": "2s"], ["WATCHDOG_USEC": "-5"], ["WATCHDOG_USEC": "1000", "WATCHDOG_PID": "me"],
    ])
    func watchdogMalformed(environment: [String: String]) {
        #expect(throws: SystemdError(.malformedVariable, "")) {
            try SystemdNotifier.watchdogInterval(environment: environment)
        }
    }
}
