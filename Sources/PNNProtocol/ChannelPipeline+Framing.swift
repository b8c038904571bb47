import NIOCore
import NIOExtras

extension ChannelPipeline.SynchronousOperations {
    /// Adds the pnn framing stack: u32-LE length prefix (`FrameDecoder` in, swift-nio-extras'
    /// `LengthFieldPrepender` out) + `FrameCodecHandler`.
    ///
    /// `maxFrameBytes` caps one frame body (after the prefix); a larger frame fails the channel with
    /// `ByteToMessageDecoderError.PayloadTooLargeError` as soon as its length prefix is read.
    public func addPNNFraming(maxFrameBytes: Int) throws {
        try addHandler(ByteToMessageHandler(FrameDecoder(maxFrameBytes: maxFrameBytes)))
        try addHandler(LengthFieldPrepender(lengthFieldBitLength: .thirtyTwoBits, lengthFieldEndianness: .little))
        try addHandler(FrameCodecHandler())
    }
}
