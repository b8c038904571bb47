#if canImport(Glibc)
import Glibc
#endif
import Foundation
import PNNProtocol
import Synchronization

/// The baseline for `pnn-bench protocol`: a plain blocking Unix-socket ping-pong between two threads of
/// this process — the best any protocol over the same socket could do on this machine.
final class RawSocketPingPong: @unchecked Sendable {
    private let path: String
    private let listener: Int32
    private var serverThread: Thread?
    /// Where the echo thread runs while it serves the next connection (nil: wherever it is).
    private let serverCPUs = Mutex<[Int]?>(nil)

    init(path: String) throws {
        self.path = path
        unlink(path)
        listener = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = Self.address(path)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard listener >= 0, bound == 0, listen(listener, 4) == 0 else {
            throw BenchError("cannot listen on \(path): \(String(cString: strerror(errno)))")
        }
        let listening = listener
        // Echo server: reads a u32-length-prefixed message and sends it straight back.
        serverThread = Thread { [self] in
            while true {
                let client = accept(listening, nil, nil)
                if client < 0 { return }
                Self.setSendBuffer(client)
                if let cpus = self.serverCPUs.withLock({ $0 }) { CPUAffinity.pin(thread: 0, to: cpus) }
                var buffer = [UInt8](repeating: 0, count: 4 << 20)
                while Self.readMessage(client, into: &buffer) > 0 {
                    let length = Int(UInt32(buffer[0]) | UInt32(buffer[1]) << 8 | UInt32(buffer[2]) << 16 | UInt32(buffer[3]) << 24)
                    guard Self.writeAll(client, buffer, count: 4 + length) else { break }
                }
                close(client)
            }
        }
        serverThread?.start()
    }

    func shutdown() {
        Glibc.shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
        unlink(path)
    }

    /// A connected client end; `serverCPUs` places the echo thread that serves it.
    func connect(serverCPUs cpus: [Int]? = nil) throws -> Int32 {
        serverCPUs.withLock { $0 = cpus }
        return try Self.connect(path: path)
    }

    /// A blocking client socket connected to any stream socket at `path` (pnnd, the NIO echo).
    static func connect(path: String) throws -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        setSendBuffer(fd)
        var address = address(path)
        let status = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard fd >= 0, status == 0 else {
            if fd >= 0 { close(fd) }
            throw BenchError("cannot connect to \(path)")
        }
        return fd
    }

    /// The send buffer pnnd and its clients ask for (SocketTuning), so the baseline is not handicapped.
    static func setSendBuffer(_ fd: Int32) {
        var bytes = Int32(SocketTuning.sendBufferBytes)
        _ = setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &bytes, socklen_t(MemoryLayout<Int32>.size))
    }

    /// One round trip of a `payloadBytes` message (plus its 4-byte length).
    static func roundTrip(_ fd: Int32, message: [UInt8], scratch: inout [UInt8]) -> Bool {
        exchange(fd, message: message, scratch: &scratch) == message.count
    }

    /// Sends `message` (length prefix included) and reads one length-prefixed reply of any size; returns
    /// the reply's size with its prefix (0 on failure). For frames whose reply differs from the request.
    static func exchange(_ fd: Int32, message: [UInt8], scratch: inout [UInt8]) -> Int {
        guard writeAll(fd, message, count: message.count) else { return 0 }
        return readMessage(fd, into: &scratch)
    }

    static func message(payloadBytes: Int) -> [UInt8] {
        let n = UInt32(payloadBytes)
        return [UInt8(n & 0xFF), UInt8(n >> 8 & 0xFF), UInt8(n >> 16 & 0xFF), UInt8(n >> 24)]
            + [UInt8](repeating: 7, count: payloadBytes)
    }

    private static func address(_ path: String) -> sockaddr_un {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, byte) in path.utf8.prefix(raw.count - 1).enumerated() { raw[i] = byte }
        }
        return address
    }

    /// Reads one length-prefixed message; returns its total size (0 on EOF or error).
    private static func readMessage(_ fd: Int32, into buffer: inout [UInt8]) -> Int {
        guard readExactly(fd, &buffer, offset: 0, count: 4) else { return 0 }
        let length = Int(UInt32(buffer[0]) | UInt32(buffer[1]) << 8 | UInt32(buffer[2]) << 16 | UInt32(buffer[3]) << 24)
        if buffer.count < 4 + length { buffer += [UInt8](repeating: 0, count: 4 + length - buffer.count) }
        guard readExactly(fd, &buffer, offset: 4, count: length) else { return 0 }
        return 4 + length
    }

    private static func readExactly(_ fd: Int32, _ buffer: inout [UInt8], offset: Int, count: Int) -> Bool {
        var done = 0
        while done < count {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress! + offset + done, count - done) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return false }
            done += n
        }
        return true
    }

    private static func writeAll(_ fd: Int32, _ buffer: [UInt8], count: Int) -> Bool {
        var done = 0
        while done < count {
            let n = buffer.withUnsafeBytes { write(fd, $0.baseAddress! + done, count - done) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return false }
            done += n
        }
        return true
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ message: String) { description = message }
}
