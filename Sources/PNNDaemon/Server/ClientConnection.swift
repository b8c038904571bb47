import NIOCore
import PNNProtocol

/// One connected client: its identity (from SO_PEERCRED), what it may do, and how to reach it.
final class ClientConnection: Sendable {
    let id: ConnectionID
    let uid: UInt32
    let gid: UInt32
    let pid: Int32
    /// May run, lease, release and calibrate (decided once at accept time from the access policy).
    let mayDriveDevices: Bool
    private let channel: any Channel

    init(id: ConnectionID, uid: UInt32, gid: UInt32, pid: Int32, mayDriveDevices: Bool, channel: any Channel) {
        self.id = id
        self.uid = uid
        self.gid = gid
        self.pid = pid
        self.mayDriveDevices = mayDriveDevices
        self.channel = channel
    }

    var allocator: ByteBufferAllocator { channel.allocator }

    /// Sends a frame; silently dropped when the client has gone (its work was cancelled with it).
    func send(_ frame: Frame) {
        if frame.payload.readableBytes >= FreedMemory.largeFrameBytes {
            FreedMemory.noteLargeFrame(on: channel.eventLoop)
        }
        channel.writeAndFlush(frame, promise: nil)
    }

    func close() {
        channel.close(promise: nil)
    }
}
