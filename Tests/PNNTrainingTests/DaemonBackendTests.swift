import Foundation
import PNNCore
import PNNPhysics
import PNNTestSupport
import Testing
@testable import PNNTraining

/// `DaemonBackend` against the real `pnnd`.
@Suite struct DaemonBackendTests {
    @Test func pipelinesNoMoreRequestsThanTheDeviceQueueHolds() async throws {
        // pnnd refuses a request beyond a device's queue (resourceExhausted). Seven channels against a
        // queue of two, on a device that takes 50 ms per batch (so the queue is full while the client
        // writes): every channel must still be measured, each exactly as the model computes it.
        let directory = try ScratchDirectory()
        let config = directory.path("pnnd.toml")
        try """
            [server]
            queue_depth = 2

            [[device]]
            name = "shg0"
            kind = "simulated-shg"
            inputs = 8
            parameters = 4
            outputs = 6
            gap = "none"
            latency_seconds = 0.05
            """.write(toFile: config, atomically: true, encoding: .utf8)
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
        backend.close()
        #expect(daemon.stop().status == 0)
    }
}
