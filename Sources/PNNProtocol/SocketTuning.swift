import NIOCore

/// Socket settings pnnd and both clients use, so that a 1 MiB batch crosses the socket in one piece.
///
/// With Linux's default send buffer (~208 KiB) a 1 MiB frame leaves in five or more pieces, each one a
/// wake-up of the reader; and a frame that arrives in several reads is copied together in the framing
/// decoder's buffer. A send buffer that holds a whole batch, and reads of up to 2 MiB, let the usual
/// 1 MiB batch arrive with one read and no copy. The kernel only uses send-buffer memory for data
/// actually queued; the receive buffer is per connection and shrinks again after small reads.
/// `pnn-bench protocol` gives its raw baseline the same send buffer, so the comparison stays fair.
public enum SocketTuning {
    /// `SO_SNDBUF` requested on every pnn connection (the kernel doubles it, up to `wmem_max`).
    public static let sendBufferBytes = 2 << 20
    /// Largest single read into a connection's receive buffer (NIO's default is 64 KiB).
    public static let maximumReadBytes = 2 << 20

    /// The receive allocator of every NIO channel that carries pnn frames: small requests start in small
    /// buffers, and reads grow to `maximumReadBytes` for large batches.
    public static var receiveAllocator: AdaptiveRecvByteBufferAllocator {
        AdaptiveRecvByteBufferAllocator(minimum: 1024, initial: 16_384, maximum: maximumReadBytes)
    }

    /// `sendBufferBytes` as a NIO socket option value.
    public static var sendBuffer: SocketOptionValue { SocketOptionValue(sendBufferBytes) }
}
