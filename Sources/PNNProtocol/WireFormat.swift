import Foundation
import NIOCore
import NIOFoundationCompat
import PNNCore

/// JSON metadata of request and response frames, and the conversions between frames and the typed
/// `RequestEnvelope` / `Response` / `DeviceEvent`.
///
/// The metadata is one flat JSON object: `op` names the operation; fields that an operation does not
/// use are absent. docs/protocol.md documents every field.
public enum WireFormat {
    struct RequestMetadata: Codable, Equatable {
        var op: String
        var device: String?
        var deadlineMs: Int?
        var tensors: [TensorDescriptor]?
        var versions: [Int]?
        var client: String?
        var idleSeconds: Double?
        var samples: Int?
        var seed: UInt64?
        /// `run` only; absent means 1.
        var acquisitions: Int?
    }

    struct ResponseMetadata: Codable, Equatable {
        var op: String
        var ok: Bool
        var error: ProtocolError?
        var tensors: [TensorDescriptor]?
        var hello: HelloReply?
        var devices: [DeviceSummary]?
        var device: DeviceInfo?
        var lease: LeaseGrant?
        var released: String?
        var run: RunInfo?
        var calibration: CalibrationInfo?
        var status: StatusReport?
        var metrics: String?
    }

    struct EventMetadata: Codable {
        var event: DeviceEvent
    }

    private static func encodeJSON(_ value: some Encodable, allocator: ByteBufferAllocator) -> ByteBuffer {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // JSON has no NaN/Infinity: a non-finite setting (a caller's bug) travels as a string, which the
        // receiver rejects naming the field, instead of making encoding fail.
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        let data = (try? encoder.encode(value)) ?? Data("{}".utf8)
        return allocator.buffer(data: data)
    }

    private static func decodeJSON<T: Decodable>(_ type: T.Type, from buffer: ByteBuffer) throws(ProtocolError) -> T {
        do {
            return try JSONDecoder().decode(type, from: buffer)
        } catch let DecodingError.keyNotFound(key, _) {
            throw ProtocolError(.invalidArgument, "metadata lacks the field '\(key.stringValue)'")
        } catch let DecodingError.typeMismatch(_, context) where context.codingPath.isEmpty {
            throw ProtocolError(.invalidArgument, "metadata must be a JSON object")
        } catch let DecodingError.typeMismatch(_, context) {
            throw ProtocolError(.invalidArgument, "metadata field '\(fieldPath(context))' has the wrong type")
        } catch let DecodingError.valueNotFound(_, context) {
            throw ProtocolError(.invalidArgument, "metadata field '\(fieldPath(context))' is null")
        } catch let DecodingError.dataCorrupted(context) where !context.codingPath.isEmpty {
            // An unknown enum value, e.g. an error code or device state this build does not know.
            throw ProtocolError(.invalidArgument, "metadata field '\(fieldPath(context))' has an invalid value")
        } catch {
            // Foundation reports a number that does not fit its field (1.5 or -1 for a u64) as invalid JSON,
            // without a path; tell the two apart for the client's sake.
            if (try? JSONSerialization.jsonObject(with: Data(buffer.readableBytesView))) != nil {
                throw ProtocolError(.invalidArgument,
                                    "metadata is valid JSON but a value does not fit its field (a fraction or a negative number where a whole or unsigned number belongs?)")
            }
            throw ProtocolError(.invalidArgument, "metadata is not valid JSON")
        }
    }

    /// `tensors[0].shape` style path of a decoding error.
    private static func fieldPath(_ context: DecodingError.Context) -> String {
        context.codingPath.reduce(into: "") { path, key in
            if let index = key.intValue {
                path += "[\(index)]"
            } else {
                path += path.isEmpty ? key.stringValue : "." + key.stringValue
            }
        }
    }

    // MARK: Requests

    /// Encodes a request as a frame.
    public static func frame(for envelope: RequestEnvelope, allocator: ByteBufferAllocator) -> Frame {
        let (metadata, tensors) = requestParts(for: envelope, allocator: allocator)
        var payload = allocator.buffer(capacity: 4 * tensors.reduce(0) { $0 + $1.count })
        for tensor in tensors {
            tensor.scalars.withUnsafeBytes { _ = payload.writeBytes($0) }
        }
        return Frame(kind: .request, requestID: envelope.id, metadata: metadata, payload: payload)
    }

    /// A request frame's metadata, and the tensors whose raw Float32 bytes, back to back, make its
    /// payload: for a sender that writes tensors from their own memory (`PNNBlockingClient`, one
    /// `sendmsg`) instead of first copying them into a buffer as `frame(for:allocator:)` does.
    public static func requestParts(for envelope: RequestEnvelope,
                                    allocator: ByteBufferAllocator) -> (metadata: ByteBuffer, payload: [Tensor<Float>]) {
        var meta = RequestMetadata(op: envelope.request.operation, device: envelope.request.device,
                                   deadlineMs: envelope.deadlineMilliseconds)
        var payload: [Tensor<Float>] = []
        switch envelope.request {
        case .hello(let versions, let client):
            meta.versions = versions
            meta.client = client
        case .lease(_, let idle):
            meta.idleSeconds = idle
        case .run(_, let x, let theta, let acquisitions):
            meta.acquisitions = acquisitions == 1 ? nil : acquisitions
            meta.tensors = TensorPayload.descriptors(of: [("x", x), ("theta", theta)])
            payload = [x, theta]
        case .calibrate(_, let samples, let seed):
            meta.samples = samples
            meta.seed = seed
        case .listDevices, .describe, .release, .status, .metrics, .subscribe:
            break
        }
        let metadata = meta.fastJSON(allocator: allocator) ?? encodeJSON(meta, allocator: allocator)
        return (metadata, payload)
    }

    /// Decodes a request frame. Errors are request errors (`invalidArgument`): the frame itself was sound,
    /// so the connection stays open.
    public static func request(from frame: Frame) throws(ProtocolError) -> RequestEnvelope {
        let meta: RequestMetadata
        if let fast = RequestMetadata.fastDecode(frame.metadata) {
            meta = fast
        } else {
            meta = try decodeJSON(RequestMetadata.self, from: frame.metadata)
        }
        if let deadline = meta.deadlineMs, deadline <= 0 {
            throw ProtocolError(.invalidArgument, "deadlineMs must be positive, got \(deadline)")
        }
        func device() throws(ProtocolError) -> String {
            guard let name = meta.device, !name.isEmpty else {
                throw ProtocolError(.invalidArgument, "operation '\(meta.op)' needs a 'device'")
            }
            return name
        }
        func noPayload() throws(ProtocolError) {
            guard frame.payload.readableBytes == 0, (meta.tensors ?? []).isEmpty else {
                throw ProtocolError(.invalidArgument, "operation '\(meta.op)' takes no tensors")
            }
        }
        let request: Request
        switch meta.op {
        case "hello":
            try noPayload()
            request = .hello(versions: meta.versions ?? [Int(Frame.version)], client: meta.client ?? "")
        case "listDevices":
            try noPayload()
            request = .listDevices
        case "describe":
            try noPayload()
            request = .describe(device: try device())
        case "lease":
            try noPayload()
            if let idle = meta.idleSeconds, !(idle > 0 && idle.isFinite) {
                throw ProtocolError(.invalidArgument, "idleSeconds must be positive, got \(idle)")
            }
            request = .lease(device: try device(), idleSeconds: meta.idleSeconds)
        case "release":
            try noPayload()
            request = .release(device: try device())
        case "run":
            let name = try device()
            let tensors = try TensorPayload.readList(meta.tensors ?? [], from: frame.payload)
            guard let x = tensors["x"] else { throw ProtocolError(.invalidArgument, "run needs a tensor 'x'") }
            let theta = tensors["theta"] ?? Tensor<Float>([])
            guard tensors.count == (tensors["theta"] == nil ? 1 : 2) else {
                throw ProtocolError(.invalidArgument, "run takes tensors 'x' and 'theta' only")
            }
            let acquisitions = meta.acquisitions ?? 1
            guard (1 ... Request.maximumAcquisitions).contains(acquisitions) else {
                throw ProtocolError(.invalidArgument,
                                    "acquisitions must be 1…\(Request.maximumAcquisitions), got \(acquisitions)")
            }
            request = .run(device: name, input: x, parameters: theta, acquisitions: acquisitions)
        case "calibrate":
            try noPayload()
            guard let samples = meta.samples, samples >= 1 else {
                throw ProtocolError(.invalidArgument, "calibrate needs 'samples' ≥ 1")
            }
            request = .calibrate(device: try device(), samples: samples, seed: meta.seed)
        case "status":
            try noPayload()
            request = .status
        case "metrics":
            try noPayload()
            request = .metrics
        case "subscribe":
            try noPayload()
            request = .subscribe
        default:
            throw ProtocolError(.invalidArgument,
                                "unknown operation '\(meta.op)'; known: \(Request.operations.joined(separator: ", "))")
        }
        return RequestEnvelope(id: frame.requestID, deadlineMilliseconds: meta.deadlineMs, request: request)
    }

    /// The operation name of a request frame whose metadata could not be decoded fully (for error replies).
    public static func operationName(of frame: Frame) -> String {
        (try? JSONDecoder().decode(OpOnly.self, from: frame.metadata))?.op ?? "unknown"
    }

    private struct OpOnly: Decodable { var op: String }

    // MARK: Responses

    /// Encodes a response to the request with id `id` and operation `op`.
    public static func frame(for response: Response, id: UInt64, op: String, allocator: ByteBufferAllocator) -> Frame {
        var meta = ResponseMetadata(op: op, ok: true)
        var payload = allocator.buffer(capacity: 0)
        switch response {
        case .hello(let reply): meta.hello = reply
        case .devices(let list): meta.devices = list
        case .description(let info): meta.device = info
        case .leased(let grant): meta.lease = grant
        case .released(let device): meta.released = device
        case .ran(let info, let y):
            meta.run = info
            payload = allocator.buffer(capacity: y.count * 4)
            meta.tensors = TensorPayload.write([("y", y)], to: &payload)
        case .calibrated(let info, let x, let theta, let y):
            meta.calibration = info
            meta.tensors = TensorPayload.write([("x", x), ("theta", theta), ("y", y)], to: &payload)
        case .status(let report): meta.status = report
        case .metrics(let text): meta.metrics = text
        case .subscribed: break
        case .failure(let error):
            meta.ok = false
            meta.error = error
        }
        let metadata = meta.fastJSON(allocator: allocator) ?? encodeJSON(meta, allocator: allocator)
        return Frame(kind: .response, requestID: id, metadata: metadata, payload: payload)
    }

    /// Decodes a response frame.
    public static func response(from frame: Frame) throws(ProtocolError) -> Response {
        try response(metadata: frame.metadata) { descriptors throws(ProtocolError) in
            try TensorPayload.readList(descriptors, from: frame.payload)
        }
    }

    /// Decodes a response whose payload was read straight into Float32 values (`PNNBlockingClient`
    /// receives large payloads that way, without an intermediate buffer); same checks and errors as
    /// `response(from:)`.
    public static func response(metadata: ByteBuffer, payloadScalars: [Float]) throws(ProtocolError) -> Response {
        try response(metadata: metadata) { descriptors throws(ProtocolError) in
            try TensorPayload.readList(descriptors, fromScalars: payloadScalars)
        }
    }

    private static func response(metadata: ByteBuffer,
                                 tensors readTensors: ([TensorDescriptor]) throws(ProtocolError) -> TensorPayload.Tensors)
        throws(ProtocolError) -> Response
    {
        let meta: ResponseMetadata
        if let fast = ResponseMetadata.fastDecode(metadata) {
            meta = fast
        } else {
            meta = try decodeJSON(ResponseMetadata.self, from: metadata)
        }
        if !meta.ok {
            return .failure(meta.error ?? ProtocolError(.internal, "error reply without an error"))
        }
        let tensors = try readTensors(meta.tensors ?? [])
        func missing(_ what: String) -> ProtocolError {
            ProtocolError(.internal, "'\(meta.op)' reply lacks \(what)")
        }
        switch meta.op {
        case "hello":
            guard let reply = meta.hello else { throw missing("'hello'") }
            return .hello(reply)
        case "listDevices":
            return .devices(meta.devices ?? [])
        case "describe":
            guard let info = meta.device else { throw missing("'device'") }
            return .description(info)
        case "lease":
            guard let grant = meta.lease else { throw missing("'lease'") }
            return .leased(grant)
        case "release":
            return .released(device: meta.released ?? "")
        case "run":
            guard let info = meta.run, let y = tensors["y"] else { throw missing("'run' or tensor 'y'") }
            return .ran(info, output: y)
        case "calibrate":
            guard let info = meta.calibration, let x = tensors["x"], let theta = tensors["theta"], let y = tensors["y"] else {
                throw missing("'calibration' or its tensors")
            }
            return .calibrated(info, input: x, parameters: theta, output: y)
        case "status":
            guard let report = meta.status else { throw missing("'status'") }
            return .status(report)
        case "metrics":
            return .metrics(meta.metrics ?? "")
        case "subscribe":
            return .subscribed
        default:
            throw ProtocolError(.internal, "reply to unknown operation '\(meta.op)'")
        }
    }

    // MARK: Events

    public static func frame(for event: DeviceEvent, subscription id: UInt64, allocator: ByteBufferAllocator) -> Frame {
        Frame(kind: .event, requestID: id, metadata: encodeJSON(EventMetadata(event: event), allocator: allocator),
              payload: allocator.buffer(capacity: 0))
    }

    public static func event(from frame: Frame) throws(ProtocolError) -> DeviceEvent {
        try decodeJSON(EventMetadata.self, from: frame.metadata).event
    }

    /// A cancel frame for request `id`.
    public static func cancelFrame(for id: UInt64, allocator: ByteBufferAllocator) -> Frame {
        Frame(kind: .cancel, requestID: id, metadata: allocator.buffer(capacity: 0), payload: allocator.buffer(capacity: 0))
    }
}
