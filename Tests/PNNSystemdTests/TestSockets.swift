#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Testing
@testable import PNNSystemd

/// Small socket helpers for the tests; every descriptor they return must be closed by the caller.
enum TestSockets {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// A unique name for this process and call, usable as a path suffix or abstract name.
    static func uniqueName(_ prefix: String) -> String {
        "\(prefix)-\(getpid())-\(UInt64.random(in: 0 ... UInt64.max))"
    }

    /// A fresh temporary directory (removed by `removeDirectory`).
    static func temporaryDirectory() throws -> String {
        var template = Array("/tmp/pnn-systemd-test.XXXXXX".utf8CString)
        let created = template.withUnsafeMutableBufferPointer { buffer in
            buffer.baseAddress.flatMap { mkdtemp($0) }
        }
        guard let result = created else {
            throw Failure(description: "mkdtemp failed: errno \(errno)")
        }
        return String(cString: result)
    }

    static func removeDirectory(_ path: String, files: [String] = []) {
        for file in files { _ = unlink(path + "/" + file) }
        _ = rmdir(path)
    }

    /// A socket of `type` bound to `address` (systemd notation: `/path` or `@abstract`).
    static func bound(_ type: SocketType, at address: String, listening: Bool = false) throws -> CInt {
        guard let parsed = UnixSocketAddress(systemdNotation: address) else {
            throw Failure(description: "bad test address \(address)")
        }
        let fileDescriptor = socket(AF_UNIX, type.rawValue | CInt(SOCK_CLOEXEC.rawValue), 0)
        guard fileDescriptor >= 0 else { throw Failure(description: "socket: errno \(errno)") }
        let result = parsed.withSockAddr { bind(fileDescriptor, $0, $1) }
        guard result == 0 else {
            let code = errno
            close(fileDescriptor)
            throw Failure(description: "bind \(address): errno \(code)")
        }
        if listening, listen(fileDescriptor, 4) != 0 {
            close(fileDescriptor)
            throw Failure(description: "listen: errno \(errno)")
        }
        return fileDescriptor
    }

    /// Receives one datagram, waiting at most `timeoutMilliseconds`.
    static func receive(_ fileDescriptor: CInt, timeoutMilliseconds: CInt = 2_000) throws -> String {
        var poller = pollfd(fd: fileDescriptor, events: Int16(POLLIN), revents: 0)
        guard poll(&poller, 1, timeoutMilliseconds) == 1 else {
            throw Failure(description: "no datagram within \(timeoutMilliseconds) ms")
        }
        var buffer = [UInt8](repeating: 0, count: 4_096)
        let count = buffer.withUnsafeMutableBytes { recv(fileDescriptor, $0.baseAddress, $0.count, 0) }
        guard count >= 0 else { throw Failure(description: "recv: errno \(errno)") }
        return String(decoding: buffer.prefix(count), as: UTF8.self)
    }

    /// Two free descriptor numbers `n, n+1` at or above `minimum`, found by probing with fcntl.
    static func freeDescriptorPair(atOrAbove minimum: CInt) throws -> CInt {
        var candidate = minimum
        while candidate < minimum + 200 {
            if fcntl(candidate, F_GETFD) == -1, fcntl(candidate + 1, F_GETFD) == -1 { return candidate }
            candidate += 2
        }
        throw Failure(description: "no two free descriptors above \(minimum)")
    }
}
