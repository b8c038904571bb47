import Foundation
import NIOCore
import PNNClient
import PNNCore
import PNNPhysics
import PNNProtocol
import PNNRecorder
import PNNTestSupport
import Testing

/// The real `pnnd` binary on a temporary socket, driven through the real client and CLI.
@Suite(.serialized) struct DaemonIntegrationTests {
    static let exactMechanical = DaemonHarness.config(devices: """
        [[device]]
        name = "mech0"
        kind = "simulated-mechanical"
        inputs = 32
        parameters = 16
        outputs = 16
        gap = "none"
        """)

    @Test func runOnAnUngappedPlateEqualsTheModelBitForBit() async throws {
        let harness = try DaemonHarness(config: Self.exactMechanical)
        let client = try await harness.client()
        let x = Tensor<Float>.random(rows: 5, columns: 32, in: 0 ... 1, seed: 1)
        let theta = Tensor<Float>.random(count: 16, in: -1 ... 1, seed: 2)
        let (y, info) = try await client.run("mech0", input: x, parameters: theta)
        let model = try MechanicalModel(.init(shape: ModelShape(inputs: 32, parameters: 16, outputs: 16)))
        let expected = try model.forward(x.converted(to: Double.self), theta.converted(to: Double.self)).converted(to: Float.self)
        #expect(y == expected)
        #expect(info.sequence == 1)
        await client.close()
        #expect(harness.daemon.stop().status == 0)
    }

    @Test func badRequestsGetTheirCodeAndTheConnectionKeepsWorking() async throws {
        let harness = try DaemonHarness()
        let client = try await harness.client()
        let theta = Tensor<Float>.random(count: 196, in: -0.5 ... 0.5, seed: 3)
        func code(_ body: () async throws -> Void) async -> ErrorCode? {
            do {
                try await body()
                return nil
            } catch let error as ClientError {
                return error.code.serverCode
            } catch {
                return nil
            }
        }
        // Wrong shape.
        #expect(await code { _ = try await client.run("mech0", input: .random(rows: 1, columns: 10, in: 0 ... 1, seed: 4), parameters: theta) } == .invalidArgument)
        // Out of range: one drive value of 5 V.
        var loud = Tensor<Float>.random(rows: 2, columns: 196, in: 0 ... 0.5, seed: 5)
        loud[1, 7] = 5
        do {
            _ = try await client.run("mech0", input: loud, parameters: theta)
            Issue.record("out-of-range drive accepted")
        } catch {
            #expect(error.code.serverCode == .outOfRange)
            #expect(error.message.contains("sample 1") && error.message.contains("7"), "names the first offending index: \(error.message)")
        }
        // NaN.
        var nan = Tensor<Float>.random(rows: 1, columns: 196, in: 0 ... 0.5, seed: 6)
        nan[0, 3] = .nan
        #expect(await code { _ = try await client.run("mech0", input: nan, parameters: theta) } == .invalidArgument)
        // Unknown device.
        #expect(await code { _ = try await client.describe("nope0") } == .notFound)
        // …and the same connection still works.
        let (y, _) = try await client.run("mech0", input: .random(rows: 2, columns: 196, in: 0 ... 1, seed: 7), parameters: theta)
        #expect(y.shape == [2, 196])
        await client.close()
    }

    @Test func aRequestWhoseReplyWouldNotFitAFrameIsRefusedBeforeItRuns() async throws {
        // pnnd used to measure (and record) 100 000 calibration probes of mech0 and then send a 235 MB
        // reply, which the client refused as over its frame limit: the device's time was wasted and
        // the caller got a protocol violation. Such requests are now refused up front.
        let harness = try DaemonHarness(config: DaemonHarness.config(server: "max_frame_bytes = 65536", devices: """
            [[device]]
            name = "wide0"
            kind = "simulated-mechanical"
            inputs = 4
            parameters = 4
            outputs = 80
            gap = "none"
            """))
        let client = try await harness.client()
        let recordedBefore = try await client.status().recordedBatches
        do {
            _ = try await client.calibrate("wide0", samples: 1000)
            Issue.record("a calibration reply of 1000 × 88 floats cannot fit 64 KiB")
        } catch {
            #expect(error.code.serverCode == .invalidArgument)
            #expect(error.message.contains("max_frame_bytes") && error.message.contains("at most 172 samples"), "\(error.message)")
        }
        // 200 rows of 4 inputs fit a request easily; 200 rows of 80 outputs do not fit the reply.
        let theta = Tensor<Float>.random(count: 4, in: -0.5 ... 0.5, seed: 1)
        do {
            _ = try await client.run("wide0", input: .random(rows: 200, columns: 4, in: 0 ... 0.5, seed: 2), parameters: theta)
            Issue.record("a reply of 200 × 80 floats cannot fit 64 KiB")
        } catch {
            #expect(error.code.serverCode == .invalidArgument)
            #expect(error.message.contains("at most 191 rows"), "\(error.message)")
        }
        #expect(try await client.status().recordedBatches == recordedBefore, "nothing ran")
        // What fits still runs, on the same connection.
        let (y, _) = try await client.run("wide0", input: .random(rows: 191, columns: 4, in: 0 ... 0.5, seed: 3), parameters: theta)
        #expect(y.shape == [191, 80])
        let probes = try await client.calibrate("wide0", samples: 172)
        #expect(probes.output.shape == [172, 80])
        await client.close()
    }

    @Test func deviceWorkNeedsPermissionButListingDoesNot() async throws {
        let harness = try DaemonHarness()
        // pnnd answers as soon as it listens and sets the socket's mode just after: wait for that, or
        // its chmod can undo ours below (a race that made this test flaky on a busy machine).
        var info = stat()
        for _ in 0 ..< 250 where stat(harness.daemon.socketPath, &info) != 0 || info.st_mode & 0o777 != 0o660 {
            usleep(20_000)
        }
        // Let every local user connect; the access policy, not the file mode, must then refuse `nobody`.
        #expect(chmod(harness.daemon.socketPath, 0o666) == 0)
        let x = Tensor<Float>.random(rows: 1, columns: 196, in: 0 ... 1, seed: 8)
        try x.writeNPY(to: harness.directory.path("x.npy"))
        let nobody = (uid: 65534, gid: 65534)
        let listing = try harness.pnn(["devices", "--json"], as: nobody)
        #expect(listing.status == 0, "listing is open to anyone who can connect: \(listing.stderr)")
        let run = try harness.pnn(["run", "mech0", "--input", harness.directory.path("x.npy"),
                                   "--output", "/tmp/never-written.npy"], as: nobody)
        #expect(run.status != 0)
        #expect(run.stderr.contains("permission") || run.stderr.contains("may not"), "stderr: \(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: "/tmp/never-written.npy"))
        // Root (this test) may.
        let client = try await harness.client()
        _ = try await client.run("mech0", input: x, parameters: .random(count: 196, in: -1 ... 1, seed: 9))
        await client.close()
    }

    @Test func pipelinedRequestsFromSeveralClients() async throws {
        let harness = try DaemonHarness()
        var clients: [PNNClient] = []
        for _ in 0 ..< 3 { clients.append(try await harness.client()) }
        // Three clients, each keeping five requests in flight (15 in all: within echo0's queue of 16),
        // with shg0 batches mixed in; replies arrive out of order and must reach their own callers.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (c, client) in clients.enumerated() {
                group.addTask {
                    for wave in 0 ..< 4 {
                        try await withThrowingTaskGroup(of: Void.self) { inner in
                            for r in 0 ..< 5 {
                                let seed = UInt64(1000 * c + 10 * wave + r)
                                inner.addTask {
                                    if r == 4 {
                                        let (y, _) = try await client.run(
                                            "shg0", input: .random(rows: 3, columns: 48, in: 0 ... 1, seed: seed),
                                            parameters: .random(count: 16, in: 0 ... 1, seed: 1))
                                        #expect(y.shape == [3, 32])
                                    } else {
                                        let x = Tensor<Float>.random(rows: 2, columns: 64, in: -1 ... 1, seed: seed)
                                        let (y, _) = try await client.run("echo0", input: x, parameters: Tensor([]))
                                        #expect(y == x)
                                    }
                                }
                            }
                            try await inner.waitForAll()
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        for client in clients { await client.close() }
    }

    static let slowEcho = DaemonHarness.config(devices: """
        [[device]]
        name = "slow0"
        kind = "echo"
        inputs = 4
        parameters = 0
        outputs = 4
        latency_seconds = 1.5
        """)

    @Test func aClientKilledMidRequestFreesItsLease() async throws {
        let harness = try DaemonHarness(config: Self.slowEcho)
        try Tensor<Float>(uncheckedRows: [1, 2, 3, 4], columns: 4).writeNPY(to: harness.directory.path("x.npy"))
        let pnn = try BuiltProducts.require("pnn")
        let holderLog = harness.directory.path("holder.log")
        let holder = try Subprocess(pnn.path, ["--socket", harness.daemon.socketPath, "run", "slow0", "--lease",
                                               "--input", harness.directory.path("x.npy"),
                                               "--output", harness.directory.path("y.npy")],
                                    stdout: holderLog, stderr: holderLog)
        let client = try await harness.client()
        // Wait until the CLI holds the lease and its batch is on the device.
        var leased = false
        for _ in 0 ..< 500 where !leased {
            leased = try await client.devices().first { $0.name == "slow0" }?.leasedByUID != nil
            if !leased { try await Task.sleep(for: .milliseconds(10)) }
        }
        // On failure, what the CLI said (or that it is still starting) and what pnnd logged.
        #expect(leased, "pnn \(holder.isRunning ? "still running" : "exited"): \((try? String(contentsOfFile: holderLog, encoding: .utf8)) ?? "")\npnnd: \(harness.daemon.log)")
        do {
            _ = try await client.lease("slow0")
            Issue.record("lease must be refused while another connection holds it")
        } catch {
            #expect(error.code.serverCode == .failedPrecondition)
        }
        holder.signal(SIGKILL)
        holder.wait()
        var granted = false
        for _ in 0 ..< 500 where !granted {
            granted = (try? await client.lease("slow0")) != nil
            if !granted { try await Task.sleep(for: .milliseconds(10)) }
        }
        #expect(granted, "the killed client's lease must end with its connection")
        await client.close()
    }

    @Test func sigtermFinishesInFlightBatchesAndExitsZero() async throws {
        let harness = try DaemonHarness(config: Self.slowEcho)
        let client = try await harness.client()
        let watcher = try await harness.client()
        let x = Tensor<Float>(uncheckedRows: [4, 3, 2, 1], columns: 4)
        async let reply = client.run("slow0", input: x, parameters: Tensor([]))
        // SIGTERM only once the batch is on the device (polled, not guessed with a sleep).
        while try await watcher.devices().first(where: { $0.name == "slow0" })?.queueDepth != 1 {
            try await Task.sleep(for: .milliseconds(5))
        }
        await watcher.close()
        harness.daemon.send(SIGTERM)
        let (y, _) = try await reply
        #expect(y == x, "the batch in flight at SIGTERM completes and is answered")
        let end = harness.daemon.stop()
        #expect(end.exited && end.status == 0, "log: \(harness.daemon.log)")
        #expect(!DaemonProcess.answers(harness.daemon.socketPath))
        await client.close()
    }

    /// A plain socket to pnnd, for bytes no client library would send; -1 if it does not connect.
    static func rawConnection(to path: String) -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, byte) in path.utf8.enumerated() { raw[i] = byte }
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard connected == 0 else {
            close(fd)
            return -1
        }
        return fd
    }

    @Test func aMalformedFrameClosesOnlyItsConnection() async throws {
        let harness = try DaemonHarness()
        let good = try await harness.client()
        let fd = Self.rawConnection(to: harness.daemon.socketPath)
        defer { close(fd) }
        #expect(fd >= 0)
        // A length-prefixed frame of 30 bytes whose magic is wrong.
        var garbage: [UInt8] = [30, 0, 0, 0] + Array("XXXX".utf8) + [UInt8](repeating: 0, count: 26)
        _ = garbage.withUnsafeMutableBytes { send(fd, $0.baseAddress, $0.count, 0) }
        var reply = [UInt8](repeating: 0, count: 4096)
        var received: [UInt8] = []
        while true {
            let n = reply.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }  // EOF: the daemon closed this connection
            received += reply[0 ..< n]
        }
        let text = String(decoding: received, as: UTF8.self)
        #expect(text.contains("invalidArgument") && text.contains("magic"), "error frame before closing: \(text)")
        // The other connection is unaffected.
        #expect(try await good.devices().count == 4)
        await good.close()
    }

    @Test(.timeLimit(.minutes(1))) func aClientHangingUpMidFrameIsNoProtocolError() async throws {
        let harness = try DaemonHarness()
        let good = try await harness.client()
        // The harness's readiness probe may still count for a moment after it closed.
        while try await good.status().connections > 1 { try await Task.sleep(for: .milliseconds(5)) }
        let before = 1
        let fd = Self.rawConnection(to: harness.daemon.socketPath)
        #expect(fd >= 0)
        // The first 12 bytes of a 100-byte frame, then gone.
        var torn: [UInt8] = [100, 0, 0, 0] + Array("PNN1".utf8) + [1, 1, 0, 0]
        _ = torn.withUnsafeMutableBytes { send(fd, $0.baseAddress, $0.count, 0) }
        // pnnd has taken the connection (accepting it is asynchronous), then it goes.
        while try await good.status().connections < before + 1 { try await Task.sleep(for: .milliseconds(5)) }
        close(fd)
        while try await good.status().connections > before { try await Task.sleep(for: .milliseconds(5)) }
        #expect(try await good.devices().count == 4)
        await good.close()
        // Closing mid-frame is a hang-up, not a malformed stream: nothing to report (it once logged a
        // notice with NIO's dump of the unread bytes).
        #expect(!harness.daemon.log.contains("protocol error"), "log: \(harness.daemon.log)")
        #expect(!harness.daemon.log.contains("leftoverDataWhenDone"), "log: \(harness.daemon.log)")
    }

    @Test(.timeLimit(.minutes(1))) func connectionsThatCloseRightAfterLeasingLeaveNoLease() async throws {
        // Each connection sends lease and subscribe and hangs up without reading: pnnd may handle the
        // requests after the connection's clean-up. The lease used to survive that, blocking the device
        // for everyone until its idle timeout (found by fuzzing).
        let harness = try DaemonHarness()
        let good = try await harness.client()
        let allocator = ByteBufferAllocator()
        var bytes: [UInt8] = []
        for (id, request) in [(1, Request.lease(device: "echo0", idleSeconds: nil)), (2, .subscribe), (3, .lease(device: "shg0", idleSeconds: nil))] {
            let frame = WireFormat.frame(for: RequestEnvelope(id: UInt64(id), request: request), allocator: allocator)
            var buffer = allocator.buffer(capacity: 0)
            frame.writeLengthPrefixed(to: &buffer)
            bytes += buffer.readBytes(length: buffer.readableBytes) ?? []
        }
        for _ in 0 ..< 200 {
            let fd = Self.rawConnection(to: harness.daemon.socketPath)
            #expect(fd >= 0)
            _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
            close(fd)
        }
        while try await good.status().connections > 1 { try await Task.sleep(for: .milliseconds(5)) }
        // Clean-ups run in tasks of their own after the close: give the last ones a moment to finish.
        try await Task.sleep(for: .milliseconds(200))
        let leased = try await good.devices().filter { $0.leasedByUID != nil }.map(\.name)
        #expect(leased.isEmpty, "leases held by closed connections: \(leased)")
        _ = try await good.lease("echo0")
        await good.close()
    }

    @Test(.timeLimit(.minutes(1))) func connectionsBeyondTheLimitAreRefusedWithAReason() async throws {
        let harness = try DaemonHarness(config: DaemonHarness.config(server: "max_connections = 2", devices: """
            [[device]]
            name = "echo0"
            kind = "echo"
            inputs = 4
            parameters = 0
            outputs = 4
            """))
        let first = try await harness.client()
        // The harness's readiness probe may still count for a moment after it closed.
        while try await first.status().connections > 1 { try await Task.sleep(for: .milliseconds(5)) }
        try await Task.sleep(for: .milliseconds(50))
        let second = try await harness.client()
        #expect(try await first.devices().count == 1)
        #expect(try await second.devices().count == 1)
        let third = try await harness.client()
        var refused: ClientError?
        do { _ = try await third.devices() } catch { refused = error }
        // Whether the refusal arrives before the call or answers it, the call gets pnnd's reason and code.
        #expect(refused?.code == .server(.resourceExhausted), "\(String(describing: refused))")
        #expect(refused?.message.contains("serves 2 connections") == true, "\(String(describing: refused))")
        var later: ClientError?
        do { _ = try await third.status() } catch { later = error }
        #expect(later?.code == .server(.resourceExhausted), "later calls too: \(String(describing: later))")
        await third.close()
        // The two it serves are unaffected, and a place that frees up is taken again.
        #expect(try await first.devices().count == 1)
        await second.close()
        var again: PNNClient?
        for _ in 0 ..< 200 where again == nil {
            let client = try await harness.client()
            if (try? await client.devices()) != nil { again = client } else {
                await client.close()
                try await Task.sleep(for: .milliseconds(10))  // until pnnd has seen the close
            }
        }
        #expect(again != nil)
        await again?.close()
        await first.close()
        #expect(harness.daemon.log.contains("refusing connections: 2 are open"))
    }

    @Test func killMinus9LosesNoAcknowledgedBatch() async throws {
        let harness = try DaemonHarness()
        let client = try await harness.client()
        let theta = Tensor<Float>.random(count: 196, in: -1 ... 1, seed: 11)
        var acknowledged: [UInt64: Tensor<Float>] = [:]
        for i in 0 ..< 25 {
            let x = Tensor<Float>.random(rows: 4, columns: 196, in: 0 ... 1, seed: UInt64(1000 + i))
            let (y, info) = try await client.run("mech0", input: x, parameters: theta)
            acknowledged[info.sequence] = y
        }
        // More requests in flight while the daemon is killed: some may be lost, none acknowledged.
        // The kill comes after the first of them is acknowledged, so the check below always has some.
        let (firstAck, firstAckSink) = AsyncStream.makeStream(of: Void.self)
        let background = Task {
            var more: [UInt64: Tensor<Float>] = [:]
            for i in 0 ..< 100_000 {
                let x = Tensor<Float>.random(rows: 4, columns: 196, in: 0 ... 1, seed: UInt64(2000 + i))
                guard let (y, info) = try? await client.run("mech0", input: x, parameters: theta) else { break }
                more[info.sequence] = y
                firstAckSink.yield()
            }
            firstAckSink.finish()
            return more
        }
        for await _ in firstAck { break }
        let end = harness.daemon.stop(signal: SIGKILL)
        #expect(!end.exited)
        acknowledged.merge(await background.value) { a, _ in a }
        let recorder = try Recorder(directory: harness.daemon.stateDirectory + "/records")
        let records = try recorder.records(device: "mech0")
        let stored = Dictionary(records.map { ($0.sequence, $0.output) }, uniquingKeysWith: { a, _ in a })
        for (sequence, output) in acknowledged {
            #expect(stored[sequence] == output, "acknowledged batch \(sequence) missing or different after kill -9")
        }
        #expect(acknowledged.count > 25)
        recorder.close()
    }
}
