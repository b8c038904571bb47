import Foundation
import PNNClient
import PNNCore
import PNNPhysics
import PNNTestSupport
import Synchronization
import Testing
@testable import PNNTraining

/// `DaemonBackend` against the real `pnnd`.
@Suite struct DaemonBackendTests {
    /// A pnnd.toml in `directory` with one gap-free SHG device `shg0` (N 8, P 4, M 6); returns its path.
    static func smallSHG(in directory: ScratchDirectory, server: String = "", latencySeconds: Double) throws -> String {
        let config = directory.path("pnnd.toml")
        try """
            [server]
            \(server)

            [[device]]
            name = "shg0"
            kind = "simulated-shg"
            inputs = 8
            parameters = 4
            outputs = 6
            gap = "none"
            latency_seconds = \(latencySeconds)
            """.write(toFile: config, atomically: true, encoding: .utf8)
        return config
    }

    @Test func pipelinesNoMoreRequestsThanTheDeviceQueueHolds() async throws {
        // pnnd refuses a request beyond a device's queue (resourceExhausted). Seven channels against a
        // queue of two, on a device that takes 50 ms per batch (so the queue is full while the client
        // writes): every channel must still be measured, each exactly as the model computes it.
        let directory = try ScratchDirectory()
        let config = try Self.smallSHG(in: directory, server: "queue_depth = 2", latencySeconds: 0.05)
        let daemon = try DaemonProcess(arguments: ["--config", config], directory: directory)
        try daemon.waitUntilReady()
        let backend = try DaemonBackend.connect(socketPath: daemon.socketPath, device: "shg0")
        #expect(backend.info.queueCapacity == 2)
        // Gap-free: a physical layer need not average repeated acquisitions of it.
        #expect(backend.repeatsExactly)

        var rng = SeededGenerator(seed: 9)
        let batches = (0 ..< 7).map { _ in
            (x: Tensor(uncheckedRows: (0 ..< 16).map { _ in rng.nextUniform() }, columns: 8),
             theta: (0 ..< 4).map { _ in rng.nextUniform() })
        }
        let outputs = try await backend.measure(batches: batches)
        let model = try ModelCatalog.make(.shg, shape: ModelShape(inputs: 8, parameters: 4, outputs: 6))
        #expect(outputs.count == batches.count)
        for (batch, y) in zip(batches, outputs) {
            // The wire carries Float32 both ways.
            let x = batch.x.converted(to: Float.self).converted(to: Double.self)
            let theta = Tensor(batch.theta).converted(to: Float.self).converted(to: Double.self)
            #expect(y == (try model.forward(x, theta)).converted(to: Float.self).converted(to: Double.self))
        }
        #expect(backend.calls == batches.count)

        // Submitted and not yet collected count against the queue: a third batch beside two in flight
        // is refused before it is sent, and the two still arrive.
        #expect(backend.submissionWindow == 2)
        let pending = try await backend.submit(batches: Array(batches[0 ..< 2]), acquisitions: 1)
        await #expect(throws: TrainingError.self) { _ = try await backend.submit(batches: [batches[2]], acquisitions: 1) }
        #expect(try await backend.collect(pending) == Array(outputs[0 ..< 2]))
        // A slice count the queue cannot hold falls back to whole batches (two channels, queue of two).
        let twin = PhysicsTwin(model: model)
        let bank = try Network([try Parallel(name: "bank", branches: [
            try PhysicalLayer(name: "c1", backend: backend, twin: twin), try PhysicalLayer(name: "c2", backend: backend, twin: twin),
        ])])
        let before = backend.calls
        _ = try await bank.forward(Tensor(uncheckedRows: (0 ..< 4 * 16).map { Double($0 % 7) / 7 }, columns: 16),
                                   parameters: bank.initialParameters(seed: 1), microBatches: 2)
        #expect(backend.calls == before + 2)
        backend.close()
        #expect(daemon.stop().status == 0)
    }

    /// With four acquisitions per reading, pnnd averages in the device: one request of B rows, a
    /// record of B rows, and readings equal to a client repeating the rows itself and averaging them
    /// (an identical device with the same seed, so the same noise draws).
    @Test func fourAcquisitionsAreAveragedInTheDevice() async throws {
        let directory = try ScratchDirectory()
        let config = directory.path("pnnd.toml")
        let device = { (name: String) in
            """

            [[device]]
            name = "\(name)"
            kind = "simulated-electronic"
            inputs = 12
            parameters = 12
            outputs = 12
            seed = 5
            gap = "default"
            """
        }
        try ("[server]\n" + device("eleca") + device("elecb")).write(toFile: config, atomically: true, encoding: .utf8)
        let daemon = try DaemonProcess(arguments: ["--config", config], directory: directory)
        try daemon.waitUntilReady()
        defer { _ = daemon.stop() }

        let backend = try DaemonBackend.connect(socketPath: daemon.socketPath, device: "eleca")
        #expect(backend.client.averagesAcquisitions && !backend.repeatsExactly)
        let raw = try PNNBlockingClient.connect(socketPath: daemon.socketPath)
        _ = try raw.hello()
        var rng = SeededGenerator(seed: 12)
        let x = Tensor(uncheckedRows: (0 ..< 8 * 12).map { _ in rng.nextUniform(in: -0.5 ... 0.5) }, columns: 12)
        let theta = (0 ..< 12).map { _ in rng.nextUniform(in: -0.5 ... 0.5) }

        let before = try raw.status().recorderBytes
        let averaged = try await backend.measure(batches: [(x, theta)], acquisitions: 4)
        let afterAveraged = try raw.status().recorderBytes
        let x32 = x.converted(to: Float.self), theta32 = Tensor(theta).converted(to: Float.self)
        let (readings, _) = try raw.run("elecb", input: x32.repeatingEachRow(4), parameters: theta32)
        let afterRaw = try raw.status().recorderBytes

        #expect(backend.calls == 1)
        #expect(averaged.count == 1 && averaged[0].shape == [8, 12])
        #expect(averaged[0] == readings.meanOfConsecutiveRows(4).converted(to: Double.self))
        // The averaged record holds 8 rows each way, the raw one 32.
        #expect(afterAveraged - before < (afterRaw - afterAveraged) / 2)

        // Out of range is refused before anything is sent; so is averaging a daemon never offered.
        #expect(throws: ClientError.self) { try raw.run("elecb", input: x32, parameters: theta32, acquisitions: 65) }
        let unintroduced = try PNNBlockingClient.connect(socketPath: daemon.socketPath)
        #expect(!unintroduced.averagesAcquisitions)
        #expect(throws: ClientError.self) { try unintroduced.run("elecb", input: x32, parameters: theta32, acquisitions: 4) }
        unintroduced.close()
        raw.close()
        backend.close()
    }

    /// Micro-batches through pnnd: the slices' requests interleave on the socket (several submitted
    /// at once), and the device measures them in the fixed schedule — so a noisy device with the same
    /// seed reads exactly what the in-process simulator reads for the same micro-batched forward.
    @Test func microBatchesThroughPnndReadWhatTheSimulatorReadsInProcess() async throws {
        let directory = try ScratchDirectory()
        let config = directory.path("pnnd.toml")
        try """
            [server]

            [[device]]
            name = "shg0"
            kind = "simulated-shg"
            inputs = 4
            parameters = 2
            outputs = 4
            seed = 5
            gap = "default"
            """.write(toFile: config, atomically: true, encoding: .utf8)
        let daemon = try DaemonProcess(arguments: ["--config", config], directory: directory)
        try daemon.waitUntilReady()
        defer { _ = daemon.stop() }
        let remote = try DaemonBackend.connect(socketPath: daemon.socketPath, device: "shg0")
        let model = try ModelCatalog.make(.shg, shape: MicroBatchTests.shape)
        let local = SimulatorBackend(simulator: try Simulator(model: model, gap: .default, seed: 5), limits: remote.limits)
        func network(_ backend: any PhysicalBackend) throws -> Network {
            let twin = PhysicsTwin(model: model)
            func bank(_ name: String) throws -> Parallel {
                try Parallel(name: name, branches: [
                    try PhysicalLayer(name: name + "c1", backend: backend, twin: twin),
                    try PhysicalLayer(name: name + "c2", backend: backend, twin: twin),
                ])
            }
            return try Network([
                try bank("b1"), ElementwiseAffine(name: "a1", width: 8, initialScale: 0.8, initialOffset: 0.1), try bank("b2"),
            ])
        }
        let throughPnnd = try network(remote), inProcess = try network(local)
        let p = throughPnnd.initialParameters(seed: 3)
        var rng = SeededGenerator(seed: 8)
        let x = Tensor(uncheckedRows: (0 ..< 9 * 8).map { _ in rng.nextUniform(in: 0.05 ... 0.95) }, columns: 8)
        for slices in [3, 1] {
            let expected = try await inProcess.forward(x, parameters: p, microBatches: slices)
            let tape = try await throughPnnd.forward(x, parameters: p, microBatches: slices)
            #expect(tape.activations == expected.activations, "\(slices) slices")
        }
        // 3 slices × 2 layers × 2 channels, then the whole batch: 2 × 2.
        #expect(remote.calls == 16 && local.calls == 16)
        remote.close()
    }

    /// pnnd killed in the middle of a run and started again, as systemd restarts it: the backend
    /// connects again, takes the lease again and measures the batches whose replies were lost once
    /// more, so the run goes on. Without `reconnectSeconds` the lost connection ends the run (69).
    @Test func aRestartedPnndIsReconnectedAndTheLostBatchesMeasuredAgain() async throws {
        let directory = try ScratchDirectory()
        // 0.3 s per batch: the kill comes while the submitted batches are still on the device.
        let config = try Self.smallSHG(in: directory, latencySeconds: 0.3)
        let first = try DaemonProcess(arguments: ["--config", config], directory: directory)
        try first.waitUntilReady()
        let notes = Mutex<[String]>([])
        let backend = try DaemonBackend.connect(socketPath: first.socketPath, device: "shg0", reconnectSeconds: 60,
                                                onReconnect: { note in notes.withLock { $0.append(note) } })
        var rng = SeededGenerator(seed: 4)
        let batches = (0 ..< 2).map { _ in
            (x: Tensor(uncheckedRows: (0 ..< 3 * 8).map { _ in rng.nextUniform() }, columns: 8),
             theta: (0 ..< 4).map { _ in rng.nextUniform() })
        }
        let model = try ModelCatalog.make(.shg, shape: ModelShape(inputs: 8, parameters: 4, outputs: 6))
        let expected = try batches.map { batch in
            try model.forward(batch.x.converted(to: Float.self).converted(to: Double.self),
                              Tensor(batch.theta).converted(to: Float.self).converted(to: Double.self))
                .converted(to: Float.self).converted(to: Double.self)
        }

        // Two submissions out (micro-batches): the first collect reconnects, the second finds its
        // connection replaced; each gets its own batches measured again.
        let firstPending = try await backend.submit(batches: [batches[0]], acquisitions: 1)
        let secondPending = try await backend.submit(batches: [batches[1]], acquisitions: 1)
        _ = first.stop(signal: SIGKILL)
        let second = try DaemonProcess(arguments: ["--config", config], directory: directory)
        try second.waitUntilReady()
        defer { _ = second.stop() }
        #expect(try await backend.collect(firstPending) == [expected[0]], "the lost batch, measured again")
        #expect(try await backend.collect(secondPending) == [expected[1]])
        #expect(backend.reconnections == 1)
        #expect(notes.withLock { $0 }.count == 1)
        #expect(notes.withLock { $0.first?.contains("connected again") } == true, "\(notes.withLock { $0 })")

        // The new connection holds the lease again: another client's batch is refused.
        let other = try PNNBlockingClient.connect(socketPath: second.socketPath)
        defer { other.close() }
        #expect(throws: ClientError.self) {
            try other.run("shg0", input: batches[0].x.converted(to: Float.self), parameters: Tensor(batches[0].theta).converted(to: Float.self))
        }
        // And it measures as before.
        #expect(try await backend.measure(batches[1].x, batches[1].theta) == expected[1])
        // A connection lost while pnnd stays up is made again the same way. (pnnd usually ends the old
        // connection's lease before the new one asks; `leaseGrace` covers the moment it has not.)
        backend.client.close()
        #expect(try await backend.measure(batches[0].x, batches[0].theta) == expected[0])
        #expect(backend.reconnections == 2)
        backend.close()
    }

    /// Without `reconnectSeconds` a lost connection fails the measurement at once, and with it pnnd
    /// gets that long to come back; both say the connection was lost (the CLI exits 69 on it).
    @Test func aLostConnectionFailsAtOnceOrAfterTheReconnectTime() async throws {
        let directory = try ScratchDirectory()
        let daemon = try DaemonProcess(arguments: ["--simulate"], directory: directory)
        try daemon.waitUntilReady()
        let atOnce = try DaemonBackend.connect(socketPath: daemon.socketPath, device: "shg0")
        let patient = try DaemonBackend.connect(socketPath: daemon.socketPath, device: "elec0", reconnectSeconds: 0.5)
        _ = daemon.stop(signal: SIGKILL)
        for backend in [atOnce, patient] {
            let shape = backend.shape
            let x = Tensor(uncheckedRows: [Double](repeating: 0.1, count: shape.inputs), columns: shape.inputs)
            do {
                _ = try await backend.measure(x, [Double](repeating: 0.1, count: shape.parameters))
                Issue.record("\(backend.device): pnnd is gone")
            } catch {
                #expect(error.kind == .unavailable && error.daemonCode == .connection, "\(error)")
                if backend === patient { #expect(error.message.contains("not back within"), "\(error.message)") }
            }
            #expect(backend.reconnections == 0)
            backend.close()
        }
    }

    /// `systemctl restart pnnd` mid-run: a request pnnd cannot finish before it stops is answered
    /// `unavailable` ("pnnd is shutting down") rather than lost with the connection. That is retried
    /// as well, and the run goes on with the restarted pnnd (it used to end the run, exit 69).
    @Test(.timeLimit(.minutes(1)))
    func aRequestAnsweredUnavailableWhilePnndStopsIsRetriedOnTheRestartedOne() async throws {
        let directory = try ScratchDirectory()
        // `a` takes 3 s on the device (ample time to see `b` queued behind it, however busy the machine);
        // the drain waits 0.1 s, so `b` is answered unavailable at shutdown — by construction.
        let config = try Self.slowEcho(in: directory, latencySeconds: 3, drainSeconds: 0.1)
        let fast = try Self.slowEcho(in: directory, name: "fast.toml", latencySeconds: 0)
        let first = try DaemonProcess(arguments: ["--config", config], directory: directory)
        try first.waitUntilReady()
        let notes = Mutex<[String]>([])
        let backend = try DaemonBackend.connect(socketPath: first.socketPath, device: "slow0", reconnectSeconds: 30,
                                                onReconnect: { note in notes.withLock { $0.append(note) } })
        // Exact in Float32, so echo0's readings equal them.
        let a = Tensor(uncheckedRows: [0.125, 0.25, 0.375, 0.5], columns: 4)
        let b = Tensor(uncheckedRows: [0.5, 0.375, 0.25, 0.125], columns: 4)
        // Both go out at once (no second task: with the suites running in parallel on two cores, a
        // task that has to run beside this one may not get a thread before the poll below gives up).
        let pendingA = try await backend.submit(batches: [(a, [])], acquisitions: 1)
        let pendingB = try await backend.submit(batches: [(b, [])], acquisitions: 1)
        // SIGTERM once `a` is on the device and `b` waits behind it (polled, not guessed with a sleep).
        let watcher = try PNNBlockingClient.connect(socketPath: first.socketPath)
        try Self.waitForQueueDepth(2, of: "slow0", through: watcher)
        watcher.close()
        first.send(SIGTERM)
        #expect(first.stop().status == 0)
        let restarted = try DaemonProcess(arguments: ["--config", fast], directory: directory)
        try restarted.waitUntilReady()
        defer { _ = restarted.stop() }
        // `b` was answered unavailable, then measured on the restarted pnnd; `a`'s reply, read on the
        // old connection, is measured again on the new one.
        #expect(try await backend.collect(pendingB) == [b])
        #expect(try await backend.collect(pendingA) == [a])
        let said = notes.withLock { $0 }
        #expect(backend.reconnections == 1 && said.contains { $0.contains("connected again") }, "\(said)")
        backend.close()
    }

    /// Polls until `device` holds `depth` requests (the running one included); fails the test, rather
    /// than hang, if that does not happen within 20 s. It sleeps its thread between polls instead of
    /// suspending: with the other suites holding the cooperative threads, a suspended test may not run
    /// again within the window it is watching.
    static func waitForQueueDepth(_ depth: Int, of device: String, through client: PNNBlockingClient) throws {
        for _ in 0 ..< 4000 {
            if try client.devices().first(where: { $0.name == device })?.queueDepth == depth { return }
            Thread.sleep(forTimeInterval: 0.005)
        }
        Issue.record("\(device) never held \(depth) requests")
    }

    /// A configuration file `name` with one echo device `slow0` (4 → 4) taking `latencySeconds` per
    /// batch, and `drainSeconds` at shutdown; returns its path. The tests below restart pnnd with a
    /// fast twin of it, so that only the first daemon's batches take time.
    static func slowEcho(in directory: ScratchDirectory, name: String = "pnnd.toml", latencySeconds: Double,
                         drainSeconds: Double = 10) throws -> String {
        let config = directory.path(name)
        try """
            [server]
            drain_seconds = \(drainSeconds)

            [[device]]
            name = "slow0"
            kind = "echo"
            inputs = 4
            parameters = 0
            outputs = 4
            latency_seconds = \(latencySeconds)
            """.write(toFile: config, atomically: true, encoding: .utf8)
        return config
    }

    /// The same through a blocking `measure` (the path of a single-channel layer): sent while pnnd
    /// drains, so it is answered unavailable, and retried until a restarted pnnd (started by an OS
    /// thread of the test once the first has exited) measures it.
    @Test(.timeLimit(.minutes(1)))
    func aMeasurementAnsweredUnavailableWhilePnndStopsIsRetried() async throws {
        let directory = try ScratchDirectory()
        // `a` takes 3 s and the drain waits for it: pnnd refuses new work, its connections still open.
        let config = try Self.slowEcho(in: directory, latencySeconds: 3)
        let fast = try Self.slowEcho(in: directory, name: "fast.toml", latencySeconds: 0)
        let first = try DaemonProcess(arguments: ["--config", config], directory: directory)
        try first.waitUntilReady()
        let notes = Mutex<[String]>([])
        let backend = try DaemonBackend.connect(socketPath: first.socketPath, device: "slow0", reconnectSeconds: 30,
                                                onReconnect: { note in notes.withLock { $0.append(note) } })
        let probe = try PNNBlockingClient.connect(socketPath: first.socketPath)
        _ = try probe.hello()  // accepted (a connection still in the backlog at SIGTERM is reset)
        let a = Tensor(uncheckedRows: [0.125, 0.25, 0.375, 0.5], columns: 4)
        let b = Tensor(uncheckedRows: [0.5, 0.375, 0.25, 0.125], columns: 4)
        let pendingA = try await backend.submit(batches: [(a, [])], acquisitions: 1)
        try Self.waitForQueueDepth(1, of: "slow0", through: probe)
        first.send(SIGTERM)
        // Until pnnd takes no more work: a run from the probe is refused as unavailable, not as leased.
        var stopping = false
        for _ in 0 ..< 400 where !stopping {
            do {
                _ = try probe.run("slow0", input: b.converted(to: Float.self), parameters: Tensor([]))
            } catch {
                stopping = error.code == .server(.unavailable)
                if !stopping { usleep(5000) }  // not suspending: see waitForQueueDepth
            }
        }
        probe.close()
        #expect(stopping, "pnnd must refuse work while it drains")
        let restarted = Mutex<DaemonProcess?>(nil)
        Thread {
            _ = first.process.wait()
            guard let next = try? DaemonProcess(arguments: ["--config", fast], directory: directory) else { return }
            try? next.waitUntilReady()
            restarted.withLock { $0 = next }
        }.start()
        #expect(try await backend.measure(b, []) == b)
        #expect(try await backend.collect(pendingA) == [a])
        let said = notes.withLock { $0 }
        #expect(said.contains { $0.contains("unavailable") } && said.contains { $0.contains("connected again") }, "\(said)")
        backend.close()
        _ = restarted.withLock { $0 }?.stop()
    }
}
