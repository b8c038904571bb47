import Foundation
import PNNClient
import PNNCore
import PNNProtocol
import PNNTestSupport
import Testing

/// pnnd under systemd's protocols, without systemd: socket activation through systemd-socket-activate
/// and sd_notify on a test NOTIFY_SOCKET.
@Suite(.serialized) struct SystemdIntegrationTests {
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/systemd-socket-activate")))
    func socketActivationServesTheInheritedSocket() async throws {
        let directory = try ScratchDirectory()
        let socket = directory.path("activated.sock")
        // systemd-socket-activate binds and listens, then execs pnnd with the socket as fd 3 and
        // LISTEN_FDS=1 / LISTEN_PID set — exactly what pnnd.socket does.
        let daemon = try DaemonProcess(arguments: ["--simulate"], directory: directory,
                                       wrapper: ["/usr/bin/systemd-socket-activate", "--listen=\(socket)"],
                                       socketName: "activated.sock", passSocketFlag: false)
        try daemon.waitUntilReady()
        let client = try await PNNClient.connect(socketPath: socket)
        let devices = try await client.devices()
        #expect(devices.map(\.name).sorted() == ["echo0", "elec0", "mech0", "shg0"])
        await client.close()
        #expect(daemon.log.contains("socket activation"), "log: \(daemon.log)")
        #expect(daemon.stop().status == 0)
    }

    @Test func readyAndWatchdogReachNotifySocket() async throws {
        let directory = try ScratchDirectory()
        let notify = try NotifyListener(path: directory.path("notify.sock"))
        let daemon = try DaemonProcess(arguments: ["--simulate"], directory: directory,
                                       environment: ["NOTIFY_SOCKET": notify.path, "WATCHDOG_USEC": "200000"])
        try daemon.waitUntilReady()
        var seen: [String] = []
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline, !(seen.contains { $0.contains("READY=1") } && seen.contains { $0.contains("WATCHDOG=1") }) {
            if let message = notify.receive(timeoutMilliseconds: 200) { seen.append(message) }
        }
        #expect(seen.contains { $0.contains("READY=1") }, "messages: \(seen)")
        #expect(seen.contains { $0.contains("WATCHDOG=1") }, "messages: \(seen)")
        #expect(seen.contains { $0.contains("STATUS=serving 4 devices") }, "messages: \(seen)")
        // Opening the record store asks for more start-up time, before READY=1 (systemd only counts it
        // while the service is still starting).
        let extended = try #require(seen.firstIndex {
            $0.contains("EXTEND_TIMEOUT_USEC=30000000") && $0.contains("STATUS=opening the record store")
        }, "messages: \(seen)")
        let ready = try #require(seen.firstIndex { $0.contains("READY=1") })
        #expect(extended < ready, "messages: \(seen)")
        daemon.send(SIGTERM)
        var stopping = false
        let stopDeadline = Date().addingTimeInterval(30)
        while Date() < stopDeadline, !stopping {
            if let message = notify.receive(timeoutMilliseconds: 200) { stopping = message.contains("STOPPING=1") }
        }
        #expect(stopping)
        #expect(daemon.stop().status == 0)
    }
}

/// A bound AF_UNIX datagram socket standing in for systemd's notification socket.
final class NotifyListener {
    let path: String
    private let fd: Int32

    init(path: String) throws {
        self.path = path
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, byte) in path.utf8.enumerated() { raw[i] = byte }
        }
        let status = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard fd >= 0, status == 0 else { throw POSIXError(.EADDRINUSE) }
    }

    deinit { close(fd) }

    func receive(timeoutMilliseconds: Int32) -> String? {
        var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&poller, 1, timeoutMilliseconds) == 1 else { return nil }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        return n > 0 ? String(decoding: buffer[0 ..< n], as: UTF8.self) : nil
    }
}
