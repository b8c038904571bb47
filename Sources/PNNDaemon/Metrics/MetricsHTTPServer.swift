import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// `--metrics-listen 127.0.0.1:PORT`: Prometheus scrapes `GET /metrics` here.
///
/// Loopback only (the configuration rejects other addresses): metrics reveal device names and load,
/// and a scraper on the lab machine or an SSH tunnel is all a lab needs.
///
/// Scrapers are few and quick, so connections are bounded: at most `maxConnections` at once (more are
/// closed as they come), and one that stays silent for `idleTimeout` is closed. A local process holding
/// connections open could otherwise use up pnnd's descriptors outside its client connection cap.
final class MetricsHTTPServer: Sendable {
    private let metrics: DaemonMetrics
    private let logger: Logger
    private let idleTimeout: TimeAmount
    private let maxConnections: Int
    private let accepted = AcceptedConnections()
    private let channel = Mutex<(any Channel)?>(nil)

    init(metrics: DaemonMetrics, logger: Logger, idleTimeout: TimeAmount = .seconds(30), maxConnections: Int = 16) {
        self.metrics = metrics
        self.logger = logger
        self.idleTimeout = idleTimeout
        self.maxConnections = maxConnections
    }

    /// The port listened on once started (useful with port 0).
    var port: Int? { channel.withLock { $0?.localAddress?.port } }

    func start(_ endpoint: String, group: any EventLoopGroup) async throws {
        guard let colon = endpoint.lastIndex(of: ":"), let port = Int(endpoint[endpoint.index(after: colon)...]) else {
            throw DaemonError(.configuration, "metrics_listen must be host:port, got '\(endpoint)'")
        }
        var host = String(endpoint[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        let metrics = self.metrics
        let (idleTimeout, maxConnections) = (self.idleTimeout, self.maxConnections)
        let bound = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { [self] channel in
                guard accepted.admit(channel) <= maxConnections else {
                    // A failed initialiser makes NIO close the connection.
                    return channel.eventLoop.makeFailedFuture(DaemonError(.io, "too many metrics connections"))
                }
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(IdleStateHandler(allTimeout: idleTimeout))
                    try channel.pipeline.syncOperations.addHandler(CloseWhenIdle())
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(MetricsHTTPHandler(metrics: metrics))
                }
            }
            .bind(host: host, port: port).get()
        channel.withLock { $0 = bound }
        logger.info("metrics endpoint listening", metadata: ["pnn.metrics.address": "\(endpoint)"])
    }

    func stop() async {
        guard let bound = channel.withLock({ $0 }) else { return }
        try? await bound.close()
    }
}

/// Answers `GET /metrics` with the Prometheus text format; everything else gets 404/405.
final class MetricsHTTPHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let metrics: DaemonMetrics
    private var head: HTTPRequestHead?

    init(metrics: DaemonMetrics) { self.metrics = metrics }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
        case .body:
            break
        case .end:
            guard let head else { return }
            self.head = nil
            let (status, body, type): (HTTPResponseStatus, String, String)
            if head.method != .GET {
                (status, body, type) = (.methodNotAllowed, "only GET\n", "text/plain")
            } else if head.uri == "/metrics" || head.uri.hasPrefix("/metrics?") {
                (status, body, type) = (.ok, metrics.exposition(), "text/plain; version=0.0.4; charset=utf-8")
            } else {
                (status, body, type) = (.notFound, "pnnd serves /metrics only\n", "text/plain")
            }
            var headers = HTTPHeaders()
            headers.add(name: "Content-Type", value: type)
            headers.add(name: "Content-Length", value: "\(body.utf8.count)")
            let keepAlive = head.isKeepAlive
            if !keepAlive { headers.add(name: "Connection", value: "close") }
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: status, headers: headers))), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: body)))), promise: nil)
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in
                if !keepAlive { channel.close(promise: nil) }
            }
        }
    }
}

/// Closes a connection on `IdleStateHandler`'s event: no bytes either way for its timeout.
final class CloseWhenIdle: ChannelInboundHandler {
    typealias InboundIn = NIOAny

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent {
            context.close(promise: nil)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }
}
