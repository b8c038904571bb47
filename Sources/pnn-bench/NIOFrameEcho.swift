import NIOCore
import NIOPosix
import PNNProtocol

/// The second baseline of `pnn-bench protocol`: a SwiftNIO server with pnnd's own socket options and
/// framing stack (`addPNNFraming`) that writes every frame straight back from `channelRead`.
///
/// It costs what any NIO server of this protocol must pay (event loop, pipeline, frame decoding and
/// encoding) and nothing pnnd adds on top (metadata, dispatch, tasks, device, metrics). Driven by the
/// same blocking socket loop as the raw ping-pong, it splits pnnd's distance from raw into the NIO floor
/// and pnnd's own path; `RawSocketPingPong.exchange` against pnnd splits off the client library.
final class NIOFrameEcho: Sendable {
    private let group: MultiThreadedEventLoopGroup
    private let channel: any Channel

    init(path: String) async throws {
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let bootstrap = ServerBootstrap(group: group)
            .childChannelOption(.recvAllocator, value: SocketTuning.receiveAllocator)
            .childChannelOption(.socketOption(.so_sndbuf), value: SocketTuning.sendBuffer)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addPNNFraming(maxFrameBytes: 64 << 20)
                    try channel.pipeline.syncOperations.addHandler(Echo())
                }
            }
        do {
            channel = try await bootstrap.bind(unixDomainSocketPath: path, cleanupExistingSocketFile: true).get()
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
    }

    /// Runs the server's one event-loop thread on `cpus`, as the raw echo thread is placed.
    func pin(to cpus: [Int]) async throws {
        guard try await group.next().submit({ CPUAffinity.pin(thread: 0, to: cpus) }).get() else {
            throw BenchError("cannot set the NIO echo thread's CPU affinity to \(cpus)")
        }
    }

    func shutdown() async {
        try? await channel.close()
        try? await group.shutdownGracefully()
    }

    private final class Echo: ChannelInboundHandler, Sendable {
        typealias InboundIn = Frame
        typealias OutboundOut = Frame

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            context.writeAndFlush(data, promise: nil)
        }
    }
}
