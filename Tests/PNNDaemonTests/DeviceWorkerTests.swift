import Foundation
import Logging
import PNNCore
@testable import PNNDaemon
import PNNDevices
import PNNPhysics
import PNNProtocol
import PNNRecorder
import Testing

@Suite(.timeLimit(.minutes(1)))
struct DeviceWorkerTests {
    static let c1 = ConnectionID(1), c2 = ConnectionID(2)

    /// A worker for `system` as the daemon builds one; connections c1 and c2 are open.
    static func worker(system: any PhysicalSystem, capacity: Int = 4, recorder: RecordingQueue? = nil,
                       metrics: DaemonMetrics = DaemonMetrics(), connections: OpenConnections = OpenConnections([c1, c2]),
                       events: EventHub? = nil, predecessor: DeviceWorker? = nil) -> DeviceWorker {
        DeviceWorker(system: system, configHash: "h", queueCapacity: capacity, leaseIdleSeconds: 60,
                     recorder: recorder, metrics: metrics, events: events ?? EventHub(connections: connections),
                     connections: connections, logger: Logger(label: "test"), predecessor: predecessor)
    }

    static func echo(failAfter: Int? = nil) throws -> any PhysicalSystem {
        let spec = DeviceSpec(name: "echo0", kind: .echo, shape: ModelShape(inputs: 4, parameters: 0, outputs: 4),
                              failAfter: failAfter)
        return try DeviceRegistry.make(spec, logger: Logger(label: "test"))
    }

    /// - Parameter predecessor: the worker a reload replaces with this one (see `DeviceWorker`).
    static func worker(capacity: Int = 4, failAfter: Int? = nil, gate: Gate? = nil, predecessor: DeviceWorker? = nil,
                       metrics: DaemonMetrics = DaemonMetrics(),
                       connections: OpenConnections = OpenConnections([c1, c2])) throws -> DeviceWorker {
        let echo = try Self.echo(failAfter: failAfter)
        let system: any PhysicalSystem = gate.map { GatedSystem(inner: echo, gate: $0) } ?? echo
        return worker(system: system, capacity: capacity, metrics: metrics, connections: connections,
                      predecessor: predecessor)
    }

    /// Waits (without a time budget of its own: the suite's limit bounds it) until the worker holds
    /// `depth` requests, the running one included.
    static func waitForDepth(_ worker: DeviceWorker, _ depth: Int) async throws {
        while await worker.summary().queueDepth != depth { try await Task.sleep(for: .milliseconds(1)) }
    }

    static let x = Tensor<Float>(uncheckedRows: [1, 2, 3, 4], columns: 4)

    static func run(_ worker: DeviceWorker, _ connection: ConnectionID, id: UInt64,
                    deadline: Duration = .seconds(60)) async -> Response {
        await worker.submit(connection: connection, requestID: id,
                            work: .run(input: x, parameters: Tensor([])), deadline: .now + deadline)
    }

    @Test func runsAndNumbersBatches() async throws {
        let worker = try Self.worker()
        guard case .ran(let first, let y) = await Self.run(worker, Self.c1, id: 1),
              case .ran(let second, _) = await Self.run(worker, Self.c1, id: 2) else {
            Issue.record("runs failed")
            return
        }
        #expect(y == Self.x)
        #expect(first.sequence == 1)
        #expect(second.sequence == 2)
    }

    /// The state gauges' values for echo0, by state name, from the Prometheus exposition.
    static func stateGauges(_ metrics: DaemonMetrics) -> [String: Double] {
        var values: [String: Double] = [:]
        for line in metrics.exposition().split(separator: "\n") where line.hasPrefix("pnn_device_state{") {
            guard line.contains("device=\"echo0\""), let state = line.split(separator: "state=\"").last?.split(separator: "\"").first,
                  let value = line.split(separator: " ").last.flatMap({ Double($0) }) else { continue }
            values[String(state)] = value
        }
        return values
    }

    @Test func stateGaugesShowExactlyTheCurrentState() async throws {
        // Only the gauges of the old and the new state are written on a change: every other one must
        // still read 0, and the current one 1, at each step.
        let metrics = DaemonMetrics()
        let gate = Gate()
        let worker = Self.worker(system: GatedSystem(inner: try Self.echo(), gate: gate), metrics: metrics)
        func expectOnly(_ state: DeviceStateName) {
            let gauges = Self.stateGauges(metrics)
            #expect(gauges.count == DeviceStateName.allCases.count)
            for s in DeviceStateName.allCases { #expect(gauges[s.rawValue] == (s == state ? 1 : 0), "\(s) while \(state)") }
        }
        expectOnly(.ready)
        async let ran = Self.run(worker, Self.c1, id: 1)
        try await Self.waitForDepth(worker, 1)
        expectOnly(.busy)
        await gate.open()
        guard case .ran = await ran else { Issue.record("run failed"); return }
        expectOnly(.ready)
        await worker.drain(timeout: .seconds(5))
        expectOnly(.closed)
    }

    @Test func fullQueueAnswersResourceExhaustedAtOnce() async throws {
        let gate = Gate()
        let worker = try Self.worker(capacity: 2, gate: gate)
        // One running + two queued fill the device; the fourth must be refused, not queued.
        async let r1 = Self.run(worker, Self.c1, id: 1)
        try await Self.waitForDepth(worker, 1)
        async let r2 = Self.run(worker, Self.c1, id: 2)
        async let r3 = Self.run(worker, Self.c1, id: 3)
        try await Self.waitForDepth(worker, 3)
        let refused = await Self.run(worker, Self.c1, id: 4)
        await gate.open()
        guard case .failure(let error) = refused else {
            Issue.record("expected resourceExhausted, got \(refused)")
            return
        }
        #expect(error.code == .resourceExhausted)
        for response in await [r1, r2, r3] {
            guard case .ran = response else { Issue.record("queued run failed: \(response)"); continue }
        }
    }

    @Test func pipelinedRunsAreAllRecordedInTheirOrder() async throws {
        // The device moves on to the next batch while the previous record is written: records must
        // still reach the store in sequence order, each with its own data, before its reply.
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pnn-worker-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let recorder = try Recorder(directory: directory)
        let recording = RecordingQueue(recorder)
        let gate = Gate()
        let worker = Self.worker(system: GatedSystem(inner: try Self.echo(), gate: gate), capacity: 16, recorder: recording)
        let count = 8
        let replies = await withTaskGroup(of: (Int, Response).self) { group in
            for i in 0 ..< count {
                let x = Tensor<Float>(uncheckedRows: [Float(i), 1, 2, 3], columns: 4)
                group.addTask {
                    (i, await worker.submit(connection: Self.c1, requestID: UInt64(i + 1),
                                            work: .run(input: x, parameters: Tensor([])), deadline: .now + .seconds(60)))
                }
                try? await Self.waitForDepth(worker, i + 1)
            }
            await gate.open()
            return await group.reduce(into: [Int: Response]()) { $0[$1.0] = $1.1 }
        }
        for i in 0 ..< count {
            guard case .ran(let info, let y)? = replies[i] else { Issue.record("run \(i): \(String(describing: replies[i]))"); continue }
            #expect(info.sequence == UInt64(i + 1), "queued in order, measured in order")
            #expect(y.scalars[0] == Float(i))
        }
        await worker.drain(timeout: .seconds(60))
        await recording.close()
        let stored = try Recorder(directory: directory)
        defer { stored.close() }
        let records = try stored.records(device: "echo0")
        #expect(records.map(\.sequence) == (1 ... UInt64(count)).map { $0 })
        #expect(records.map { $0.input.scalars[0] } == (0 ..< count).map(Float.init))
    }

    @Test func leaseBlocksOtherConnectionsUntilItsConnectionCloses() async throws {
        let worker = try Self.worker()
        guard case .leased = await worker.lease(connection: Self.c1, uid: 1000, idleSeconds: nil) else {
            Issue.record("lease refused")
            return
        }
        guard case .failure(let error) = await Self.run(worker, Self.c2, id: 1) else {
            Issue.record("run on a leased device by another connection must fail")
            return
        }
        #expect(error.code == .failedPrecondition)
        #expect(error.message.contains("uid 1000"))
        await worker.connectionClosed(Self.c1)
        guard case .ran = await Self.run(worker, Self.c2, id: 2) else {
            Issue.record("lease should have ended with its connection")
            return
        }
    }

    @Test func cancelledAndExpiredRequestsLeaveTheQueue() async throws {
        let gate = Gate()
        let worker = try Self.worker(capacity: 4, gate: gate)
        async let running = Self.run(worker, Self.c1, id: 1)
        try await Self.waitForDepth(worker, 1)
        async let cancelled = Self.run(worker, Self.c1, id: 2)
        async let expired = Self.run(worker, Self.c1, id: 3, deadline: .milliseconds(100))
        try await Self.waitForDepth(worker, 3)
        await worker.cancel(connection: Self.c1, requestID: 2)
        // The device stays busy until both queued requests have had their answer.
        let (c, e) = await (cancelled, expired)
        await gate.open()
        let r = await running
        guard case .failure(let cancelError) = c, case .failure(let expireError) = e, case .ran = r else {
            Issue.record("unexpected: \(c) \(e) \(r)")
            return
        }
        #expect(cancelError.code == .cancelled)
        #expect(expireError.code == .deadlineExceeded)
        #expect(await worker.summary().queueDepth == 0)
    }

    @Test func deviceFaultIsReportedAndTheWorkerCarriesOn() async throws {
        let worker = try Self.worker(failAfter: 1)
        guard case .ran = await Self.run(worker, Self.c1, id: 1) else { Issue.record("first run failed"); return }
        guard case .failure(let error) = await Self.run(worker, Self.c1, id: 2) else {
            Issue.record("the injected fault must surface")
            return
        }
        #expect(error.code == .unavailable)
        #expect(await worker.summary().state == .faulted)
    }

    @Test func drainFinishesRunningWorkAndRefusesNewWork() async throws {
        let gate = Gate()
        let worker = try Self.worker(gate: gate)
        async let inFlight = Self.run(worker, Self.c1, id: 1)
        try await Self.waitForDepth(worker, 1)
        async let drained: Void = worker.drain(timeout: .seconds(600))
        await gate.open()
        await drained
        guard case .ran = await inFlight else { Issue.record("in-flight batch must complete"); return }
        guard case .failure(let error) = await Self.run(worker, Self.c1, id: 2) else {
            Issue.record("a drained worker takes no work")
            return
        }
        #expect(error.code == .unavailable)
    }

    @Test func drainRefusesTheQueueAtItsTimeoutAndLetsTheRunningBatchFinish() async throws {
        // The drain's bound used to be ineffective: it waited for every queued batch, so a stopping
        // pnnd with a queue of slow batches outlived drain_seconds (and systemd's stop timeout).
        let gate = Gate()
        let worker = try Self.worker(gate: gate)
        async let running = Self.run(worker, Self.c1, id: 1)
        try await Self.waitForDepth(worker, 1)
        async let queued = Self.run(worker, Self.c2, id: 2)
        try await Self.waitForDepth(worker, 2)
        async let drained: Void = worker.drain(timeout: .milliseconds(50))
        // Answered while the batch on the device is still held at the gate: the bound holds.
        guard case .failure(let refused) = await queued else { Issue.record("the queued batch must be refused"); return }
        #expect(refused.code == .unavailable && refused.message.contains("shutting down"))
        #expect(await worker.summary().state != .closed, "the device stays open for the batch it is running")
        await gate.open()
        await drained
        guard case .ran = await running else { Issue.record("the batch on the device completes"); return }
        #expect(await worker.summary().state == .closed)
    }

    @Test func aReplacingWorkerQueuesUntilActivatedThenRunsInOrder() async throws {
        let metrics = DaemonMetrics()
        let worker = try Self.worker(predecessor: try Self.worker(), metrics: metrics)
        #expect(await worker.summary().state == .reconfiguring)
        #expect(Self.stateGauges(metrics)["reconfiguring"] == 1)
        async let first = Self.run(worker, Self.c1, id: 1)
        try await Self.waitForDepth(worker, 1)
        async let second = Self.run(worker, Self.c2, id: 2)
        try await Self.waitForDepth(worker, 2)
        // Both wait: nothing runs before the old configuration's worker has drained.
        #expect(await worker.summary().state == .reconfiguring)
        await worker.activate()
        guard case .ran(let a, _) = await first, case .ran(let b, _) = await second else {
            Issue.record("queued batches must run once the worker is activated")
            return
        }
        #expect((a.sequence, b.sequence) == (1, 2), "in arrival order")
        #expect(await worker.summary().state == .ready)
        #expect(Self.stateGauges(metrics)["reconfiguring"] == 0)
        #expect(Self.stateGauges(metrics)["ready"] == 1)
        await worker.activate()  // a second call changes nothing
        guard case .ran(let c, _) = await Self.run(worker, Self.c1, id: 3) else { Issue.record("run after activation"); return }
        #expect(c.sequence == 3)
    }

    @Test func aReplacingWorkerKeepsThePredecessorsLease() async throws {
        // A reload that reconfigures a device must not end its lease: it used to, silently, and a
        // training run that held the device then had other clients' batches come in between its own.
        let connections = OpenConnections([Self.c1, Self.c2])
        let old = try Self.worker(connections: connections)
        guard case .leased = await old.lease(connection: Self.c1, uid: 1000, idleSeconds: nil) else {
            Issue.record("c1 leases the device")
            return
        }
        let new = try Self.worker(predecessor: old, connections: connections)
        #expect(await new.summary().leasedByUID == 1000)
        await new.activate()
        guard case .failure(let refused) = await Self.run(new, Self.c2, id: 1) else {
            Issue.record("another connection's batch must wait for the holder's lease to end")
            return
        }
        #expect(refused.code == .failedPrecondition)
        guard case .ran = await Self.run(new, Self.c1, id: 2) else { Issue.record("the holder runs"); return }
        guard case .failure(let taken) = await new.lease(connection: Self.c2, uid: 1001, idleSeconds: nil) else {
            Issue.record("the lease is still c1's")
            return
        }
        #expect(taken.code == .failedPrecondition)
        // The holder's hang-up ends the lease wherever its clean-up reaches first.
        connections.closed(Self.c1)
        await old.connectionClosed(Self.c1)
        #expect(await new.summary().leasedByUID == nil)
        guard case .ran = await Self.run(new, Self.c2, id: 3) else { Issue.record("the device is free again"); return }
    }

    @Test func aReplacingWorkerShutDownBeforeActivationFailsItsQueueAtOnce() async throws {
        let worker = try Self.worker(predecessor: try Self.worker())
        async let queued = Self.run(worker, Self.c1, id: 1)
        try await Self.waitForDepth(worker, 1)
        await worker.drain(timeout: .seconds(600))  // the suite's time limit catches a drain that waits
        guard case .failure(let error) = await queued else { Issue.record("a never-activated worker runs nothing"); return }
        #expect(error.code == .unavailable)
        #expect(await worker.summary().state == .closed)
    }

    @Test func aClosedConnectionGetsNoLeaseAndRunsNothing() async throws {
        // A request that reaches the worker after its connection's clean-up ran here (it was read just
        // before the hang-up): it must leave nothing behind. The lease used to stay for its idle timeout.
        let connections = OpenConnections([Self.c1, Self.c2])
        let worker = try Self.worker(connections: connections)
        connections.closed(Self.c1)
        await worker.connectionClosed(Self.c1)
        guard case .failure(let refused) = await worker.lease(connection: Self.c1, uid: 1000, idleSeconds: nil) else {
            Issue.record("a closed connection must not get a lease")
            return
        }
        #expect(refused.code == .cancelled)
        #expect(await worker.summary().leasedByUID == nil)
        guard case .failure(let dropped) = await Self.run(worker, Self.c1, id: 1) else {
            Issue.record("a closed connection's batch must not run")
            return
        }
        #expect(dropped.code == .cancelled)
        // Another connection is served as before, and the device measured nothing for the closed one.
        guard case .leased = await worker.lease(connection: Self.c2, uid: 1001, idleSeconds: nil),
              case .ran(let info, _) = await Self.run(worker, Self.c2, id: 2) else {
            Issue.record("an open connection must be served")
            return
        }
        #expect(info.sequence == 1)
    }

    @Test func aClosedConnectionGetsNoSubscription() {
        let connections = OpenConnections([Self.c1])
        let hub = EventHub(connections: connections)
        #expect(hub.subscribe(EventHub.Subscriber(connection: Self.c1, subscriptionID: 1) { _ in }))
        connections.closed(Self.c1)
        hub.connectionClosed(Self.c1)
        #expect(!hub.subscribe(EventHub.Subscriber(connection: Self.c1, subscriptionID: 2) { _ in }),
                "a subscription after the clean-up would hold the dead connection for ever")
        #expect(hub.count == 0)
    }

    @Test func aReplacingWorkerNumbersOnFromWhatItsPredecessorRecorded() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pnn-worker-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let recorder = try Recorder(directory: directory)
        let recording = RecordingQueue(recorder)
        let old = Self.worker(system: try Self.echo(), recorder: recording)
        // On reload the successor is made first, while the old worker still has batches to run.
        let successor = Self.worker(system: try Self.echo(), recorder: recording, predecessor: old)
        for id in 1 ... 2 {
            guard case .ran = await Self.run(old, Self.c1, id: UInt64(id)) else { Issue.record("old worker run \(id)"); return }
        }
        await old.drain(timeout: .seconds(600))
        await successor.activate()
        guard case .ran(let info, _) = await Self.run(successor, Self.c1, id: 3) else { Issue.record("successor run"); return }
        #expect(info.sequence == 3, "sequence numbers of one device never repeat")
        #expect(try recorder.records(device: "echo0").map(\.sequence) == [1, 2, 3])
    }
}
