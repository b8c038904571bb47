import ArgumentParser
import Foundation
import PNNClient
import NIOCore
import NIOPosix
import PNNCore

/// `pnn-bench protocol`: pnnd's round-trip latency and bulk throughput against a raw Unix-socket
/// ping-pong measured in the same run, plus the daemon's memory (RSS) idle and after many requests.
struct ProtocolBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "protocol",
        abstract: "Round-trip latency and 1 MiB throughput through pnnd vs a raw Unix-socket ping-pong.",
        discussion: """
            Starts `pnnd --simulate` (the binary next to pnn-bench) on a private socket and drives its echo0 \
            device through PNNClient: small requests (one 64-float sample) for latency, 1 MiB batches \
            (4096×64 floats each way) for throughput. The baseline is a blocking ping-pong of the same \
            byte counts between two threads of this process over another Unix socket.
            """)

    @Option(help: "Round trips timed for latency.")
    var requests = 20_000

    @Option(help: "1 MiB round trips timed for throughput.")
    var bulk = 200

    @Option(help: "Requests sent before the second RSS reading.")
    var soak = 100_000

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    struct Report: Encodable {
        var rawSmallP50Microseconds: Double
        var rawSmallP99Microseconds: Double
        var pnnSmallP50Microseconds: Double
        var pnnSmallP99Microseconds: Double
        var p50Ratio: Double
        var rawBulkMiBPerSecond: Double
        var pnnBulkMiBPerSecond: Double
        var bulkFraction: Double
        var idleRSSMegabytes: Double
        var rssAfterSoakMegabytes: Double
        var soakRequests: Int
        var smallRequestBytes: Int
        var bulkBytes: Int
    }

    func run() async throws {
        // Same as pnnd: the client's continuations resume on the event loop that read the reply.
        NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        let directory = "/tmp/pnn-bench-\(getpid())"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }

        // Baseline, same byte counts as pnn's frames: metadata + 64 floats out, similar back; 1 MiB each way.
        let smallBytes = 24 + 120 + 64 * 4
        let bulkBytes = 1 << 20
        let raw = try RawSocketPingPong(path: directory + "/raw.sock")
        let fd = try raw.connect()
        var scratch = [UInt8](repeating: 0, count: bulkBytes + 4)
        let small = RawSocketPingPong.message(payloadBytes: smallBytes)
        for _ in 0 ..< 1000 { _ = RawSocketPingPong.roundTrip(fd, message: small, scratch: &scratch) }
        var rawSmall: [Double] = []
        for _ in 0 ..< requests {
            let t = ContinuousClock.now
            _ = RawSocketPingPong.roundTrip(fd, message: small, scratch: &scratch)
            rawSmall.append((ContinuousClock.now - t).microseconds)
        }
        let big = RawSocketPingPong.message(payloadBytes: bulkBytes)
        let rawBulkStart = ContinuousClock.now
        for _ in 0 ..< bulk { _ = RawSocketPingPong.roundTrip(fd, message: big, scratch: &scratch) }
        let rawBulkSeconds = (ContinuousClock.now - rawBulkStart).microseconds / 1e6
        close(fd)
        raw.shutdown()

        // pnnd.
        let here = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        let daemon = Process()
        daemon.executableURL = here.appendingPathComponent("pnnd")
        daemon.arguments = ["--simulate", "--socket", directory + "/pnnd.sock", "--state-dir", directory + "/state",
                            "--log-level", "warning"]
        daemon.standardError = FileHandle.nullDevice
        try daemon.run()
        defer { if daemon.isRunning { daemon.terminate(); daemon.waitUntilExit() } }
        var client: PNNClient?
        for _ in 0 ..< 500 where client == nil {
            client = try? await PNNClient.connect(socketPath: directory + "/pnnd.sock")
            if client == nil { try await Task.sleep(for: .milliseconds(20)) }
        }
        guard let client else { throw BenchError("pnnd did not start") }
        try await Task.sleep(for: .milliseconds(500))
        let idleRSS = Self.rssMegabytes(pid: daemon.processIdentifier)

        let x = Tensor<Float>(uncheckedRows: (0 ..< 64).map { Float($0) / 64 }, columns: 64)
        let none = Tensor<Float>([])
        for _ in 0 ..< 1000 { _ = try await client.run("echo0", input: x, parameters: none) }
        var pnnSmall: [Double] = []
        for _ in 0 ..< requests {
            let t = ContinuousClock.now
            _ = try await client.run("echo0", input: x, parameters: none)
            pnnSmall.append((ContinuousClock.now - t).microseconds)
        }
        let bigX = Tensor<Float>(uncheckedRows: [Float](repeating: 0.25, count: bulkBytes / 4), columns: 64)
        _ = try await client.run("echo0", input: bigX, parameters: none)
        let pnnBulkStart = ContinuousClock.now
        for _ in 0 ..< bulk { _ = try await client.run("echo0", input: bigX, parameters: none) }
        let pnnBulkSeconds = (ContinuousClock.now - pnnBulkStart).microseconds / 1e6

        // Soak: the remaining requests, pipelined 8 deep, then RSS again.
        let remaining = max(0, soak - requests - bulk - 2000)
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
        let soakRSS = Self.rssMegabytes(pid: daemon.processIdentifier)
        await client.close()

        rawSmall.sort()
        pnnSmall.sort()
        let report = Report(
            rawSmallP50Microseconds: rawSmall.percentile(0.5), rawSmallP99Microseconds: rawSmall.percentile(0.99),
            pnnSmallP50Microseconds: pnnSmall.percentile(0.5), pnnSmallP99Microseconds: pnnSmall.percentile(0.99),
            p50Ratio: pnnSmall.percentile(0.5) / rawSmall.percentile(0.5),
            rawBulkMiBPerSecond: Double(bulk) / rawBulkSeconds, pnnBulkMiBPerSecond: Double(bulk) / pnnBulkSeconds,
            bulkFraction: rawBulkSeconds / pnnBulkSeconds, idleRSSMegabytes: idleRSS, rssAfterSoakMegabytes: soakRSS,
            soakRequests: soak, smallRequestBytes: smallBytes, bulkBytes: bulkBytes)
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
        print("round trip, small request (\(requests) sequential)      p50 µs   p99 µs")
        print("  raw Unix-socket ping-pong                       \(f(report.rawSmallP50Microseconds).leftPad(7))  \(f(report.rawSmallP99Microseconds).leftPad(7))")
        print("  pnnd run on echo0 (PNNClient)                   \(f(report.pnnSmallP50Microseconds).leftPad(7))  \(f(report.pnnSmallP99Microseconds).leftPad(7))")
        print("  p50 ratio pnn/raw: \(String(format: "%.2f", report.p50Ratio))× (target ≤ 2×)")
        print("1 MiB each way (\(bulk) sequential)                   MiB/s")
        print("  raw                                             \(f(report.rawBulkMiBPerSecond).leftPad(7))")
        print("  pnnd                                            \(f(report.pnnBulkMiBPerSecond).leftPad(7))")
        print("  pnn/raw: \(String(format: "%.0f", 100 * report.bulkFraction)) % (target ≥ 50 %)")
        print("pnnd RSS: idle \(f(idleRSS)) MB, after \(soak) requests \(f(soakRSS)) MB (target ≤ 30 MB idle, flat)")
    }

    static func rssMegabytes(pid: Int32) -> Double {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let kb = Double(line.split(separator: " ").dropFirst().first ?? "") else { return .nan }
        return kb / 1024
    }
}

extension Array where Element == Double {
    /// The q-quantile of a sorted array (nearest rank).
    func percentile(_ q: Double) -> Double {
        guard !isEmpty else { return .nan }
        return self[Swift.min(count - 1, Int((Double(count) * q).rounded(.up)) - 1)]
    }
}

extension Duration {
    var microseconds: Double { Double(components.seconds) * 1e6 + Double(components.attoseconds) * 1e-12 }
}

extension String {
    func leftPad(_ width: Int) -> String { String(repeating: " ", count: Swift.max(0, width - count)) + self }
}
