import Foundation
import PNNClient
import PNNTestSupport
import Testing

/// The `pnnd` executable's own command line: configuration checks and socket ownership.
@Suite(.serialized) struct PNNDCommandTests {
    @Test func checkConfigValidatesAndNamesTheFileLineAndKey() throws {
        let directory = try ScratchDirectory()
        let pnnd = try BuiltProducts.require("pnnd")
        let good = directory.path("good.toml")
        try "[[device]]\nname = \"mech0\"\nkind = \"simulated-mechanical\"\n".write(toFile: good, atomically: true, encoding: .utf8)
        let ok = try ProcessRun.run(pnnd, ["--check-config", good])
        #expect(ok.status == 0, "stderr: \(ok.stderr)")
        #expect(ok.stdout.contains("OK") && ok.stdout.contains("mech0"))

        let bad = directory.path("bad.toml")
        try "[server]\nqueue_depth = 8\n\n[[device]]\nname = \"mech0\"\nkind = \"simulated-mechanical\"\n[device.limits]\nmaximum = \"high\"\n"
            .write(toFile: bad, atomically: true, encoding: .utf8)
        let refused = try ProcessRun.run(pnnd, ["--check-config", bad])
        #expect(refused.exited && refused.status != 0)
        #expect(refused.stderr.contains("bad.toml:8"), "names file and line: \(refused.stderr)")
        #expect(refused.stderr.contains("limits.maximum"), "names the key: \(refused.stderr)")
    }

    @Test func aSecondDaemonRefusesALiveSocketAndAStaleOneIsReplaced() async throws {
        let directory = try ScratchDirectory()
        let first = try DaemonProcess(arguments: ["--simulate"], directory: directory)
        try first.waitUntilReady()
        // Same socket, another state directory: must refuse and leave the first one serving.
        let pnnd = try BuiltProducts.require("pnnd")
        let second = try ProcessRun.run(pnnd, ["--simulate", "--socket", first.socketPath, "--state-dir", directory.path("other")])
        #expect(second.exited && second.status != 0)
        #expect(second.stderr.contains("already listening"), "stderr: \(second.stderr)")
        let client = try await PNNClient.connect(socketPath: first.socketPath)
        #expect(try await client.devices().count == 4)
        await client.close()

        // kill -9 leaves the socket file behind; the next pnnd replaces it.
        first.stop(signal: SIGKILL)
        #expect(FileManager.default.fileExists(atPath: first.socketPath))
        let next = try DaemonProcess(arguments: ["--simulate"], directory: directory)
        try next.waitUntilReady()
        #expect(next.stop().status == 0)
    }
}
