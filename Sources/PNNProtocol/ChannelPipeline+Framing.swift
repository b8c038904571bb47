import NIOCore
import NIOExtras

extension ChannelPipeline.SynchronousOperations {
    /// Adds the pnn framing stack: u32-LE length prefix (swift-nio-extras) + `FrameCodecHandler`.
    ///
    /// `maxFrameBytes` caps what the decoder will buffer for one frame; a larger frame fails the channel
    /// with `ByteToMessageDecoderError.PayloadTooLargeError` before more memory is committed.
    public func addPNNFraming(maxFrameBytes: Int) throws {
        try addHandler(ByteToMessageHandler(
            LengthFieldBasedFrameDecoder(lengthFieldBitLength: .thirtyTwoBits, lengthFieldEndianness: .little),
            maximumBufferSize: maxFrameBytes + 4))
        try addHandler(LengthFieldPrepender(lengthFieldBitLength: .thirtyTwoBits, lengthFieldEndianness: .little))
        try addHandler(FrameCodecHandler())
    }
}
