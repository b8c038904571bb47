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

    /// `submitRuns` returns once the requests are on the socket; `awaitRuns` reads one submission's
    /// replies in any order, keeping the others' for later; a submission is read once.
    @Test func submittedRunsAreReadInAnyOrder() async throws {
        let harness = try DaemonHarness()
        let path = harness.daemon.socketPath
        try await onThread {
            let client = try PNNBlockingClient.connect(socketPath: path)
            _ = try client.hello()
            let xs = (0 ..< 3).map { k in Tensor<Float>(uncheckedRows: (0 ..< 2 * 64).map { Float(k * 1000 + $0) / 9 }, columns: 64) }
            let first = try client.submitRuns("echo0", batches: [(xs[0], Tensor([])), (xs[1], Tensor([]))])
            let second = try client.submitRuns("echo0", batches: [(xs[2], Tensor([]))])
            #expect(first.count == 2 && second.count == 1)
            // The second is awaited first: the first's replies arrive before it and are kept.
            let late = try client.awaitRuns(second)
            let early = try client.awaitRuns(first)
            #expect(late.count == 1 && sameBits(late[0].output, xs[2]))
            #expect(early.count == 2 && sameBits(early[0].output, xs[0]) && sameBits(early[1].output, xs[1]))
            #expect(early[0].info.sequence < early[1].info.sequence && early[1].info.sequence < late[0].info.sequence)
            do {
                _ = try client.awaitRuns(first)
                Issue.record("a submission was read twice")
            } catch let error as ClientError {
                #expect(error.code == .invalidRequest)
            }
            // An error reply to one submission leaves the others and the connection usable.
            let bad = try client.submitRuns("echo0", batches: [(Tensor(rowVector: [1, 2, 3]), Tensor([]))])
            let good = try client.submitRuns("echo0", batches: [(xs[1], Tensor([]))])
            do {
                _ = try client.awaitRuns(bad)
                Issue.record("a wrongly shaped run succeeded")
            } catch let error as ClientError {
                #expect(error.code == .server(.invalidArgument))
            }
            #expect(sameBits(try client.awaitRuns(good)[0].output, xs[1]))
            #expect(sameBits(try client.run("echo0", input: xs[0], parameters: Tensor([])).output, xs[0]))
            client.close()
        }
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
