#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Testing
@testable import PNNSystemd

@Suite("PeerCredentials")
struct PeerCredentialsTests {
    @Test("SO_PEERCRED over a socketpair reports our own pid, uid and gid")
    func socketPair() throws {
        var ends: [CInt] = [-1, -1]
        #expect(socketpair(AF_UNIX, CInt(SOCK_STREAM.rawValue) | CInt(SOCK_CLOEXEC.rawValue), 0, &ends) == 0)
        defer { close(ends[0]); close(ends[1]) }
        for end in ends {
            let credentials = try PeerCredentials.of(fileDescriptor: end)
            #expect(credentials == PeerCredentials(pid: getpid(), uid: geteuid(), gid: getegid()))
            #expect(credentials == .current)
        }
    }

    @Test("an accepted connection on a listening socket reports the connecting process")
    func acceptedConnection() throws {
        let name = "@" + TestSockets.uniqueName("pnn-peercred")
        let listener = try TestSockets.bound(.stream, at: name, listening: true)
        defer { close(listener) }
        let client = socket(AF_UNIX, CInt(SOCK_STREAM.rawValue) | CInt(SOCK_CLOEXEC.rawValue), 0)
        defer { close(client) }
        let address = try #require(UnixSocketAddress(systemdNotation: name))
        #expect(address.withSockAddr { connect(client, $0, $1) } == 0)
        let connection = accept(listener, nil, nil)
        #expect(connection >= 0)
        defer { close(connection) }
        #expect(try PeerCredentials.of(fileDescriptor: connection) == .current)
    }

    @Test("a descriptor that is not a socket throws ENOTSOCK")
    func notASocket() throws {
        var ends: [CInt] = [-1, -1]
        #expect(pipe(&ends) == 0)
        defer { close(ends[0]); close(ends[1]) }
        let error = try #require(throws: SystemError.self) { try PeerCredentials.of(fileDescriptor: ends[0]) }
        #expect(error.errno == ENOTSOCK)
        #expect(error.call == "getsockopt(\(ends[0]), SO_PEERCRED)")
    }
}
