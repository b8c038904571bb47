import Foundation
import PNNClient
import PNNCore
import PNNProtocol
import PNNTestSupport
import Testing

/// `PNNBlockingClient` against the real `pnnd --simulate`: every operation it offers, bit-exact tensors
/// both ways (small and 1 MiB), errors, and the same answers the async client gets.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct BlockingClientDaemonTests {
    @Test func everyOperationAgainstTheRealDaemon() async throws {
        let harness = try DaemonHarness()
        let path = harness.daemon.socketPath
        let async = try await harness.client()
        let expectedDevices = try await async.devices()
        let expectedEcho = try await async.describe("echo0")
        try await onThread {
            let client = try PNNBlockingClient.connect(socketPath: path)
            let hello = try client.hello(client: "blocking-tests")
            #expect(hello.version == 1 && hello.maxFrameBytes > 0)
            #expect(try client.devices().map(\.name) == expectedDevices.map(\.name))
            #expect(try client.describe("echo0") == expectedEcho)
            #expect(try client.status().devices.count == expectedDevices.count)
            #expect(try client.metrics().contains("pnn_requests_total"))
            let grant = try client.lease("echo0", idleSeconds: 5)
            #expect(grant.device == "echo0" && grant.idleSeconds == 5)
            try client.release("echo0")

            // echo0 answers y = x: bit-exact through the small (buffered) and 1 MiB (direct) paths.
            for rows in [1, 3, 4096] {
                let x = Tensor<Float>(uncheckedRows: (0 ..< rows * 64).map { Float($0 % 1000) / 7 - 50 }, columns: 64)
                let (y, info) = try client.run("echo0", input: x, parameters: Tensor([]), deadline: .seconds(5))
                #expect(sameBits(y, x))
                #expect(info.device == "echo0" && info.state == .ready)
            }
            let calibration = try client.calibrate("echo0", samples: 2000, seed: 7)
            #expect(calibration.input.shape == [2000, 64] && calibration.output.shape == [2000, 64])
            #expect(sameBits(calibration.output, calibration.input))
            #expect(calibration.info.seed == 7)
            client.close()
        }
        await async.close()
        #expect(harness.daemon.stop().status == 0)
    }

    @Test func errorsKeepTheConnectionAndALostDaemonIsAConnectionError() async throws {
        let harness = try DaemonHarness()
        let path = harness.daemon.socketPath
        let client = try await onThread { try PNNBlockingClient.connect(socketPath: path) }
        try await onThread {
            do {
                _ = try client.describe("sim9")
                Issue.record("describe of an unknown device succeeded")
            } catch let error as ClientError {
                #expect(error.code == .server(.notFound))
            }
            do {
                _ = try client.run("echo0", input: Tensor(rowVector: [1, 2, 3]), parameters: Tensor([]))
                Issue.record("a wrongly shaped run succeeded")
            } catch let error as ClientError {
                #expect(error.code == .server(.invalidArgument))
            }
            #expect(try client.devices().isEmpty == false)
        }
        #expect(harness.daemon.stop().status == 0)
        try await onThread {
            do {
                _ = try client.status()
                Issue.record("a call to a stopped daemon succeeded")
            } catch let error as ClientError {
                #expect(error.code == .connection)
            }
            client.close()
        }
    }
}
