#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Testing
@testable import PNNSystemd

@Suite("SocketActivation")
struct SocketActivationTests {
    /// The variables systemd would set for `count` descriptors starting at our start fd.
    func environment(count: Int, pid: pid_t = getpid(), names: String? = nil) -> [String: String] {
        var result = ["LISTEN_PID": "\(pid)", "LISTEN_FDS": "\(count)"]
        result["LISTEN_FDNAMES"] = names
        return result
    }

    @Test("a listening AF_UNIX stream socket is found, described and marked close-on-exec")
    func listeningSocket() throws {
        let directory = try TestSockets.temporaryDirectory()
        defer { TestSockets.removeDirectory(directory, files: ["pnnd.sock"]) }
        let path = directory + "/pnnd.sock"
        let listener = try TestSockets.bound(.stream, at: path, listening: true)
        defer { close(listener) }
        // Clear FD_CLOEXEC as systemd hands it over, to see listenFileDescriptors set it.
        #expect(fcntl(listener, F_SETFD, 0) == 0)

        let sockets = try SocketActivation.listenFileDescriptors(
            environment: environment(count: 1), startFD: listener, unsetEnvironment: false)
        #expect(sockets.count == 1)
        let socket = try #require(sockets.first)
        #expect(socket.fileDescriptor == listener)
        #expect(socket.name == "unknown")
        #expect(socket.family == AF_UNIX)
        #expect(socket.type == .stream)
        #expect(socket.isListening)
        #expect(socket.isUnixStreamListener)
        #expect(socket.unixAddress?.description == path)
        #expect(fcntl(listener, F_GETFD) & FD_CLOEXEC != 0)
        #expect(socket.description.contains("AF_UNIX SOCK_STREAM listening \(path)"))
    }

    @Test("two consecutive descriptors with LISTEN_FDNAMES")
    func namedDescriptors() throws {
        let base = try TestSockets.freeDescriptorPair(atOrAbove: 700 + CInt.random(in: 0 ..< 100))
        let api = try TestSockets.bound(.stream, at: "@" + TestSockets.uniqueName("pnn-api"), listening: true)
        let events = try TestSockets.bound(.datagram, at: "@" + TestSockets.uniqueName("pnn-events"))
        defer { close(api); close(events); close(base); close(base + 1) }
        #expect(dup2(api, base) == base)
        #expect(dup2(events, base + 1) == base + 1)

        let sockets = try SocketActivation.listenFileDescriptors(
            environment: environment(count: 2, names: "api:events"), startFD: base, unsetEnvironment: false)
        #expect(sockets.map(\.fileDescriptor) == [base, base + 1])
        #expect(sockets.map(\.name) == ["api", "events"])
        #expect(sockets.map(\.type) == [.stream, .datagram])
        #expect(sockets.map(\.isListening) == [true, false])
        #expect(sockets.allSatisfy { $0.unixAddress?.isAbstract == true })
    }

    @Test("no activation: variables unset or LISTEN_FDS=0")
    func notActivated() throws {
        #expect(try SocketActivation.listenFileDescriptors(environment: [:], unsetEnvironment: false).isEmpty)
        #expect(try SocketActivation.listenFileDescriptors(environment: environment(count: 0), unsetEnvironment: false).isEmpty)
        #expect(try SocketActivation.listenFileDescriptors(environment: ["LISTEN_FDS": "1"], unsetEnvironment: false).isEmpty)
    }

    @Test("LISTEN_PID of another process is an error naming both pids")
    func pidMismatch() throws {
        let other = getpid() + 1
        let error = try #require(throws: SystemdError.self) {
            try SocketActivation.listenFileDescriptors(environment: environment(count: 1, pid: other), unsetEnvironment: false)
        }
        #expect(error.code == .listenPIDMismatch)
        #expect(error.message == "LISTEN_PID \(other) is not this process (\(getpid())): socket activation variables were meant for another process")
    }

    @Test("a descriptor that is not a socket is rejected")
    func notASocket() throws {
        var pipeEnds: [CInt] = [0, 0]
        #expect(pipe(&pipeEnds) == 0)
        defer { close(pipeEnds[0]); close(pipeEnds[1]) }
        let error = try #require(throws: SystemdError.self) {
            try SocketActivation.listenFileDescriptors(
                environment: environment(count: 1, names: "api"), startFD: pipeEnds[0], unsetEnvironment: false)
        }
        #expect(error.code == .notASocket)
        #expect(error.message.contains("descriptor \(pipeEnds[0]) ('api') is not a socket"))
    }

    @Test("a closed descriptor is rejected")
    func closedDescriptor() throws {
        let base = try TestSockets.freeDescriptorPair(atOrAbove: 900 + CInt.random(in: 0 ..< 50))
        #expect(throws: SystemdError(.notASocket, "")) {
            try SocketActivation.listenFileDescriptors(environment: environment(count: 1), startFD: base, unsetEnvironment: false)
        }
    }

    @Test("malformed LISTEN_PID / LISTEN_FDS", arguments: [
        ["LISTEN_PID": "self", "LISTEN_FDS": "1"],
        ["LISTEN_PID": "0", "LISTEN_FDS": "1"],
        ["LISTEN_PID": "PID", "LISTEN_FDS": "one"],
        ["LISTEN_PID": "PID", "LISTEN_FDS": "-1"],
    ])
    func malformed(template: [String: String]) {
        let environment = template.mapValues { $0 == "PID" ? "\(getpid())" : $0 }
        #expect(throws: SystemdError(.malformedVariable, "")) {
            try SocketActivation.listenFileDescriptors(environment: environment, unsetEnvironment: false)
        }
    }

    @Test("LISTEN_FDNAMES parsing")
    func names() throws {
        #expect(try SocketActivation.names(nil, count: 2) == ["unknown", "unknown"])
        #expect(try SocketActivation.names("api", count: 1) == ["api"])
        #expect(try SocketActivation.names("api:metrics", count: 2) == ["api", "metrics"])
        #expect(try SocketActivation.names("api::x", count: 3) == ["api", "", "x"])
        let error = try #require(throws: SystemdError.self) { try SocketActivation.names("api:metrics", count: 1) }
        #expect(error.code == .nameCountMismatch)
        #expect(error.message == "LISTEN_FDNAMES 'api:metrics' names 2 descriptors but LISTEN_FDS is 1")
    }

    @Test("unsetEnvironment clears the variables even when the check fails")
    func unsetsEnvironment() throws {
        setenv("LISTEN_PID", "1", 1)
        setenv("LISTEN_FDS", "1", 1)
        setenv("LISTEN_FDNAMES", "api", 1)
        #expect(throws: SystemdError(.listenPIDMismatch, "")) {
            try SocketActivation.listenFileDescriptors(environment: ProcessEnvironment.current)
        }
        #expect(getenv("LISTEN_PID") == nil)
        #expect(getenv("LISTEN_FDS") == nil)
        #expect(getenv("LISTEN_FDNAMES") == nil)
    }
}
