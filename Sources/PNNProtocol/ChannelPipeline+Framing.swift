import NIOCore

extension ChannelPipeline.SynchronousOperations {
    /// Adds the pnn framing stack: `FrameDecoder` (u32-LE length prefix, size cap) in, and
    /// `FrameCodecHandler` (frames ↔ bodies; writes the prefix itself) both ways.
    ///
    /// `maxFrameBytes` caps one frame body (after the prefix); a larger frame fails the channel with
    /// `ByteToMessageDecoderError.PayloadTooLargeError` as soon as its length prefix is read.
    public func addPNNFraming(maxFrameBytes: Int) throws {
        try addHandler(ByteToMessageHandler(FrameDecoder(maxFrameBytes: maxFrameBytes)))
        try addHandler(FrameCodecHandler())
    }
}
