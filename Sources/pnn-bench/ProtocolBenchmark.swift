import ArgumentParser
import Foundation
import PNNClient
import NIOCore
import NIOPosix
import PNNCore
import PNNProtocol

/// `pnn-bench protocol`: pnnd's round-trip latency and bulk throughput against a raw Unix-socket
/// ping-pong measured in the same run, through both clients and with controlled thread placement, plus
/// the daemon's memory (RSS) idle and after many requests.
struct ProtocolBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "protocol",
        abstract: "Round-trip latency and 1 MiB throughput through pnnd vs a raw Unix-socket ping-pong.",
        discussion: """
            Starts `pnnd --simulate` (the binary next to pnn-bench) on a private socket and drives its echo0 \
            device through both clients, PNNClient (async, NIO) and PNNBlockingClient (blocking POSIX \
            socket, for sequential callers such as a training loop): small requests (one 64-float sample) \
            for latency, 1 MiB batches (4096×64 floats each way) for throughput. The baseline is a blocking \
            ping-pong of the same byte counts between two threads of this process over another Unix socket. \
            Two more rows split pnnd's distance from it: the same blocking loop against a minimal SwiftNIO \
            server with pnnd's framing that echoes each frame (the NIO floor), and the same loop sending a \
            pre-encoded run frame to pnnd's echo0 (pnnd without a client library).

            All five are interleaved in rounds, so drifting load on a shared machine hits them alike, and \
            run under each --placement: `shared` puts this process, both echo servers and pnnd on one CPU; \
            `split` puts this process on one CPU and pnnd and the echo servers on another (a message then \
            wakes the other CPU, which is 3–4× slower on a VM); `free` leaves placement to the \
            scheduler, which picks either mode, differently for baseline and pnnd from run to run.
            """)

    enum Placement: String, ExpressibleByArgument, CaseIterable, Encodable {
        case shared, split, free
    }

    @Option(help: "Round trips timed for latency, per client and placement.")
    var requests = 20_000

    @Option(help: "1 MiB round trips timed for throughput, per client and placement.")
    var bulk = 200

    @Option(help: "Rounds the measurements are interleaved in.")
    var rounds = 10

    @Option(parsing: .upToNextOption, help: "Thread placements to measure: shared, split, free.")
    var placement: [Placement] = [.shared, .split]

    @Option(help: "Requests sent in all before the second RSS reading (the last 20 000 or more small and pipelined).")
    var soak = 100_000

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    func validate() throws {
        guard requests >= 1, bulk >= 1, rounds >= 1 else { throw ValidationError("--requests, --bulk and --rounds must be at least 1") }
        guard !placement.isEmpty else { throw ValidationError("--placement needs at least one of shared, split, free") }
    }

    /// Figures of one placement.
    struct Figures: Encodable {
        var placement: Placement
        var rawSmallP50Microseconds: Double
        var rawSmallP99Microseconds: Double
        /// The raw loop against a minimal NIO server with pnnd's framing (`NIOFrameEcho`): the NIO floor.
        var nioEchoSmallP50Microseconds: Double
        var nioEchoSmallP99Microseconds: Double
        var nioEchoP50Ratio: Double
        /// The raw loop sending a pre-encoded `run` frame to pnnd's echo0: pnnd without a client library.
        var rawClientSmallP50Microseconds: Double
        var rawClientSmallP99Microseconds: Double
        var rawClientP50Ratio: Double
        /// PNNClient (async, NIO).
        var asyncSmallP50Microseconds: Double
        var asyncSmallP99Microseconds: Double
        var asyncP50Ratio: Double
        /// PNNBlockingClient (blocking POSIX socket).
        var blockingSmallP50Microseconds: Double
        var blockingSmallP99Microseconds: Double
        var blockingP50Ratio: Double
        var rawBulkMiBPerSecond: Double
        var asyncBulkMiBPerSecond: Double
        var asyncBulkFraction: Double
        var blockingBulkMiBPerSecond: Double
        var blockingBulkFraction: Double
    }

    struct Report: Encodable {
        var figures: [Figures]
        var idleRSSMegabytes: Double
        var rssAfterSoakMegabytes: Double
        var soakRequests: Int
        var smallRequestBytes: Int
        var bulkBytes: Int
    }

    /// Latency samples and bulk time of one way of making round trips.
    private struct Series {
        var small: [Double] = []
        var bulkSeconds = 0.0
    }

    func run() async throws {
        // Same as pnnd: the client's continuations resume on the event loop that read the reply.
        NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        let directory = "/tmp/pnn-bench-\(getpid())"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let cpus = CPUAffinity.allowed()

        // Baseline, same byte counts as pnn's frames: metadata + 64 floats out, similar back; 1 MiB each way.
        let smallBytes = 24 + 120 + 64 * 4
        let bulkBytes = 1 << 20
        let raw = try RawSocketPingPong(path: directory + "/raw.sock")
        defer { raw.shutdown() }
        var scratch = [UInt8](repeating: 0, count: bulkBytes + 4)
        let small = RawSocketPingPong.message(payloadBytes: smallBytes)
        let big = RawSocketPingPong.message(payloadBytes: bulkBytes)
        let echo = try await NIOFrameEcho(path: directory + "/nio.sock")

        // pnnd.
        let daemon = try await DaemonProcess(directory: directory)
        defer { daemon.stop() }
        let client = try await PNNClient.connect(socketPath: daemon.socketPath)
        let blocking = try PNNBlockingClient.connect(socketPath: daemon.socketPath)
        try await Task.sleep(for: .milliseconds(500))
        let idleRSS = Self.rssMegabytes(pid: daemon.pid)

        let x = Tensor<Float>(uncheckedRows: (0 ..< 64).map { Float($0) / 64 }, columns: 64)
        let bigX = Tensor<Float>(uncheckedRows: [Float](repeating: 0.25, count: bulkBytes / 4), columns: 64)
        let none = Tensor<Float>([])
        // The bytes PNNBlockingClient sends for the small request, for the raw loop to replay.
        let runFrame = Self.encoded(WireFormat.frame(
            for: RequestEnvelope(id: 1, request: .run(device: "echo0", input: x, parameters: none, acquisitions: 1)),
            allocator: ByteBufferAllocator()))
        var sent = 0

        var figures: [Figures] = []
        for placement in placement {
            // Where the clients (this process), pnnd and the baseline's echo thread run.
            let (clientCPUs, serverCPUs): ([Int], [Int])
            switch placement {
            case .shared where !cpus.isEmpty: (clientCPUs, serverCPUs) = ([cpus[0]], [cpus[0]])
            case .split where cpus.count >= 2: (clientCPUs, serverCPUs) = ([cpus[0]], [cpus[1]])
            case .free: (clientCPUs, serverCPUs) = (cpus, cpus)
            default: throw BenchError("cannot place threads for '\(placement.rawValue)' on CPUs \(cpus)")
            }
            guard CPUAffinity.pin(process: getpid(), to: clientCPUs),
                  CPUAffinity.pin(process: daemon.pid, to: serverCPUs)
            else { throw BenchError("cannot set CPU affinity for '\(placement.rawValue)'") }
            let fd = try raw.connect(serverCPUs: serverCPUs)
            defer { close(fd) }
            try await echo.pin(to: serverCPUs)
            let echoFD = try RawSocketPingPong.connect(path: directory + "/nio.sock")
            defer { close(echoFD) }
            let pnndFD = try RawSocketPingPong.connect(path: daemon.socketPath)
            defer { close(pnndFD) }
            var reply = [UInt8](repeating: 0, count: 4096)
            guard RawSocketPingPong.roundTrip(echoFD, message: runFrame, scratch: &reply) else {
                throw BenchError("the NIO echo did not send the pre-encoded run frame back")
            }
            let answered = RawSocketPingPong.exchange(pnndFD, message: runFrame, scratch: &reply)
            guard Self.isRunReply(reply, length: answered) else {
                throw BenchError("pnnd did not answer the pre-encoded run frame with a run reply (\(answered) bytes back)")
            }

            // Warm-up, then rounds of (raw, NIO echo, raw loop to pnnd, async, blocking) so that load
            // changes hit all five alike.
            for _ in 0 ..< 1000 {
                _ = RawSocketPingPong.roundTrip(fd, message: small, scratch: &scratch)
                _ = RawSocketPingPong.roundTrip(echoFD, message: runFrame, scratch: &reply)
                _ = RawSocketPingPong.exchange(pnndFD, message: runFrame, scratch: &reply)
                _ = try await client.run("echo0", input: x, parameters: none)
                _ = try blocking.run("echo0", input: x, parameters: none)
            }
            _ = RawSocketPingPong.roundTrip(fd, message: big, scratch: &scratch)
            _ = try await client.run("echo0", input: bigX, parameters: none)
            _ = try blocking.run("echo0", input: bigX, parameters: none)
            var rawSeries = Series(), asyncSeries = Series(), blockingSeries = Series()
            var echoSeries = Series(), rawClientSeries = Series()
            rawSeries.small.reserveCapacity(requests)
            echoSeries.small.reserveCapacity(requests)
            rawClientSeries.small.reserveCapacity(requests)
            asyncSeries.small.reserveCapacity(requests)
            blockingSeries.small.reserveCapacity(requests)
            for round in 0 ..< rounds {
                let n = requests * (round + 1) / rounds - requests * round / rounds
                for _ in 0 ..< n {
                    let t = ContinuousClock.now
                    _ = RawSocketPingPong.roundTrip(fd, message: small, scratch: &scratch)
                    rawSeries.small.append((ContinuousClock.now - t).microseconds)
                }
                for _ in 0 ..< n {
                    let t = ContinuousClock.now
                    _ = RawSocketPingPong.roundTrip(echoFD, message: runFrame, scratch: &reply)
                    echoSeries.small.append((ContinuousClock.now - t).microseconds)
                }
                for _ in 0 ..< n {
                    let t = ContinuousClock.now
                    _ = RawSocketPingPong.exchange(pnndFD, message: runFrame, scratch: &reply)
                    rawClientSeries.small.append((ContinuousClock.now - t).microseconds)
                }
                for _ in 0 ..< n {
                    let t = ContinuousClock.now
                    _ = try await client.run("echo0", input: x, parameters: none)
                    asyncSeries.small.append((ContinuousClock.now - t).microseconds)
                }
                for _ in 0 ..< n {
                    let t = ContinuousClock.now
                    _ = try blocking.run("echo0", input: x, parameters: none)
                    blockingSeries.small.append((ContinuousClock.now - t).microseconds)
                }
                let b = bulk * (round + 1) / rounds - bulk * round / rounds
                var t = ContinuousClock.now
                for _ in 0 ..< b { _ = RawSocketPingPong.roundTrip(fd, message: big, scratch: &scratch) }
                rawSeries.bulkSeconds += (ContinuousClock.now - t).microseconds / 1e6
                t = ContinuousClock.now
                for _ in 0 ..< b { _ = try await client.run("echo0", input: bigX, parameters: none) }
                asyncSeries.bulkSeconds += (ContinuousClock.now - t).microseconds / 1e6
                t = ContinuousClock.now
                for _ in 0 ..< b { _ = try blocking.run("echo0", input: bigX, parameters: none) }
                blockingSeries.bulkSeconds += (ContinuousClock.now - t).microseconds / 1e6
            }
            // pnnd's share: warm-up and timed small requests of three loops, the check above, the bulk.
            sent += 3 * (1000 + requests) + 1 + 2 * (1 + bulk)
            figures.append(Self.figures(placement, raw: rawSeries, echo: echoSeries, rawClient: rawClientSeries,
                                        async: asyncSeries, blocking: blockingSeries, bulk: bulk))
        }
        blocking.close()
        await echo.shutdown()
        CPUAffinity.pin(process: getpid(), to: cpus)
        CPUAffinity.pin(process: daemon.pid, to: cpus)

        // Soak: the remaining requests (at least 20 000), pipelined 8 deep, then RSS again.
        let remaining = max(20_000, soak - sent)
        sent += remaining
        try await withThrowingTaskGroup(of: Void.self) { group in
            for lane in 0 ..< 8 {
                group.addTask {
                    for _ in stride(from: lane, to: remaining, by: 8) {
                        _ = try await client.run("echo0", input: x, parameters: none)
                    }
                }
            }
            try await group.waitForAll()
        }
        let soakRSS = Self.rssMegabytes(pid: daemon.pid)
        await client.close()

        let report = Report(figures: figures, idleRSSMegabytes: idleRSS, rssAfterSoakMegabytes: soakRSS,
                            soakRequests: sent, smallRequestBytes: smallBytes, bulkBytes: bulkBytes)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
            return
        }
        #if DEBUG
        print("warning: debug build; run `swift run -c release pnn-bench protocol` for meaningful figures")
        #endif
        func f(_ v: Double) -> String { String(format: "%.1f", v) }
        func ratio(_ v: Double) -> String { String(format: "%5.2f×", v) }
        func percent(_ v: Double) -> String { String(format: "%4.0f %%", 100 * v) }
        for r in figures {
            let place = switch r.placement {
            case .shared: "clients, pnnd and both echo servers on one CPU"
            case .split: "clients on one CPU; pnnd and both echo servers on the other"
            case .free: "left to the scheduler"
            }
            print("placement \(r.placement.rawValue): \(place)")
            print("  round trip, small request (\(requests) sequential) p50 µs   p99 µs   p50/raw (target ≤ 2×)")
            print("    raw Unix-socket ping-pong                   \(f(r.rawSmallP50Microseconds).leftPad(7))  \(f(r.rawSmallP99Microseconds).leftPad(7))")
            print("    raw loop ↔ NIO echo with pnn framing        \(f(r.nioEchoSmallP50Microseconds).leftPad(7))  \(f(r.nioEchoSmallP99Microseconds).leftPad(7))   \(ratio(r.nioEchoP50Ratio))")
            print("    raw loop ↔ pnnd echo0 (pre-encoded run)     \(f(r.rawClientSmallP50Microseconds).leftPad(7))  \(f(r.rawClientSmallP99Microseconds).leftPad(7))   \(ratio(r.rawClientP50Ratio))")
            print("    pnnd echo0, PNNClient (async, NIO)          \(f(r.asyncSmallP50Microseconds).leftPad(7))  \(f(r.asyncSmallP99Microseconds).leftPad(7))   \(ratio(r.asyncP50Ratio))")
            print("    pnnd echo0, PNNBlockingClient (POSIX)       \(f(r.blockingSmallP50Microseconds).leftPad(7))  \(f(r.blockingSmallP99Microseconds).leftPad(7))   \(ratio(r.blockingP50Ratio))")
            // The rows above as steps (p50 differences; on a noisy machine a step can come out negative).
            let steps = [r.nioEchoSmallP50Microseconds - r.rawSmallP50Microseconds,
                         r.rawClientSmallP50Microseconds - r.nioEchoSmallP50Microseconds,
                         r.blockingSmallP50Microseconds - r.rawClientSmallP50Microseconds].map { String(format: "%+.1f", $0) }
            print("    blocking above raw, µs: NIO and framing \(steps[0]), pnnd's own path \(steps[1]), client library \(steps[2])")
            print("  1 MiB each way (\(bulk) sequential)                  MiB/s   of raw (target ≥ 50 %)")
            print("    raw                                         \(f(r.rawBulkMiBPerSecond).leftPad(7))")
            print("    pnnd, PNNClient (async, NIO)                \(f(r.asyncBulkMiBPerSecond).leftPad(7))   \(percent(r.asyncBulkFraction))")
            print("    pnnd, PNNBlockingClient (POSIX)             \(f(r.blockingBulkMiBPerSecond).leftPad(7))   \(percent(r.blockingBulkFraction))")
        }
        print("pnnd RSS: idle \(f(idleRSS)) MB, after \(report.soakRequests) requests \(f(soakRSS)) MB (target ≤ 30 MB idle, flat)")
    }

    private static func figures(_ placement: Placement, raw: Series, echo: Series, rawClient: Series, async: Series,
                                blocking: Series, bulk: Int) -> Figures {
        let (r, a, b) = (raw.small.sorted(), async.small.sorted(), blocking.small.sorted())
        let (e, c) = (echo.small.sorted(), rawClient.small.sorted())
        return Figures(
            placement: placement,
            rawSmallP50Microseconds: r.percentile(0.5), rawSmallP99Microseconds: r.percentile(0.99),
            nioEchoSmallP50Microseconds: e.percentile(0.5), nioEchoSmallP99Microseconds: e.percentile(0.99),
            nioEchoP50Ratio: e.percentile(0.5) / r.percentile(0.5),
            rawClientSmallP50Microseconds: c.percentile(0.5), rawClientSmallP99Microseconds: c.percentile(0.99),
            rawClientP50Ratio: c.percentile(0.5) / r.percentile(0.5),
            asyncSmallP50Microseconds: a.percentile(0.5), asyncSmallP99Microseconds: a.percentile(0.99),
            asyncP50Ratio: a.percentile(0.5) / r.percentile(0.5),
            blockingSmallP50Microseconds: b.percentile(0.5), blockingSmallP99Microseconds: b.percentile(0.99),
            blockingP50Ratio: b.percentile(0.5) / r.percentile(0.5),
            rawBulkMiBPerSecond: Double(bulk) / raw.bulkSeconds,
            asyncBulkMiBPerSecond: Double(bulk) / async.bulkSeconds, asyncBulkFraction: raw.bulkSeconds / async.bulkSeconds,
            blockingBulkMiBPerSecond: Double(bulk) / blocking.bulkSeconds, blockingBulkFraction: raw.bulkSeconds / blocking.bulkSeconds)
    }

    /// A frame's bytes as they go on the wire: u32-LE length prefix, then the body.
    static func encoded(_ frame: Frame) -> [UInt8] {
        var buffer = ByteBufferAllocator().buffer(capacity: 0)
        frame.writeLengthPrefixed(to: &buffer)
        return buffer.readBytes(length: buffer.readableBytes) ?? []
    }

    /// Whether the `length` bytes at the start of `bytes` (prefix included) are a successful run reply.
    static func isRunReply(_ bytes: [UInt8], length: Int) -> Bool {
        guard length > 4 else { return false }
        var body = ByteBufferAllocator().buffer(capacity: length - 4)
        body.writeBytes(bytes[4 ..< length])
        guard let frame = try? Frame(body: body), case .ran? = try? WireFormat.response(from: frame) else { return false }
        return true
    }

    static func rssMegabytes(pid: Int32) -> Double {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let kb = Double(line.split(separator: " ").dropFirst().first ?? "") else { return .nan }
        return kb / 1024
    }
}

extension Duration {
    var microseconds: Double { seconds * 1e6 }
}

extension String {
    func leftPad(_ width: Int) -> String { String(repeating: " ", count: Swift.max(0, width - count)) + self }
}
