import ArgumentParser
import Foundation
import PNNClient

/// `--socket`: where the verbs that talk to pnnd find it.
struct ConnectionOptions: ParsableArguments {
    /// Used when neither `--socket` nor `PNN_SOCKET` is given.
    static let defaultSocketPath = "/run/pnn/pnnd.sock"

    @Option(name: .long, help: ArgumentHelp(
        "pnnd's Unix socket (default: $PNN_SOCKET, else \(ConnectionOptions.defaultSocketPath)).", valueName: "PATH"))
    var socket: String?

    /// `--socket`, else `PNN_SOCKET`, else the default path.
    var socketPath: String {
        if let socket { return socket }
        if let path = ProcessInfo.processInfo.environment["PNN_SOCKET"], !path.isEmpty { return path }
        return Self.defaultSocketPath
    }

    func validate() throws {
        if let socket, socket.isEmpty { throw ValidationError("--socket must not be empty") }
    }

    /// Connects, negotiates the protocol version, runs `body` and closes the connection.
    ///
    /// Connection failures (`ClientError.connection`) become exit status 69 with a message naming the
    /// socket and where to look next; other errors pass through to the exit-status table.
    func withClient<T>(_ body: (PNNClient) async throws -> T) async throws -> T {
        let path = socketPath
        let client: PNNClient
        do {
            client = try await PNNClient.connect(socketPath: path)
        } catch {
            throw unavailable(error, path: path)
        }
        do {
            _ = try await client.hello(client: "pnn \(PNN.version)")
            let result = try await body(client)
            await client.close()
            return result
        } catch let error as ClientError where error.code == .connection {
            await client.close()
            throw unavailable(error, path: path)
        } catch {
            await client.close()
            throw error
        }
    }

    private func unavailable(_ error: ClientError, path: String) -> CLIError {
        var message = error.message
        if !message.contains(path) { message += " (socket \(path))" }
        let hint = socket == nil
            ? "is pnnd running? try `systemctl status pnnd`, or pass --socket PATH / set PNN_SOCKET"
            : "is pnnd running? try `systemctl status pnnd`, or check --socket"
        return CLIError(.unavailable, "\(message); \(hint)")
    }
}
