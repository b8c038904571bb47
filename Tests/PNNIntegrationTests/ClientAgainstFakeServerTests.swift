import Foundation
import NIOCore
import NIOPosix
import PNNClient
import PNNCore
import PNNProtocol
import Testing

/// `PNNClient` against a scripted stand-in for pnnd on a temporary Unix socket: each test says, frame by
/// frame, what the fake daemon reads and answers.
@Suite(.timeLimit(.minutes(1)))
struct ClientAgainstFakeServerTests {
    @Test func pipelinedRepliesInReverseOrderReachTheirCallers() async throws {
        let count = 20
        try await withFakeServer { connection in
            var requests: [RequestEnvelope] = []
            for _ in 0 ..< count { requests.append(try await connection.nextRequest()) }
            #expect(Set(requests.map(\.id)).count == count, "ids must be unique")
            #expect(requests.allSatisfy { $0.id != 0 }, "id 0 is reserved")
            for request in requests.reversed() {
                guard case .describe(let device) = request.request else {
                    Issue.record("expected describe, got \(request.request)")
                    continue
                }
                try await connection.reply(.description(sampleInfo(name: device)), to: request)
            }
            try await connection.drainUntilClosed()
        } client: { path in
            let client = try await PNNClient.connect(socketPath: path)
            let names = try await withThrowingTaskGroup(of: (String, String).self) { group in
                for i in 0 ..< count {
                    group.addTask { ("dev\(i)", try await client.describe("dev\(i)").name) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(names.count == count)
            for (asked, answered) in names { #expect(asked == answered) }
            await client.close()
        }
    }

    @Test func errorRepliesBecomeServerErrorsAndTheConnectionSurvives() async throws {
        try await withFakeServer(FakeScript.refuseWithEveryCodeThenAnswerStatus) { path in
            let client = try await PNNClient.connect(socketPath: path)
            for code in ErrorCode.allCases {
                let error = await failure { () async throws(ClientError) in _ = try await client.describe("nope") }
                #expect(error?.code == .server(code))
                #expect(error?.code.serverCode == code)
                #expect(error?.serverError == ProtocolError(code, "refused with \(code.rawValue)"))
                #expect(error?.description == "\(code.rawValue): refused with \(code.rawValue)")
            }
            #expect(try await client.status() == sampleStatus())
            await client.close()
        }
    }

    @Test func closingTheConnectionFailsPendingCalls() async throws {
        try await withFakeServer { connection in
            for _ in 0 ..< 3 { _ = try await connection.nextRequest() }
            // Returning closes the connection with three requests unanswered.
        } client: { path in
            let client = try await PNNClient.connect(socketPath: path)
            let errors = await withTaskGroup(of: ClientError?.self) { group in
                for _ in 0 ..< 3 {
                    group.addTask { await failure { () async throws(ClientError) in _ = try await client.status() } }
                }
                return await group.reduce(into: []) { $0.append($1) }
            }
            #expect(errors.count == 3)
            for error in errors {
                #expect(error?.code == .connection)
                #expect(error?.message == "connection to pnnd closed")
            }
            let later = await failure { () async throws(ClientError) in _ = try await client.metrics() }
            #expect(later?.code == .connection)
            await client.close()
        }
    }

    @Test func aReplyRightBeforeTheDaemonClosesStillArrives() async throws {
        let y = Tensor<Float>(rowVector: [4, 3, 2, 1])
        // The client sends status only once the server holds the run, so the order is certain.
        let (received, receivedSink) = AsyncStream.makeStream(of: Void.self)
        try await withFakeServer { connection in
            let run = try await connection.nextRequest()
            receivedSink.yield()
            _ = try await connection.nextRequest()  // status, left unanswered
            // Answer one of the two, then close at once (as pnnd does when it drains on SIGTERM).
            try await connection.reply(.ran(sampleRunInfo(), output: y), to: run)
        } client: { path in
            let client = try await PNNClient.connect(socketPath: path)
            async let ran = client.run("slow0", input: y, parameters: Tensor([]))
            for await _ in received { break }
            let unanswered = await failure { () async throws(ClientError) in _ = try await client.status() }
            #expect(unanswered?.code == .connection)
            #expect(try await ran.output == y)
            await client.close()
        }
    }

    @Test func cancellingACallSendsACancelFrameAndIgnoresTheLateReply() async throws {
        let (received, receivedSink) = AsyncStream.makeStream(of: UInt64.self)
        try await withFakeServer { connection in
            let run = try await connection.nextRequest()
            receivedSink.yield(run.id)
            let cancel = try await connection.nextFrame()
            #expect(cancel.kind == .cancel)
            #expect(cancel.requestID == run.id)
            #expect(cancel.metadata.readableBytes == 0 && cancel.payload.readableBytes == 0)
            // A reply racing the cancel must not confuse the client.
            try await connection.reply(.ran(sampleRunInfo(), output: Tensor([1, 2])), to: run)
            let status = try await connection.nextRequest()
            try await connection.reply(.status(sampleStatus()), to: status)
            try await connection.drainUntilClosed()
        } client: { path in
            let client = try await PNNClient.connect(socketPath: path)
            let call = Task {
                try await client.run("mech0", input: Tensor(rowVector: [0.5, 0.25]), parameters: Tensor([0.1]))
            }
            var ids = received.makeAsyncIterator()
            let id = await ids.next()
            #expect(id != nil)
            call.cancel()
            do {
                _ = try await call.value
                Issue.record("the cancelled run succeeded")
            } catch let error as ClientError {
                #expect(error.code == .cancelled)
            }
            #expect(try await client.status() == sampleStatus())
            await client.close()
        }
    }

    @Test func aCallInAnAlreadyCancelledTaskSendsNothing() async throws {
        try await withFakeServer { connection in
            // The first frame must be the metrics request of the second call.
            let request = try await connection.nextRequest()
            #expect(request.request == .metrics)
            try await connection.reply(.metrics("pnn_up 1\n"), to: request)
            try await connection.drainUntilClosed()
        } client: { path in
            let client = try await PNNClient.connect(socketPath: path)
            let cancelled = Task { () async -> ClientError? in
                withUnsafeCurrentTask { $0?.cancel() }
                return await failure { () async throws(ClientError) in _ = try await client.status() }
            }
            #expect(await cancelled.value?.code == .cancelled)
            #expect(try await client.metrics() == "pnn_up 1\n")
            await client.close()
        }
    }

    @Test func eventsArriveOnTheSubscriptionStreamUntilTheConnectionCloses() async throws {
        let events = (0 ..< 3).map { DeviceEvent(device: "mech0", kind: .fault, message: "event \($0)", time: 1e9 + Double($0)) }
        try await withFakeServer { connection in
            let subscribe = try await connection.nextRequest()
            #expect(subscribe.request == .subscribe)
            try await connection.reply(.subscribed, to: subscribe)
            try await connection.sendEvent(events[0], subscription: subscribe.id)
            try await connection.sendEvent(DeviceEvent(device: "x", kind: .up, message: "not ours", time: 0),
                                           subscription: subscribe.id + 1000)
            try await connection.sendEvent(events[1], subscription: subscribe.id)
            // A request answered between events.
            let status = try await connection.nextRequest()
            try await connection.reply(.status(sampleStatus()), to: status)
            try await connection.sendEvent(events[2], subscription: subscribe.id)
            // Returning closes the connection: the stream ends with a connection error.
        } client: { path in
            let client = try await PNNClient.connect(socketPath: path)
            let stream = try await client.events()
            var iterator = stream.makeAsyncIterator()
            #expect(try await iterator.next() == events[0])
            #expect(try await iterator.next() == events[1])
            #expect(try await client.status() == sampleStatus())
            #expect(try await iterator.next() == events[2])
            do {
                let extra = try await iterator.next()
                Issue.record("expected the stream to fail when the connection closed, got \(String(describing: extra))")
            } catch let error as ClientError {
                #expect(error.code == .connection)
            }
            await client.close()
        }
    }

    @Test func closingTheClientEndsEventStreamsWithoutError() async throws {
        try await withFakeServer { connection in
            let subscribe = try await connection.nextRequest()
            try await connection.reply(.subscribed, to: subscribe)
            try await connection.drainUntilClosed()
        } client: { path in
            let client = try await PNNClient.connect(socketPath: path)
            let stream = try await client.events()
            await client.close()
            var received = 0
            for try await _ in stream { received += 1 }
            #expect(received == 0)
        }
    }

    @Test func droppingTheEventStreamSendsACancelFrame() async throws {
        let (cancelled, cancelledSink) = AsyncStream.makeStream(of: Frame.self)
        try await withFakeServer { connection in
            let subscribe = try await connection.nextRequest()
            try await connection.reply(.subscribed, to: subscribe)
            let frame = try await connection.nextFrame()
            #expect(frame.kind == .cancel)
            #expect(frame.requestID == subscribe.id)
            cancelledSink.yield(frame)
            try await connection.drainUntilClosed()
        } client: { path in
            let client = try await PNNClient.connect(socketPath: path)
            let (subscribed, subscribedSink) = AsyncStream.makeStream(of: Void.self)
            let consumer = Task {
                let stream = try await client.events()
                subscribedSink.yield()
                for try await _ in stream {}
            }
            var ready = subscribed.makeAsyncIterator()
            await ready.next()
            // Cancelling the consumer while it waits for the next event drops the stream.
            consumer.cancel()
            var frames = cancelled.makeAsyncIterator()
            #expect(await frames.next()?.kind == .cancel)
            await client.close()
        }
    }

    @Test func aConnectionLevelErrorFailsEverythingPending() async throws {
        try await withFakeServer { connection in
            _ = try await connection.nextRequest()
            _ = try await connection.nextRequest()
            let error = ProtocolError(.invalidArgument, "undecodable frame: bad magic")
            try await connection.send(WireFormat.frame(for: .failure(error), id: 0, op: "unknown", allocator: ByteBufferAllocator()))
            try await connection.drainUntilClosed()
        } client: { path in
            let client = try await PNNClient.connect(socketPath: path)
            async let first = failure { () async throws(ClientError) in _ = try await client.devices() }
            async let second = failure { () async throws(ClientError) in _ = try await client.describe("mech0") }
            for error in await [first, second] {
                #expect(error?.code == .server(.invalidArgument))
                #expect(error?.message == "undecodable frame: bad magic")
            }
            let later = await failure { () async throws(ClientError) in _ = try await client.status() }
            #expect(later?.code == .connection)
            await client.close()
        }
    }

    @Test func runSendsTensorsAndDeadlineAndReturnsTheOutput() async throws {
        let x = try Tensor<Float>(shape: [2, 3], scalars: [0, 0.5, 1, 0.25, 0.75, 0.125])
        let theta = Tensor<Float>([-0.5, 0.5])
        let y = try Tensor<Float>(shape: [2, 2], scalars: [1, 2, 3, 4])
        try await withFakeServer { connection in
            let request = try await connection.nextRequest()
            #expect(request.request == .run(device: "mech0", input: x, parameters: theta))
            #expect(request.deadlineMilliseconds == 1501)
            try await connection.reply(.ran(sampleRunInfo(), output: y), to: request)
            try await connection.drainUntilClosed()
        } client: { path in
            let client = try await PNNClient.connect(socketPath: path)
            let (output, info) = try await client.run("mech0", input: x, parameters: theta,
                                                      deadline: .milliseconds(1500) + .microseconds(1))
            #expect(output == y)
            #expect(info == sampleRunInfo())
            await client.close()
        }
    }

    @Test func calibrateReturnsItsThreeTensors() async throws {
        let x = try Tensor<Float>(shape: [2, 1], scalars: [0.1, 0.2])
        let theta = try Tensor<Float>(shape: [2, 1], scalars: [0.3, 0.4])
        let y = try Tensor<Float>(shape: [2, 1], scalars: [0.5, 0.6])
        let info = CalibrationInfo(device: "mech0", samples: 2, sequences: [7, 8], seed: 42)
        try await withFakeServer { connection in
            let request = try await connection.nextRequest()
            #expect(request.request == .calibrate(device: "mech0", samples: 2, seed: 42))
            try await connection.reply(.calibrated(info, input: x, parameters: theta, output: y), to: request)
            try await connection.drainUntilClosed()
        } client: { path in
            let client = try await PNNClient.connect(socketPath: path)
            let result = try await client.calibrate("mech0", samples: 2, seed: 42)
            #expect(result.input == x && result.parameters == theta && result.output == y && result.info == info)
            await client.close()
        }
    }

    @Test func helloNegotiatesAndOversizedRequestsFailBeforeSending() async throws {
        try await withFakeServer(FakeScript.helloWithAFrameLimitOf1000) { path in
            let client = try await PNNClient.connect(socketPath: path)
            let reply = try await client.hello(client: "tests")
            #expect(reply.server == "fake" && reply.maxFrameBytes == 1000)
            let big = Tensor<Float>(rowVector: [Float](repeating: 0.5, count: 1000))
            let error = await failure { () async throws(ClientError) in
                _ = try await client.run("mech0", input: big, parameters: Tensor([]))
            }
            #expect(error?.code == .invalidRequest)
            await client.close()
        }
    }

    @Test func helloRejectsAVersionTheClientDoesNotSpeak() async throws {
        try await withFakeServer { connection in
            let hello = try await connection.nextRequest()
            try await connection.reply(.hello(HelloReply(version: 9, server: "future", capabilities: [], maxFrameBytes: 1 << 20)),
                                       to: hello)
            try await connection.drainUntilClosed()
        } client: { path in
            let client = try await PNNClient.connect(socketPath: path)
            let error = await failure { () async throws(ClientError) in _ = try await client.hello() }
            #expect(error?.code == .protocolViolation)
            await client.close()
        }
    }

    @Test func undecodableAndMismatchedRepliesAreProtocolViolations() async throws {
        try await withFakeServer { connection in
            let first = try await connection.nextRequest()
            let allocator = ByteBufferAllocator()
            try await connection.send(Frame(kind: .response, requestID: first.id,
                                            metadata: allocator.buffer(string: "{not json"), payload: allocator.buffer(capacity: 0)))
            let second = try await connection.nextRequest()
            try await connection.send(WireFormat.frame(for: .metrics("x"), id: second.id, op: "metrics", allocator: allocator))
            let third = try await connection.nextRequest()
            try await connection.reply(.devices([]), to: third)
            try await connection.drainUntilClosed()
        } client: { path in
            let client = try await PNNClient.connect(socketPath: path)
            let garbled = await failure { () async throws(ClientError) in _ = try await client.status() }
            #expect(garbled?.code == .protocolViolation)
            let mismatched = await failure { () async throws(ClientError) in _ = try await client.status() }
            #expect(mismatched?.code == .protocolViolation)
            #expect(try await client.devices() == [])
            await client.close()
        }
    }

    @Test func aReplyToARequestNeverSentFailsTheConnectionInsteadOfLeavingCallsWaiting() async throws {
        // Found by fuzzing the client against a daemon that garbles request ids: the reply was dropped
        // as if to a cancelled request, and the call waited for ever.
        try await withFakeServer { connection in
            let first = try await connection.nextRequest()
            let second = try await connection.nextRequest()
            let stray = RequestEnvelope(id: first.id + second.id + 1000, request: first.request)
            try await connection.reply(.status(sampleStatus()), to: stray)
            try await connection.drainUntilClosed()
        } client: { path in
            let client = try await PNNClient.connect(socketPath: path)
            async let a = failure { () async throws(ClientError) in _ = try await client.status() }
            async let b = failure { () async throws(ClientError) in _ = try await client.status() }
            let (first, second) = await (a, b)
            #expect(first?.code == .protocolViolation)
            #expect(second?.code == .protocolViolation)
            #expect(first?.message.contains("was not outstanding") == true, "\(String(describing: first))")
            let later = await failure { () async throws(ClientError) in _ = try await client.status() }
            #expect(later != nil, "the connection is closed")
            await client.close()
        }
    }

    @Test func nonPositiveDeadlinesAreRefusedLocally() async throws {
        try await withFakeServer { connection in
            let after = try await connection.drainUntilClosed()
            #expect(after.isEmpty)
        } client: { path in
            let client = try await PNNClient.connect(socketPath: path)
            let error = await failure { () async throws(ClientError) in _ = try await client.send(.status, deadline: .zero) }
            #expect(error?.code == .invalidRequest)
            await client.close()
        }
    }

    @Test func connectingToAMissingSocketNamesThePath() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("pnn-missing-\(UUID().uuidString).sock").path
        let error = await failure { () async throws(ClientError) in _ = try await PNNClient.connect(socketPath: path) }
        #expect(error?.code == .connection)
        #expect(error?.message.contains(path) == true)
        #expect(error?.message.contains("no such file") == true)
    }
}

/// `PNNBlockingClient` against the same scripted stand-in for pnnd. Its calls block, so each runs on a
/// thread of its own (`onThread`) rather than on a thread of the concurrency pool the fake daemon needs.
@Suite(.timeLimit(.minutes(1)))
struct BlockingClientAgainstFakeServerTests {
    @Test func runSendsTensorsAndDeadlineAndSkipsEvents() async throws {
        let x = try Tensor<Float>(shape: [2, 3], scalars: [0, 0.5, 1, 0.25, 0.75, 0.125])
        let theta = Tensor<Float>([-0.5, 0.5])
        let y = try Tensor<Float>(shape: [2, 2], scalars: [1, 2, 3, 4])
        try await withFakeServer { connection in
            let request = try await connection.nextRequest()
            #expect(request.request == .run(device: "mech0", input: x, parameters: theta))
            #expect(request.deadlineMilliseconds == 1501)
            // An event before the reply (this client never subscribes, but must not choke on one).
            try await connection.sendEvent(DeviceEvent(device: "mech0", kind: .fault, message: "x", time: 1), subscription: 99)
            try await connection.reply(.ran(sampleRunInfo(), output: y), to: request)
            try await connection.drainUntilClosed()
        } client: { path in
            try await onThread {
                let client = try PNNBlockingClient.connect(socketPath: path)
                let (output, info) = try client.run("mech0", input: x, parameters: theta,
                                                    deadline: .milliseconds(1500) + .microseconds(1))
                #expect(output == y)
                #expect(info == sampleRunInfo())
                client.close()
            }
        }
    }

    @Test func pipelinedRunsGoOutTogetherAndRepliesFindTheirBatch() async throws {
        let inputs = (0 ..< 3).map { Tensor<Float>(rowVector: [Float($0), 1]) }
        try await withFakeServer { connection in
            // All three requests arrive before any reply is sent; the replies go back in reverse order.
            var requests: [RequestEnvelope] = []
            for _ in 0 ..< 3 { requests.append(try await connection.nextRequest()) }
            for request in requests.reversed() {
                guard case .run(_, let x, _, _) = request.request else { Issue.record("expected run"); continue }
                try await connection.reply(.ran(sampleRunInfo(), output: Tensor(rowVector: [10 * x.scalars[0]])), to: request)
            }
            // A failing batch among pipelined ones: every reply is still read, then the error thrown.
            var more: [RequestEnvelope] = []
            for _ in 0 ..< 2 { more.append(try await connection.nextRequest()) }
            try await connection.reply(.failure(ProtocolError(.invalidArgument, "drive out of range")), to: more[0])
            try await connection.reply(.ran(sampleRunInfo(), output: Tensor(rowVector: [1])), to: more[1])
            let status = try await connection.nextRequest()
            try await connection.reply(.status(sampleStatus()), to: status)
            try await connection.drainUntilClosed()
        } client: { path in
            try await onThread {
                let client = try PNNBlockingClient.connect(socketPath: path)
                let replies = try client.run("mech0", batches: inputs.map { (input: $0, parameters: Tensor([])) })
                #expect(replies.map { $0.output.scalars } == [[0], [10], [20]])
                do {
                    _ = try client.run("mech0", batches: Array(inputs.prefix(2)).map { (input: $0, parameters: Tensor([])) })
                    Issue.record("the failed batch must throw")
                } catch {
                    #expect((error as? ClientError)?.serverError?.code == .invalidArgument)
                }
                // The connection is still in step.
                #expect(try client.status() == sampleStatus())
                client.close()
            }
        }
    }

    @Test func largeRepliesArriveIntactWhateverTheirTensors() async throws {
        // Payloads from 64 KiB on are read straight into the tensor (one tensor) or split (several).
        let y = sampleTensor(rows: 4096, columns: 64, seed: 1)
        let x = sampleTensor(rows: 300, columns: 64, seed: 2)
        let theta = sampleTensor(rows: 300, columns: 16, seed: 3)
        let info = CalibrationInfo(device: "mech0", samples: 300, sequences: [7], seed: 42)
        try await withFakeServer { connection in
            let run = try await connection.nextRequest()
            try await connection.reply(.ran(sampleRunInfo(), output: y), to: run)
            let calibrate = try await connection.nextRequest()
            try await connection.reply(.calibrated(info, input: x, parameters: theta, output: y), to: calibrate)
            let status = try await connection.nextRequest()
            try await connection.reply(.status(sampleStatus()), to: status)
            try await connection.drainUntilClosed()
        } client: { path in
            try await onThread {
                let client = try PNNBlockingClient.connect(socketPath: path)
                let (output, _) = try client.run("mech0", input: y, parameters: Tensor([]))
                #expect(sameBits(output, y))
                let result = try client.calibrate("mech0", samples: 300, seed: 42)
                #expect(sameBits(result.input, x) && sameBits(result.parameters, theta) && sameBits(result.output, y))
                #expect(result.info == info)
                #expect(try client.status() == sampleStatus())
                client.close()
            }
        }
    }

    @Test func aLargeReplyThatDisagreesWithItsMetadataIsAProtocolViolation() async throws {
        try await withFakeServer { connection in
            let run = try await connection.nextRequest()
            // Metadata announces [1, 64]; the payload holds 64 KiB.
            var metadata = ByteBufferAllocator().buffer(capacity: 256)
            metadata.writeString(#"{"ok":true,"op":"run","run":{"configHash":"","device":"d","deviceSeconds":0,"queuedSeconds":0,"sequence":1,"startedAt":0,"state":"ready"},"tensors":[{"name":"y","shape":[1,64]}]}"#)
            var payload = ByteBufferAllocator().buffer(capacity: 65536)
            payload.writeRepeatingByte(0, count: 65536)
            try await connection.send(Frame(kind: .response, requestID: run.id, metadata: metadata, payload: payload))
            let status = try await connection.nextRequest()
            try await connection.reply(.status(sampleStatus()), to: status)
            try await connection.drainUntilClosed()
        } client: { path in
            try await onThread {
                let client = try PNNBlockingClient.connect(socketPath: path)
                let error = blockingFailure { () throws(ClientError) in
                    _ = try client.run("d", input: Tensor(rowVector: [1]), parameters: Tensor([]))
                }
                #expect(error?.code == .protocolViolation)
                #expect(error?.message.contains("beyond") == true)
                // The frame itself was sound, so the connection is still usable.
                #expect(try client.status() == sampleStatus())
                client.close()
            }
        }
    }

    @Test func errorRepliesBecomeServerErrorsAndTheConnectionSurvives() async throws {
        try await withFakeServer(FakeScript.refuseWithEveryCodeThenAnswerStatus) { path in
            try await onThread {
                let client = try PNNBlockingClient.connect(socketPath: path)
                for code in ErrorCode.allCases {
                    let error = blockingFailure { () throws(ClientError) in _ = try client.describe("nope") }
                    #expect(error?.code == .server(code))
                    #expect(error?.serverError == ProtocolError(code, "refused with \(code.rawValue)"))
                }
                #expect(try client.status() == sampleStatus())
                client.close()
            }
        }
    }

    @Test func aConnectionLevelErrorFailsTheCallAndTheConnection() async throws {
        try await withFakeServer { connection in
            _ = try await connection.nextRequest()
            let error = ProtocolError(.invalidArgument, "undecodable frame: bad magic")
            try await connection.send(WireFormat.frame(for: .failure(error), id: 0, op: "unknown", allocator: ByteBufferAllocator()))
            try await connection.drainUntilClosed()
        } client: { path in
            try await onThread {
                let client = try PNNBlockingClient.connect(socketPath: path)
                let first = blockingFailure { () throws(ClientError) in _ = try client.devices() }
                #expect(first?.code == .server(.invalidArgument))
                #expect(first?.message == "undecodable frame: bad magic")
                let later = blockingFailure { () throws(ClientError) in _ = try client.status() }
                #expect(later?.code == .connection)
                client.close()
            }
        }
    }

    @Test func mismatchedAndUndecodableRepliesAreProtocolViolations() async throws {
        try await withFakeServer { connection in
            let first = try await connection.nextRequest()
            let allocator = ByteBufferAllocator()
            try await connection.send(Frame(kind: .response, requestID: first.id,
                                            metadata: allocator.buffer(string: "{not json"), payload: allocator.buffer(capacity: 0)))
            let second = try await connection.nextRequest()
            try await connection.send(WireFormat.frame(for: .metrics("x"), id: second.id + 5, op: "metrics", allocator: allocator))
            try await connection.drainUntilClosed()
        } client: { path in
            try await onThread {
                let client = try PNNBlockingClient.connect(socketPath: path)
                let garbled = blockingFailure { () throws(ClientError) in _ = try client.status() }
                #expect(garbled?.code == .protocolViolation)
                // Only one request is ever outstanding, so a reply to another id means the stream is lost.
                let stray = blockingFailure { () throws(ClientError) in _ = try client.status() }
                #expect(stray?.code == .protocolViolation)
                let after = blockingFailure { () throws(ClientError) in _ = try client.status() }
                #expect(after?.code == .protocolViolation)
                client.close()
            }
        }
    }

    @Test func theDaemonClosingMidFrameIsAConnectionError() async throws {
        try await withFakeServer { connection in
            _ = try await connection.nextRequest()
            // A length prefix promising 100 bytes, then nothing.
            try await connection.sendRaw([100, 0, 0, 0, 0x50, 0x4E])
        } client: { path in
            try await onThread {
                let client = try PNNBlockingClient.connect(socketPath: path)
                let error = blockingFailure { () throws(ClientError) in _ = try client.status() }
                #expect(error?.code == .connection)
                #expect(error?.message == "connection to pnnd closed in the middle of a frame")
                client.close()
            }
        }
    }

    @Test func helloNegotiatesAndOversizedRequestsFailBeforeSending() async throws {
        try await withFakeServer(FakeScript.helloWithAFrameLimitOf1000) { path in
            try await onThread {
                let client = try PNNBlockingClient.connect(socketPath: path)
                let reply = try client.hello(client: "tests")
                #expect(reply.server == "fake" && reply.maxFrameBytes == 1000)
                let big = Tensor<Float>(rowVector: [Float](repeating: 0.5, count: 1000))
                let error = blockingFailure { () throws(ClientError) in
                    _ = try client.run("mech0", input: big, parameters: Tensor([]))
                }
                #expect(error?.code == .invalidRequest)
                let deadline = blockingFailure { () throws(ClientError) in _ = try client.send(.status, deadline: .zero) }
                #expect(deadline?.code == .invalidRequest)
                client.close()
            }
        }
    }

    @Test func closedClientsAndMissingSocketsAreConnectionErrors() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("pnn-missing-\(UUID().uuidString).sock").path
        let missing = blockingFailure { () throws(ClientError) in _ = try PNNBlockingClient.connect(socketPath: path) }
        #expect(missing?.code == .connection)
        #expect(missing?.message.contains(path) == true)
        #expect(missing?.message.contains("no such file") == true)

        try await withFakeServer { connection in
            try await connection.drainUntilClosed()
        } client: { path in
            try await onThread {
                let client = try PNNBlockingClient.connect(socketPath: path)
                client.close()
                let error = blockingFailure { () throws(ClientError) in _ = try client.status() }
                #expect(error?.code == .connection)
                #expect(error?.message == "the client closed its connection to pnnd")
            }
        }
    }
}

// MARK: - Fake daemon

/// The daemon side of one accepted connection.
fileprivate final class FakeConnection {
    private var inbound: NIOAsyncChannelInboundStream<Frame>.AsyncIterator
    private let outbound: NIOAsyncChannelOutboundWriter<Frame>
    private let channel: any Channel
    private let allocator = ByteBufferAllocator()

    init(inbound: NIOAsyncChannelInboundStream<Frame>, outbound: NIOAsyncChannelOutboundWriter<Frame>, channel: any Channel) {
        self.inbound = inbound.makeAsyncIterator()
        self.outbound = outbound
        self.channel = channel
    }

    struct Closed: Error {}

    func nextFrame() async throws -> Frame {
        guard let frame = try await inbound.next() else { throw Closed() }
        return frame
    }

    func nextRequest() async throws -> RequestEnvelope {
        let frame = try await nextFrame()
        try #require(frame.kind == .request, "expected a request frame, got \(frame.kind)")
        return try WireFormat.request(from: frame)
    }

    func reply(_ response: Response, to request: RequestEnvelope) async throws {
        try await send(WireFormat.frame(for: response, id: request.id, op: request.request.operation, allocator: allocator))
    }

    func sendEvent(_ event: DeviceEvent, subscription id: UInt64) async throws {
        try await send(WireFormat.frame(for: event, subscription: id, allocator: allocator))
    }

    func send(_ frame: Frame) async throws {
        try await outbound.write(frame)
    }

    /// Bytes on the stream as they are, bypassing the framing (for truncated frames).
    func sendRaw(_ bytes: [UInt8]) async throws {
        let channel = self.channel
        try await channel.eventLoop.submit {
            // Written from the codec's context, so it travels below the codec.
            let codec = try channel.pipeline.syncOperations.context(handlerType: FrameCodecHandler.self)
            codec.writeAndFlush(NIOAny(channel.allocator.buffer(bytes: bytes)), promise: nil)
        }.get()
    }

    /// Reads until the client closes; returns what arrived meanwhile.
    @discardableResult
    func drainUntilClosed() async throws -> [Frame] {
        var frames: [Frame] = []
        while let frame = try await inbound.next() { frames.append(frame) }
        return frames
    }
}

/// Runs `client` with the path of a temporary socket on which a fake pnnd accepts one connection and
/// runs `script` on it; returning from `script` closes that connection. Both must finish.
/// Server sides shared by the async and the blocking client's tests.
fileprivate enum FakeScript {
    /// Refuses one request with each error code in turn, then answers a status request.
    @Sendable static func refuseWithEveryCodeThenAnswerStatus(_ connection: FakeConnection) async throws {
        for code in ErrorCode.allCases {
            let request = try await connection.nextRequest()
            try await connection.reply(.failure(ProtocolError(code, "refused with \(code.rawValue)")), to: request)
        }
        let status = try await connection.nextRequest()
        try await connection.reply(.status(sampleStatus()), to: status)
        try await connection.drainUntilClosed()
    }

    /// Answers `hello` from client "tests" with a 1000-byte frame limit; nothing may follow.
    @Sendable static func helloWithAFrameLimitOf1000(_ connection: FakeConnection) async throws {
        let hello = try await connection.nextRequest()
        #expect(hello.request == .hello(versions: [1], client: "tests"))
        try await connection.reply(.hello(HelloReply(version: 1, server: "fake", capabilities: ["run"], maxFrameBytes: 1000)),
                                   to: hello)
        let after = try await connection.drainUntilClosed()
        #expect(after.isEmpty, "the oversized run must not be sent")
    }
}

fileprivate func withFakeServer(_ script: @escaping @Sendable (FakeConnection) async throws -> Void,
                    client: (String) async throws -> Void) async throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pnn-fake-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let path = directory.appendingPathComponent("pnnd.sock").path

    let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .bind(unixDomainSocketPath: path, cleanupExistingSocketFile: true) { channel in
            channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addPNNFraming(maxFrameBytes: 1 << 24)
                return try NIOAsyncChannel<Frame, Frame>(wrappingChannelSynchronously: channel)
            }
        }
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask {
            try await server.executeThenClose { connections in
                var accepted = connections.makeAsyncIterator()
                guard let connection = try await accepted.next() else { return }
                let channel = connection.channel
                try await connection.executeThenClose { inbound, outbound in
                    try await script(FakeConnection(inbound: inbound, outbound: outbound, channel: channel))
                }
            }
        }
        do {
            try await client(path)
        } catch {
            group.cancelAll()
            throw error
        }
        try await group.waitForAll()
    }
}

/// The error `body` throws, or nil (recording an issue) when it succeeds.
fileprivate func failure(_ body: () async throws(ClientError) -> Void,
             sourceLocation: SourceLocation = #_sourceLocation) async -> ClientError? {
    do {
        try await body()
        Issue.record("expected a ClientError", sourceLocation: sourceLocation)
        return nil
    } catch {
        return error
    }
}

/// The error the blocking `body` throws, or nil (recording an issue) when it succeeds.
fileprivate func blockingFailure(_ body: () throws(ClientError) -> Void,
                                 sourceLocation: SourceLocation = #_sourceLocation) -> ClientError? {
    do {
        try body()
        Issue.record("expected a ClientError", sourceLocation: sourceLocation)
        return nil
    } catch {
        return error
    }
}

/// Runs blocking `body` on a thread of its own and waits for it without holding a concurrency thread.
func onThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try body() }) }.start()
    }
}

/// Same shape and the same bits in every element (`==` compares values, and NaN is not equal to itself).
func sameBits(_ a: Tensor<Float>, _ b: Tensor<Float>) -> Bool {
    a.shape == b.shape && a.scalars.map(\.bitPattern) == b.scalars.map(\.bitPattern)
}

/// A [rows×columns] tensor of seeded values, some awkward bit patterns among them.
fileprivate func sampleTensor(rows: Int, columns: Int, seed: UInt64) -> Tensor<Float> {
    var rng = SeededGenerator(seed: seed)
    let special: [Float] = [0, -0.0, .leastNonzeroMagnitude, .greatestFiniteMagnitude, .nan, -.infinity]
    let values = (0 ..< rows * columns).map { i in
        i < special.count ? special[i] : Float(rng.nextUniform(in: -1e3 ... 1e3))
    }
    return Tensor(uncheckedRows: values, columns: columns)
}

// MARK: - Sample replies

fileprivate func sampleInfo(name: String) -> DeviceInfo {
    DeviceInfo(name: name, kind: "simulated", model: "mechanical", inputs: 3, parameters: 2, outputs: 2,
               limits: DriveLimits(minimum: -1, maximum: 1, maxStep: 0.5), driveOrder: "parametersFirst",
               secondsPerSample: 0.001, gap: "default", summary: "fake", notes: ["a note"], state: .ready,
               configHash: "abc123", queueCapacity: 8)
}

fileprivate func sampleRunInfo() -> RunInfo {
    RunInfo(device: "mech0", sequence: 17, queuedSeconds: 0.002, deviceSeconds: 0.15, startedAt: 1.7e9,
            state: .ready, configHash: "abc123")
}

fileprivate func sampleStatus() -> StatusReport {
    StatusReport(server: "pnnd 0.1.0", version: 1, pid: 42, uptimeSeconds: 12.5, connections: 1,
                 devices: [DeviceSummary(name: "mech0", kind: "simulated", state: .ready, inputs: 3, parameters: 2,
                                         outputs: 2, leasedByUID: nil, queueDepth: 0)],
                 recordedBatches: 3, recorderBytes: 4096, configHash: "abc123")
}
