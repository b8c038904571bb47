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
    private let freedMemory: FreedMemory

    init(id: ConnectionID, uid: UInt32, gid: UInt32, pid: Int32, mayDriveDevices: Bool, channel: any Channel,
         freedMemory: FreedMemory) {
        self.id = id
        self.uid = uid
        self.gid = gid
        self.pid = pid
        self.mayDriveDevices = mayDriveDevices
        self.channel = channel
        self.freedMemory = freedMemory
    }

    var allocator: ByteBufferAllocator { channel.allocator }

    /// A frame read from the client (large ones postpone the return of their memory).
    func noteReceived(_ frame: Frame) {
        freedMemory.note(frameBytes: frame.payload.readableBytes, on: channel.eventLoop)
    }

    /// Sends a frame; silently dropped when the client has gone (its work was cancelled with it).
    func send(_ frame: Frame) {
        freedMemory.note(frameBytes: frame.payload.readableBytes, on: channel.eventLoop)
        channel.writeAndFlush(frame, promise: nil)
    }

    /// The connection is gone: its buffers are returned to the kernel shortly.
    func closed() {
        freedMemory.connectionClosed(on: channel.eventLoop)
    }

    func close() {
        channel.close(promise: nil)
    }
}
