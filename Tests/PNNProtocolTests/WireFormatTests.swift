import Foundation
import NIOCore
import PNNCore
import PNNProtocol
import Testing

/// Requests: typed envelope → frame → envelope, and the JSON a hand-written client sends.
@Suite("WireFormat: requests")
struct WireFormatRequestTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var envelope: RequestEnvelope
        var testDescription: String { "\(envelope.request.operation) #\(envelope.id)" }
    }

    static let cases: [Case] = [
        RequestEnvelope(id: 1, request: .hello(versions: [1], client: "pytest")),
        RequestEnvelope(id: 2, request: .hello(versions: [1, 2, 7], client: "")),
        RequestEnvelope(id: 3, request: .listDevices),
        RequestEnvelope(id: 4, deadlineMilliseconds: 1, request: .describe(device: "sim0")),
        RequestEnvelope(id: 5, request: .lease(device: "rig/øscillator ☃", idleSeconds: nil)),
        RequestEnvelope(id: 6, deadlineMilliseconds: 60_000, request: .lease(device: "sim0", idleSeconds: 12.5)),
        RequestEnvelope(id: 7, request: .release(device: "sim0")),
        RequestEnvelope(id: 8, deadlineMilliseconds: 5000, request: .run(
            device: "sim0", input: sampleTensor([4, 8], seed: 8), parameters: sampleTensor([16], seed: 9))),
        RequestEnvelope(id: 9, request: .run(
            device: "sim0", input: sampleTensor([1, 1], seed: 1), parameters: Tensor<Float>([]))),
        RequestEnvelope(id: 10, request: .run(
            device: "sim0", input: Tensor<Float>.zeros([0, 3]), parameters: sampleTensor([2], seed: 3))),
        RequestEnvelope(id: 14, request: .run(
            device: "elec0", input: sampleTensor([3, 5], seed: 4), parameters: sampleTensor([5], seed: 5), acquisitions: 4)),
        RequestEnvelope(id: 15, request: .run(
            device: "elec0", input: sampleTensor([1, 2], seed: 6), parameters: Tensor<Float>([]), acquisitions: 64)),
        RequestEnvelope(id: 11, request: .calibrate(device: "sim0", samples: 1, seed: nil)),
        RequestEnvelope(id: 12, request: .calibrate(device: "sim0", samples: 4096, seed: .max)),
        RequestEnvelope(id: 13, request: .status),
        RequestEnvelope(id: .max, request: .metrics),
        RequestEnvelope(id: 0, deadlineMilliseconds: .max, request: .subscribe),
    ].map(Case.init)

    @Test("round trip", arguments: cases)
    func roundTrip(_ c: Case) throws {
        let frame = WireFormat.frame(for: c.envelope, allocator: allocator)
        #expect(frame.kind == .request)
        #expect(frame.requestID == c.envelope.id)
        #expect(WireFormat.operationName(of: frame) == c.envelope.request.operation)
        // Through the bytes, not just the struct.
        let decoded = try WireFormat.request(from: Frame(body: buffer(body(frame))))
        #expect(decoded == c.envelope)
        if case .run(_, let x, let theta, _) = c.envelope.request, case .run(_, let x2, let theta2, _) = decoded.request {
            expectBitExact(x2, x)
            expectBitExact(theta2, theta)
            #expect(frame.payload.readableBytes == 4 * (x.count + theta.count))
        } else {
            #expect(frame.payload.readableBytes == 0)
        }
    }

    @Test func everyOperationHasARoundTripCase() {
        #expect(Set(Self.cases.map(\.envelope.request.operation)) == Set(Request.operations))
    }

    @Test func runTensorsAreBitExactIncludingNonFiniteValues() throws {
        // The wire carries any bit pattern; rejecting NaN/Inf is the daemon's validation, not framing's.
        let x = try Tensor<Float>(shape: [2, awkwardFloats.count], scalars: awkwardFloats + awkwardFloats.reversed())
        let theta = Tensor<Float>(awkwardFloats)
        let envelope = RequestEnvelope(id: 77, request: .run(device: "d", input: x, parameters: theta))
        let frame = WireFormat.frame(for: envelope, allocator: allocator)
        #expect(bytes(frame.payload) == floatBytes(x.scalars) + floatBytes(theta.scalars))
        guard case .run(let device, let x2, let theta2, _) = try WireFormat.request(from: frame).request else {
            Issue.record("not a run")
            return
        }
        #expect(device == "d")
        expectBitExact(x2, x)
        expectBitExact(theta2, theta)
    }

    @Test func runMetadataIsTheDocumentedJSON() {
        let envelope = RequestEnvelope(id: 2, deadlineMilliseconds: 5000, request: .run(
            device: "sim0", input: Tensor(uncheckedRows: [1, 2, 3, 4, 5, 6], columns: 3), parameters: Tensor([0.5, -0.0])))
        let frame = WireFormat.frame(for: envelope, allocator: allocator)
        #expect(text(frame.metadata) == #"{"deadlineMs":5000,"device":"sim0","op":"run","tensors":[{"name":"x","shape":[2,3]},{"name":"theta","shape":[2]}]}"#)
        #expect(bytes(frame.payload) == floatBytes([1, 2, 3, 4, 5, 6, 0.5, -0.0]))
        #expect(bytes(frame.payload).suffix(4) == [0x00, 0x00, 0x00, 0x80])

        // A single acquisition is the default and leaves the field out, so the metadata an older
        // client sends and the one this client sends for it are the same bytes.
        let averaged = RequestEnvelope(id: 3, request: .run(
            device: "elec0", input: Tensor(uncheckedRows: [1, 2], columns: 2), parameters: Tensor([]), acquisitions: 4))
        #expect(text(WireFormat.frame(for: averaged, allocator: allocator).metadata)
            == #"{"acquisitions":4,"device":"elec0","op":"run","tensors":[{"name":"x","shape":[1,2]},{"name":"theta","shape":[0]}]}"#)
    }

    @Test func otherRequestsProduceTheDocumentedJSON() {
        func json(_ request: Request) -> String {
            text(WireFormat.frame(for: RequestEnvelope(id: 1, request: request), allocator: allocator).metadata)
        }
        #expect(json(.hello(versions: [1], client: "py")) == #"{"client":"py","op":"hello","versions":[1]}"#)
        #expect(json(.listDevices) == #"{"op":"listDevices"}"#)
        #expect(json(.describe(device: "sim0")) == #"{"device":"sim0","op":"describe"}"#)
        #expect(json(.lease(device: "sim0", idleSeconds: 60)) == #"{"device":"sim0","idleSeconds":60,"op":"lease"}"#)
        #expect(json(.release(device: "sim0")) == #"{"device":"sim0","op":"release"}"#)
        #expect(json(.calibrate(device: "sim0", samples: 8, seed: 3)) == #"{"device":"sim0","op":"calibrate","samples":8,"seed":3}"#)
        #expect(json(.status) == #"{"op":"status"}"#)
        #expect(json(.metrics) == #"{"op":"metrics"}"#)
        #expect(json(.subscribe) == #"{"op":"subscribe"}"#)
    }

    /// What a hand-written client may send: keys in any order, optional fields left out.
    @Test func handWrittenRequestsDecode() throws {
        func decode(_ json: String, payload: [UInt8] = [], id: UInt64 = 3) throws -> RequestEnvelope {
            try WireFormat.request(from: Frame(kind: .request, requestID: id, metadata: buffer(json), payload: buffer(payload)))
        }
        #expect(try decode(#"{"op":"hello"}"#).request == .hello(versions: [1], client: ""))
        #expect(try decode(#" { "versions" : [1] , "op" : "hello" , "client" : "x" } "#).request == .hello(versions: [1], client: "x"))
        #expect(try decode(#"{"op":"lease","device":"a"}"#).request == .lease(device: "a", idleSeconds: nil))
        #expect(try decode(#"{"op":"calibrate","device":"a","samples":2}"#).request == .calibrate(device: "a", samples: 2, seed: nil))
        #expect(try decode(#"{"op":"status","unknownField":[1,2,{"x":null}]}"#).request == .status)
        #expect(try decode(#"{"op":"describe","device":"a","deadlineMs":10}"#, id: 99)
            == RequestEnvelope(id: 99, deadlineMilliseconds: 10, request: .describe(device: "a")))

        let run = try decode(#"{"tensors":[{"shape":[1,2],"name":"x"}],"device":"a","op":"run"}"#, payload: floatBytes([7, 8]))
        #expect(run.request == .run(device: "a", input: Tensor(rowVector: [7, 8]), parameters: Tensor([])))
        // Payload order follows the metadata's tensor list, not the names.
        let swapped = try decode(#"{"op":"run","device":"a","tensors":[{"name":"theta","shape":[1]},{"name":"x","shape":[1,1]}]}"#,
                                 payload: floatBytes([5, 6]))
        #expect(swapped.request == .run(device: "a", input: Tensor(rowVector: [6]), parameters: Tensor([5])))
    }

    /// JSONEncoder refuses non-finite Doubles and `encodeJSON` then falls back to `{}`, so the daemon sees
    /// a request without `op`. Pinned until `frame(for:)` reports the problem instead.
    @Test func nonFiniteSettingIsNotSilentlyDropped() throws {
        let frame = WireFormat.frame(for: RequestEnvelope(id: 1, request: .lease(device: "d", idleSeconds: .infinity)),
                                     allocator: allocator)
        #expect(text(frame.metadata) != "{}")
        // The daemon refuses it by name instead of seeing a request without an operation.
        #expect(throws: ProtocolError.self) { try WireFormat.request(from: frame) }
    }

    @Test func cancelFrameIsBare() {
        let frame = WireFormat.cancelFrame(for: 41, allocator: allocator)
        #expect(frame == Frame(kind: .cancel, requestID: 41, metadata: buffer([]), payload: buffer([])))
        #expect(body(frame) == hex("504e4e31 01 04 0000 2900000000000000 00000000 00000000"))
    }

    @Test func operationNameOfGarbage() {
        func name(_ metadata: [UInt8]) -> String {
            WireFormat.operationName(of: Frame(kind: .request, requestID: 1, metadata: buffer(metadata), payload: buffer([])))
        }
        #expect(name([]) == "unknown")
        #expect(name(Array("not json".utf8)) == "unknown")
        #expect(name([0xFF, 0xFE, 0x00, 0x7B]) == "unknown")
        #expect(name(Array("[\"run\"]".utf8)) == "unknown")
        #expect(name(Array("{\"op\":5}".utf8)) == "unknown")
        #expect(name(Array("{\"op\":null}".utf8)) == "unknown")
        #expect(name(Array("{\"device\":\"a\"}".utf8)) == "unknown")
        #expect(name(Array("{\"op\":\"run\"".utf8)) == "unknown")
        // Enough of the metadata to name the operation, even if the rest is wrong.
        #expect(name(Array("{\"op\":\"run\",\"tensors\":\"many\",\"samples\":-1}".utf8)) == "run")
        #expect(name(Array("{\"op\":\"explode\"}".utf8)) == "explode")
    }
}

/// Metadata a client may get wrong: every case is a request error (`invalidArgument`) with a message
/// that says what to fix; the frame itself was sound, so the connection stays open.
@Suite("WireFormat: invalid requests")
struct WireFormatInvalidRequestTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var metadata: [UInt8]
        var payload: [UInt8] = []
        var fragments: [String]
        var testDescription: String { name }

        init(_ name: String, _ json: String, payload: [UInt8] = [], _ fragments: [String]) {
            self.name = name
            self.metadata = Array(json.utf8)
            self.payload = payload
            self.fragments = fragments
        }
    }

    static let x23 = #"{"name":"x","shape":[2,3]}"#
    static let theta2 = #"{"name":"theta","shape":[2]}"#

    static let cases: [Case] = [
        Case("not JSON", "op=run", ["metadata is not valid JSON"]),
        Case("empty metadata", "", ["metadata is not valid JSON"]),
        Case("truncated JSON", #"{"op":"run""#, ["metadata is not valid JSON"]),
        Case("JSON array", #"["run"]"#, ["metadata must be a JSON object"]),
        Case("JSON string", #""run""#, ["metadata must be a JSON object"]),
        Case("missing op", #"{"device":"sim0"}"#, ["metadata lacks the field 'op'"]),
        Case("op not a string", #"{"op":7}"#, ["metadata field 'op' has the wrong type"]),
        Case("device not a string", #"{"op":"describe","device":7}"#, ["metadata field 'device' has the wrong type"]),
        Case("unknown op", #"{"op":"explode"}"#,
             ["unknown operation 'explode'", "known: hello, listDevices, describe, lease, release, run, calibrate, status, metrics, subscribe"]),
        Case("op is case-sensitive", #"{"op":"ListDevices"}"#, ["unknown operation 'ListDevices'"]),
        Case("run without device", #"{"op":"run","tensors":[\#(x23)]}"#, payload: floatBytes([1, 2, 3, 4, 5, 6]),
             ["operation 'run' needs a 'device'"]),
        Case("run with empty device", #"{"op":"run","device":"","tensors":[\#(x23)]}"#, payload: floatBytes([1, 2, 3, 4, 5, 6]),
             ["operation 'run' needs a 'device'"]),
        Case("describe without device", #"{"op":"describe"}"#, ["operation 'describe' needs a 'device'"]),
        Case("lease without device", #"{"op":"lease"}"#, ["operation 'lease' needs a 'device'"]),
        Case("release without device", #"{"op":"release"}"#, ["operation 'release' needs a 'device'"]),
        Case("calibrate without device", #"{"op":"calibrate","samples":3}"#, ["operation 'calibrate' needs a 'device'"]),
        Case("run without tensors", #"{"op":"run","device":"d"}"#, ["run needs a tensor 'x'"]),
        Case("run with no acquisitions", #"{"op":"run","device":"d","acquisitions":0,"tensors":[\#(x23)]}"#,
             payload: floatBytes([1, 2, 3, 4, 5, 6]), ["acquisitions must be 1…64, got 0"]),
        Case("run with too many acquisitions", #"{"op":"run","device":"d","acquisitions":65,"tensors":[\#(x23)]}"#,
             payload: floatBytes([1, 2, 3, 4, 5, 6]), ["acquisitions must be 1…64, got 65"]),
        Case("acquisitions not an integer", #"{"op":"run","device":"d","acquisitions":"4","tensors":[\#(x23)]}"#,
             payload: floatBytes([1, 2, 3, 4, 5, 6]), ["metadata field 'acquisitions' has the wrong type"]),
        Case("run without x", #"{"op":"run","device":"d","tensors":[\#(theta2)]}"#, payload: floatBytes([1, 2]),
             ["run needs a tensor 'x'"]),
        Case("run with an extra tensor", #"{"op":"run","device":"d","tensors":[\#(x23),\#(theta2),{"name":"z","shape":[1]}]}"#,
             payload: floatBytes([1, 2, 3, 4, 5, 6, 7, 8, 9]), ["run takes tensors 'x' and 'theta' only"]),
        Case("run with x and a stranger", #"{"op":"run","device":"d","tensors":[\#(x23),{"name":"thetas","shape":[2]}]}"#,
             payload: floatBytes([1, 2, 3, 4, 5, 6, 7, 8]), ["run takes tensors 'x' and 'theta' only"]),
        Case("too few payload bytes", #"{"op":"run","device":"d","tensors":[\#(x23)]}"#, payload: floatBytes([1, 2, 3, 4, 5]),
             ["tensor 'x' of shape [2, 3] needs 24 bytes, payload has 20 left"]),
        Case("second tensor short", #"{"op":"run","device":"d","tensors":[\#(x23),\#(theta2)]}"#,
             payload: floatBytes([1, 2, 3, 4, 5, 6, 7]), ["tensor 'theta' of shape [2] needs 8 bytes, payload has 4 left"]),
        Case("too many payload bytes", #"{"op":"run","device":"d","tensors":[\#(x23)]}"#, payload: floatBytes([1, 2, 3, 4, 5, 6, 7]),
             ["payload has 4 bytes beyond the 24 its tensors use"]),
        Case("payload not a whole float", #"{"op":"run","device":"d","tensors":[\#(x23)]}"#,
             payload: floatBytes([1, 2, 3, 4, 5, 6]) + [0], ["payload has 1 bytes beyond the 24 its tensors use"]),
        Case("payload without tensors", #"{"op":"run","device":"d","tensors":[]}"#, payload: floatBytes([1]),
             ["payload has 4 bytes beyond the 0 its tensors use"]),
        Case("negative dimension", #"{"op":"run","device":"d","tensors":[{"name":"x","shape":[-1,3]}]}"#,
             ["tensor 'x' has an invalid shape [-1, 3]"]),
        Case("rank above 8", #"{"op":"run","device":"d","tensors":[{"name":"x","shape":[1,1,1,1,1,1,1,1,1]}]}"#, payload: floatBytes([1]),
             ["tensor 'x' has an invalid shape"]),
        Case("element count overflows", #"{"op":"run","device":"d","tensors":[{"name":"x","shape":[4611686018427387904,4]}]}"#,
             ["tensor 'x'", "[4611686018427387904, 4]"]),
        Case("byte count overflows", #"{"op":"run","device":"d","tensors":[{"name":"x","shape":[4611686018427387904]}]}"#,
             ["tensor 'x'", "[4611686018427387904]"]),
        Case("overflow hidden behind a zero", #"{"op":"run","device":"d","tensors":[{"name":"x","shape":[4611686018427387904,4,0]}]}"#,
             ["tensor 'x' of shape [4611686018427387904, 4, 0] is too large"]),
        Case("shape not integers", #"{"op":"run","device":"d","tensors":[{"name":"x","shape":[1.5]}]}"#,
             ["a value does not fit its field"]),
        Case("tensor without shape", #"{"op":"run","device":"d","tensors":[{"name":"x"}]}"#,
             ["metadata lacks the field 'shape'"]),
        Case("duplicate tensor name", #"{"op":"run","device":"d","tensors":[\#(theta2),\#(theta2)]}"#,
             payload: floatBytes([1, 2, 3, 4]), ["tensor 'theta' appears twice"]),
        Case("duplicate x", #"{"op":"run","device":"d","tensors":[{"name":"x","shape":[1,1]},{"name":"x","shape":[1,1]}]}"#,
             payload: floatBytes([1, 2]), ["tensor 'x' appears twice"]),
        Case("tensors on listDevices", #"{"op":"listDevices","tensors":[{"name":"x","shape":[1]}]}"#, payload: floatBytes([1]),
             ["operation 'listDevices' takes no tensors"]),
        Case("payload on status", #"{"op":"status"}"#, payload: [1, 2, 3, 4], ["operation 'status' takes no tensors"]),
        Case("payload on calibrate", #"{"op":"calibrate","device":"d","samples":2}"#, payload: [0, 0, 0, 0],
             ["operation 'calibrate' takes no tensors"]),
        Case("calibrate samples 0", #"{"op":"calibrate","device":"d","samples":0}"#, ["calibrate needs 'samples' ≥ 1"]),
        Case("calibrate samples negative", #"{"op":"calibrate","device":"d","samples":-4}"#, ["calibrate needs 'samples' ≥ 1"]),
        Case("calibrate without samples", #"{"op":"calibrate","device":"d"}"#, ["calibrate needs 'samples' ≥ 1"]),
        Case("calibrate samples as a string", #"{"op":"calibrate","device":"d","samples":"8"}"#,
             ["metadata field 'samples' has the wrong type"]),
        Case("deadline zero", #"{"op":"status","deadlineMs":0}"#, ["deadlineMs must be positive, got 0"]),
        Case("deadline negative", #"{"op":"run","device":"d","deadlineMs":-5}"#, ["deadlineMs must be positive, got -5"]),
        Case("deadline fractional", #"{"op":"status","deadlineMs":2.5}"#, ["a value does not fit its field"]),
        Case("seed negative", #"{"op":"calibrate","device":"d","samples":1,"seed":-1}"#,
             ["a value does not fit its field"]),
        Case("op null", #"{"op":null}"#, ["metadata field 'op' is null"]),
        Case("tensor name not a string", #"{"op":"run","device":"d","tensors":[{"name":1,"shape":[1]}]}"#,
             ["metadata field 'tensors[0].name' has the wrong type"]),
        Case("lease idle zero", #"{"op":"lease","device":"d","idleSeconds":0}"#, ["idleSeconds must be positive, got 0.0"]),
        Case("lease idle negative", #"{"op":"lease","device":"d","idleSeconds":-1}"#, ["idleSeconds must be positive"]),
        Case("hello versions not a list", #"{"op":"hello","versions":1}"#, ["metadata field 'versions' has the wrong type"]),
    ]

    @Test("rejected", arguments: cases)
    func rejected(_ c: Case) {
        let frame = Frame(kind: .request, requestID: 17, metadata: buffer(c.metadata), payload: buffer(c.payload))
        expectProtocolError(.invalidArgument, containing: c.fragments) { () throws(ProtocolError) in
            _ = try WireFormat.request(from: frame)
        }
    }

    @Test func errorsCarryTheRequestErrorCode() {
        let error = ProtocolError(.invalidArgument, "metadata lacks the field 'op'")
        #expect(error.description == "invalidArgument: metadata lacks the field 'op'")
        #expect(error.protocolError == error)
    }
}

/// Replies and events: typed → frame → typed, and the JSON a hand-written client reads.
@Suite("WireFormat: responses and events")
struct WireFormatResponseTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var op: String
        var response: Response
        var testDescription: String { op }
    }

    static let summary = DeviceSummary(name: "sim0", kind: "sim", state: .ready, inputs: 8, parameters: 16, outputs: 4,
                                       leasedByUID: nil, queueDepth: 0)
    static let leasedSummary = DeviceSummary(name: "rig1", kind: "serial", state: .busy, inputs: 1, parameters: 2, outputs: 3,
                                             leasedByUID: 1000, queueDepth: 15)
    static let info = DeviceInfo(
        name: "sim0", kind: "sim", model: "mechanical", inputs: 8, parameters: 16, outputs: 4,
        limits: DriveLimits(minimum: -1, maximum: 1, maxStep: 0.25, maxMeanPower: nil), driveOrder: "parametersFirst",
        secondsPerSample: 0.002, gap: "offset=0.01 noise=0.001", summary: "Simulated Duffing oscillator.",
        notes: ["run(x, theta): one batch", "calibrate: random probes"], state: .ready, configHash: "ab12", queueCapacity: 16)
    static let status = StatusReport(server: "pnnd 0.1", version: 1, pid: 4242, uptimeSeconds: 12.5, connections: 2,
                                     devices: [summary, leasedSummary], recordedBatches: 9, recorderBytes: 1 << 40,
                                     configHash: "ab12")
    static let runInfo = RunInfo(device: "sim0", sequence: .max, queuedSeconds: 0.001, deviceSeconds: 0.25,
                                 startedAt: 1_750_000_000.125, state: .ready, configHash: "ab12")

    static let cases: [Case] = [
        Case(op: "hello", response: .hello(HelloReply(version: 1, server: "pnnd 0.1", capabilities: ["run", "subscribe"],
                                                      maxFrameBytes: 64 << 20))),
        Case(op: "listDevices", response: .devices([summary, leasedSummary])),
        Case(op: "listDevices", response: .devices([])),
        Case(op: "describe", response: .description(info)),
        Case(op: "describe", response: .description(DeviceInfo(
            name: "t", kind: "test", model: nil, inputs: 0, parameters: 0, outputs: 0, limits: DriveLimits(minimum: 0, maximum: 0),
            driveOrder: "inputsFirst", secondsPerSample: nil, gap: "", summary: "", notes: [], state: .faulted,
            configHash: "", queueCapacity: 1))),
        Case(op: "lease", response: .leased(LeaseGrant(device: "sim0", idleSeconds: 300))),
        Case(op: "release", response: .released(device: "sim0")),
        Case(op: "run", response: .ran(runInfo, output: sampleTensor([4, 4], seed: 5))),
        Case(op: "run", response: .ran(runInfo, output: Tensor<Float>.zeros([0, 4]))),
        Case(op: "calibrate", response: .calibrated(
            CalibrationInfo(device: "sim0", samples: 3, sequences: [7, 8], seed: 12),
            input: sampleTensor([3, 8], seed: 1), parameters: sampleTensor([3, 16], seed: 2), output: sampleTensor([3, 4], seed: 3))),
        Case(op: "status", response: .status(status)),
        Case(op: "metrics", response: .metrics("# TYPE pnn_requests_total counter\npnn_requests_total{device=\"sim0\"} 3\n")),
        Case(op: "metrics", response: .metrics("")),
        Case(op: "subscribe", response: .subscribed),
    ] + ErrorCode.allCases.map {
        Case(op: "run", response: .failure(ProtocolError($0, "something about \($0.rawValue) — “quoted”\nsecond line")))
    }

    @Test("round trip", arguments: cases)
    func roundTrip(_ c: Case) throws {
        let frame = WireFormat.frame(for: c.response, id: 31, op: c.op, allocator: allocator)
        #expect(frame.kind == .response)
        #expect(frame.requestID == 31)
        let decoded = try WireFormat.response(from: Frame(body: buffer(body(frame))))
        #expect(decoded == c.response)
        switch (c.response, decoded) {
        case (.ran(_, let y), .ran(_, let y2)):
            expectBitExact(y2, y)
            #expect(bytes(frame.payload) == floatBytes(y.scalars))
        case (.calibrated(_, let x, let theta, let y), .calibrated(_, let x2, let theta2, let y2)):
            expectBitExact(x2, x)
            expectBitExact(theta2, theta)
            expectBitExact(y2, y)
            #expect(bytes(frame.payload) == floatBytes(x.scalars + theta.scalars + y.scalars))
        default:
            #expect(frame.payload.readableBytes == 0)
        }
    }

    @Test func everyResponseShapeIsCovered() {
        let ops = Set(Self.cases.map(\.op))
        #expect(ops == Set(Request.operations))
    }

    @Test func runOutputIsBitExactIncludingNonFiniteValues() throws {
        let y = Tensor<Float>(uncheckedRows: awkwardFloats, columns: 2)
        let frame = WireFormat.frame(for: .ran(Self.runInfo, output: y), id: 1, op: "run", allocator: allocator)
        guard case .ran(_, let y2) = try WireFormat.response(from: frame) else {
            Issue.record("not a run reply")
            return
        }
        expectBitExact(y2, y)
    }

    @Test func errorReplyIsTheDocumentedJSON() {
        let frame = WireFormat.frame(for: .failure(ProtocolError(.notFound, "no device named 'sim9'; devices: sim0")), id: 4, op: "describe",
                                     allocator: allocator)
        #expect(text(frame.metadata) == #"{"error":{"code":"notFound","message":"no device named 'sim9'; devices: sim0"},"ok":false,"op":"describe"}"#)
        #expect(frame.payload.readableBytes == 0)
    }

    @Test func runReplyIsTheDocumentedJSON() {
        let info = RunInfo(device: "sim0", sequence: 17, queuedSeconds: 0.5, deviceSeconds: 0.25, startedAt: 1_750_000_000.5,
                           state: .ready, configHash: "ab12")
        let frame = WireFormat.frame(for: .ran(info, output: Tensor(uncheckedRows: [1, 2], columns: 1)), id: 2, op: "run",
                                     allocator: allocator)
        #expect(text(frame.metadata) == #"{"ok":true,"op":"run","run":{"configHash":"ab12","device":"sim0","deviceSeconds":0.25,"queuedSeconds":0.5,"sequence":17,"startedAt":1750000000.5,"state":"ready"},"tensors":[{"name":"y","shape":[2,1]}]}"#)
        #expect(bytes(frame.payload) == floatBytes([1, 2]))
    }

    @Test func successRepliesNameTheirFields() {
        func json(_ response: Response, _ op: String) -> String {
            text(WireFormat.frame(for: response, id: 1, op: op, allocator: allocator).metadata)
        }
        #expect(json(.hello(HelloReply(version: 1, server: "pnnd", capabilities: ["subscribe"], maxFrameBytes: 1024)), "hello")
            == #"{"hello":{"capabilities":["subscribe"],"maxFrameBytes":1024,"server":"pnnd","version":1},"ok":true,"op":"hello"}"#)
        #expect(json(.leased(LeaseGrant(device: "d", idleSeconds: 300)), "lease")
            == #"{"lease":{"device":"d","idleSeconds":300},"ok":true,"op":"lease"}"#)
        #expect(json(.released(device: "d"), "release") == #"{"ok":true,"op":"release","released":"d"}"#)
        #expect(json(.metrics("a 1\n"), "metrics") == #"{"metrics":"a 1\n","ok":true,"op":"metrics"}"#)
        #expect(json(.subscribed, "subscribe") == #"{"ok":true,"op":"subscribe"}"#)
        #expect(json(.devices([Self.leasedSummary]), "listDevices")
            == #"{"devices":[{"inputs":1,"kind":"serial","leasedByUID":1000,"name":"rig1","outputs":3,"parameters":2,"queueDepth":15,"state":"busy"}],"ok":true,"op":"listDevices"}"#)
        #expect(json(.calibrated(CalibrationInfo(device: "d", samples: 1, sequences: [4], seed: 9),
                                 input: Tensor(rowVector: [1]), parameters: Tensor(rowVector: [2]), output: Tensor(rowVector: [3])),
                     "calibrate")
            == #"{"calibration":{"device":"d","samples":1,"seed":9,"sequences":[4]},"ok":true,"op":"calibrate","tensors":[{"name":"x","shape":[1,1]},{"name":"theta","shape":[1,1]},{"name":"y","shape":[1,1]}]}"#)
    }

    @Test func errorCodesAreStable() {
        #expect(ErrorCode.allCases.map(\.rawValue) == [
            "invalidArgument", "outOfRange", "notFound", "resourceExhausted", "deadlineExceeded", "unavailable",
            "permissionDenied", "failedPrecondition", "cancelled", "internal",
        ])
    }

    @Test func malformedReplies() throws {
        func decode(_ json: String, payload: [UInt8] = []) throws(ProtocolError) -> Response {
            try WireFormat.response(from: Frame(kind: .response, requestID: 1, metadata: buffer(json), payload: buffer(payload)))
        }
        #expect(try decode(#"{"ok":false,"op":"run"}"#) == .failure(ProtocolError(.internal, "error reply without an error")))
        // A code this build does not know (a newer daemon's) reads as internal, keeping its message.
        #expect(try decode(#"{"ok":false,"op":"run","error":{"code":"busy","message":"device busy"}}"#)
            == .failure(ProtocolError(.internal, "device busy")))
        expectProtocolError(.invalidArgument, containing: ["metadata field 'devices[0].state' has an invalid value"]) { () throws(ProtocolError) in
            _ = try decode(#"{"ok":true,"op":"listDevices","devices":[{"inputs":1,"kind":"k","name":"n","outputs":1,"parameters":1,"queueDepth":0,"state":"melting"}]}"#)
        }
        expectProtocolError(.internal, containing: ["'run' reply lacks 'run' or tensor 'y'"]) { () throws(ProtocolError) in
            _ = try decode(#"{"ok":true,"op":"run","run":{"configHash":"","device":"d","deviceSeconds":0,"queuedSeconds":0,"sequence":1,"startedAt":0,"state":"ready"}}"#)
        }
        expectProtocolError(.internal, containing: ["'hello' reply lacks 'hello'"]) { () throws(ProtocolError) in
            _ = try decode(#"{"ok":true,"op":"hello"}"#)
        }
        expectProtocolError(.internal, containing: ["reply to unknown operation 'explode'"]) { () throws(ProtocolError) in
            _ = try decode(#"{"ok":true,"op":"explode"}"#)
        }
        expectProtocolError(.invalidArgument, containing: ["metadata lacks the field 'ok'"]) { () throws(ProtocolError) in
            _ = try decode(#"{"op":"status"}"#)
        }
        expectProtocolError(.invalidArgument, containing: ["payload has 4 bytes beyond the 0"]) { () throws(ProtocolError) in
            _ = try decode(#"{"ok":true,"op":"subscribe"}"#, payload: [0, 0, 0, 0])
        }
    }

    @Test("events round trip", arguments: DeviceEvent.Kind.allCases)
    func eventRoundTrip(kind: DeviceEvent.Kind) throws {
        let event = DeviceEvent(device: "sim0", kind: kind, message: "state changed: \(kind.rawValue)", time: 1_750_000_000.25)
        let frame = WireFormat.frame(for: event, subscription: 12, allocator: allocator)
        #expect(frame.kind == .event)
        #expect(frame.requestID == 12)
        #expect(frame.payload.readableBytes == 0)
        #expect(try WireFormat.event(from: Frame(body: buffer(body(frame)))) == event)
    }

    @Test func eventIsTheDocumentedJSON() throws {
        let event = DeviceEvent(device: "rig1", kind: .fault, message: "scope timeout", time: 1_750_000_000.5)
        let frame = WireFormat.frame(for: event, subscription: 5, allocator: allocator)
        #expect(text(frame.metadata) == #"{"event":{"device":"rig1","kind":"fault","message":"scope timeout","time":1750000000.5}}"#)
        expectProtocolError(.invalidArgument, containing: ["metadata lacks the field 'event'"]) { () throws(ProtocolError) in
            _ = try WireFormat.event(from: Frame(kind: .event, requestID: 5, metadata: buffer("{}"), payload: buffer([])))
        }
    }
}
