import NIOCore

/// What a frame carries.
public enum FrameKind: UInt8, Sendable, CaseIterable {
    /// Client → daemon: an operation.
    case request = 1
    /// Daemon → client: the answer to the request with the same id.
    case response = 2
    /// Daemon → client: a device event for the subscription with the same id.
    case event = 3
    /// Client → daemon: cancel the request with the same id (no metadata, no payload).
    case cancel = 4
}

/// One protocol frame, without its length prefix.
///
///     offset  size  field
///          0     4  magic "PNN1" (0x50 0x4E 0x4E 0x31)
///          4     1  protocol version (1)
///          5     1  kind (FrameKind)
///          6     2  reserved, 0
///          8     8  request id, u64 little-endian
///         16     4  metadata length m, u32 little-endian
///         20     4  payload length p, u32 little-endian
///         24     m  metadata: UTF-8 JSON
///       24+m     p  payload: raw little-endian Float32 tensors, in the order the metadata lists them
///
/// On the stream every frame is preceded by its length (24 + m + p) as a u32 little-endian
/// (the wire format of swift-nio-extras' 32-bit little-endian length-field codec; see
/// `FrameDecoder` and `FrameCodecHandler` for why pnn implements it itself).
public struct Frame: Sendable, Equatable {
    public static let magic: [UInt8] = [0x50, 0x4E, 0x4E, 0x31]
    /// `magic` read as a big-endian u32.
    static let magicValue: UInt32 = 0x504E_4E31
    public static let headerBytes = 24
    /// Protocol version this build speaks.
    public static let version: UInt8 = 1

    public var kind: FrameKind
    public var requestID: UInt64
    public var metadata: ByteBuffer
    public var payload: ByteBuffer

    public init(kind: FrameKind, requestID: UInt64, metadata: ByteBuffer, payload: ByteBuffer) {
        self.kind = kind
        self.requestID = requestID
        self.metadata = metadata
        self.payload = payload
    }

    /// Bytes this frame occupies after its length prefix.
    public var encodedLength: Int { Self.headerBytes + metadata.readableBytes + payload.readableBytes }

    /// Appends header, metadata and payload to `buffer` (no length prefix).
    public func write(to buffer: inout ByteBuffer) {
        buffer.reserveCapacity(minimumWritableBytes: encodedLength)
        writeHeaderAndMetadata(to: &buffer)
        var payload = payload
        buffer.writeBuffer(&payload)
    }

    /// Appends the frame as it goes on the stream: its u32-LE length prefix, then `write(to:)`. For
    /// bytes sent past the framing pipeline (a refused connection, raw test and benchmark loops).
    public func writeLengthPrefixed(to buffer: inout ByteBuffer) {
        buffer.reserveCapacity(minimumWritableBytes: 4 + encodedLength)
        buffer.writeInteger(UInt32(encodedLength), endianness: .little)
        write(to: &buffer)
    }

    /// Appends the 24-byte header and the metadata (everything but the payload).
    public func writeHeaderAndMetadata(to buffer: inout ByteBuffer) {
        Self.writeHeader(kind: kind, requestID: requestID, metadataLength: metadata.readableBytes,
                         payloadLength: payload.readableBytes, to: &buffer)
        var metadata = metadata
        buffer.writeBuffer(&metadata)
    }

    /// Appends a 24-byte header, for a writer that sends metadata and payload from elsewhere.
    public static func writeHeader(kind: FrameKind, requestID: UInt64, metadataLength: Int, payloadLength: Int,
                                   to buffer: inout ByteBuffer) {
        buffer.writeInteger(magicValue, endianness: .big)
        buffer.writeInteger(version)
        buffer.writeInteger(kind.rawValue)
        buffer.writeInteger(UInt16(0), endianness: .little)
        buffer.writeInteger(requestID, endianness: .little)
        buffer.writeInteger(UInt32(metadataLength), endianness: .little)
        buffer.writeInteger(UInt32(payloadLength), endianness: .little)
    }

    /// Parses one frame body (everything after the length prefix). Metadata and payload are slices of
    /// `body`, not copies.
    public init(body: ByteBuffer) throws(FrameError) {
        var body = body
        let header = try Header(parsing: body, bodyLength: body.readableBytes)
        body.moveReaderIndex(forwardBy: Self.headerBytes)
        guard let metadata = body.readSlice(length: header.metadataLength),
              let payload = body.readSlice(length: header.payloadLength)
        else {
            throw FrameError("truncated frame body")
        }
        self.init(kind: header.kind, requestID: header.requestID, metadata: metadata, payload: payload)
    }

    /// The 24-byte header of a frame, checked against the body length its prefix announced; lets a
    /// reader learn the metadata and payload sizes before the body has arrived.
    public struct Header: Sendable, Equatable {
        public var kind: FrameKind
        public var requestID: UInt64
        public var metadataLength: Int
        public var payloadLength: Int

        /// Parses the header at the start of `bytes` (which may hold only the header) of a body of
        /// `bodyLength` bytes.
        public init(parsing bytes: ByteBuffer, bodyLength: Int) throws(FrameError) {
            var bytes = bytes
            guard bodyLength >= Frame.headerBytes else {
                throw FrameError("frame of \(bodyLength) bytes is shorter than the \(Frame.headerBytes)-byte header")
            }
            // Compared as one integer: `readBytes` would allocate an array per frame.
            guard let magic = bytes.readInteger(endianness: .big, as: UInt32.self) else {
                throw FrameError("truncated frame header")
            }
            guard magic == Frame.magicValue else {
                throw FrameError("bad magic: not a pnn protocol frame")
            }
            guard let version = bytes.readInteger(as: UInt8.self),
                  let rawKind = bytes.readInteger(as: UInt8.self),
                  let _ = bytes.readInteger(endianness: .little, as: UInt16.self),
                  let id = bytes.readInteger(endianness: .little, as: UInt64.self),
                  let metadataLength = bytes.readInteger(endianness: .little, as: UInt32.self),
                  let payloadLength = bytes.readInteger(endianness: .little, as: UInt32.self)
            else {
                throw FrameError("truncated frame header")
            }
            guard version == Frame.version else {
                throw FrameError("unsupported protocol version \(version); this daemon speaks version \(Frame.version)")
            }
            guard let kind = FrameKind(rawValue: rawKind) else {
                throw FrameError("unknown frame kind \(rawKind)")
            }
            let body = bodyLength - Frame.headerBytes
            guard Int(metadataLength) + Int(payloadLength) == body else {
                throw FrameError("frame lengths disagree: header says \(metadataLength) + \(payloadLength) bytes, frame holds \(body)")
            }
            self.kind = kind
            self.requestID = id
            self.metadataLength = Int(metadataLength)
            self.payloadLength = Int(payloadLength)
        }
    }
}

/// A frame that cannot be parsed: the stream can no longer be trusted, so the connection is closed
/// after an error reply.
public struct FrameError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
