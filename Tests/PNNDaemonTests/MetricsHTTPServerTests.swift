#if canImport(Glibc)
import Glibc
#endif
import Logging
import NIOCore
import NIOPosix
@testable import PNNDaemon
import Testing

/// The Prometheus endpoint over real TCP on loopback: what it answers, and how it bounds its connections.
@Suite(.timeLimit(.minutes(1)))
struct MetricsHTTPServerTests {
    /// A blocking TCP connection to 127.0.0.1:`port` with a receive timeout; -1 if it fails.
    static func connect(_ port: Int) -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(fd)
            return -1
        }
        return fd
    }

    /// Sends `request` and reads until the server closes or `until` appears; what came back.
    static func exchange(_ fd: Int32, _ request: String, until marker: String? = nil) -> String {
        var bytes = Array(request.utf8)
        _ = bytes.withUnsafeMutableBytes { send(fd, $0.baseAddress, $0.count, 0) }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            received += buffer[0 ..< n]
            if let marker, String(decoding: received, as: UTF8.self).contains(marker) { break }
        }
        return String(decoding: received, as: UTF8.self)
    }

    static func start(idleTimeout: TimeAmount = .seconds(30), maxConnections: Int = 16) async throws -> (MetricsHTTPServer, Int) {
        let metrics = DaemonMetrics()
        metrics.request(device: "mech0", kind: "run", code: "ok", duration: .milliseconds(2))
        let server = MetricsHTTPServer(metrics: metrics, logger: Logger(label: "test"), idleTimeout: idleTimeout,
                                       maxConnections: maxConnections)
        try await server.start("127.0.0.1:0", group: MultiThreadedEventLoopGroup.singleton)
        return (server, try #require(server.port))
    }

    @Test func answersGETMetricsAndRefusesEverythingElse() async throws {
        let (server, port) = try await Self.start()
        let fd = Self.connect(port)
        defer { close(fd) }
        let ok = Self.exchange(fd, "GET /metrics HTTP/1.0\r\n\r\n")
        #expect(ok.hasPrefix("HTTP/1.0 200 OK"), "\(ok.prefix(200))")
        #expect(ok.contains("text/plain; version=0.0.4"))
        #expect(ok.contains("pnn_requests_total{"), "\(ok.prefix(400))")
        for (request, status) in [("POST /metrics HTTP/1.0\r\nContent-Length: 0\r\n\r\n", "405"), ("GET /other HTTP/1.0\r\n\r\n", "404")] {
            let other = Self.connect(port)
            defer { close(other) }
            let reply = Self.exchange(other, request)
            #expect(reply.hasPrefix("HTTP/1.0 \(status)"), "\(request): \(reply.prefix(100))")
        }
        await server.stop()
    }

    @Test func closesSilentConnectionsAndBoundsTheirNumber() async throws {
        let (server, port) = try await Self.start(idleTimeout: .milliseconds(200), maxConnections: 2)
        let silent = Self.connect(port)
        defer { close(silent) }
        // Nothing sent: the server closes it after the idle timeout (recv sees EOF, not the 5 s timeout).
        var buffer = [UInt8](repeating: 0, count: 16)
        let start = ContinuousClock.now
        let n = buffer.withUnsafeMutableBytes { recv(silent, $0.baseAddress, $0.count, 0) }
        #expect(n == 0, "closed by the server")
        #expect(ContinuousClock.now - start < .seconds(4))

        // Two held open (a keep-alive scrape each); a third is closed at once, without an answer.
        let a = Self.connect(port), b = Self.connect(port)
        defer { close(a); close(b) }
        #expect(Self.exchange(a, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", until: "pnn_requests_total").contains("200 OK"))
        #expect(Self.exchange(b, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", until: "pnn_requests_total").contains("200 OK"))
        let c = Self.connect(port)
        defer { close(c) }
        #expect(Self.exchange(c, "GET /metrics HTTP/1.0\r\n\r\n").isEmpty, "over the limit: closed unanswered")
        await server.stop()
    }
}
