import Foundation
import PNNClient
import PNNCore
import PNNProtocol
import PNNTestSupport
import Testing

@Suite(.serialized) struct ReloadAndCLITests {
    static func devices(secondGap: String) -> String {
        DaemonHarness.config(devices: """
            [[device]]
            name = "keep0"
            kind = "simulated-electronic"
            inputs = 8
            parameters = 4
            outputs = 8
            gap = "none"

            [[device]]
            name = "change0"
            kind = "simulated-mechanical"
            inputs = 8
            parameters = 4
            outputs = 8
            gap = "\(secondGap)"
            """)
    }

    @Test func sighupRestartsOnlyChangedDevices() async throws {
        let harness = try DaemonHarness(config: Self.devices(secondGap: "none"))
        let client = try await harness.client()
        let events = try await client.events()
        let x = Tensor<Float>.random(rows: 1, columns: 8, in: 0 ... 1, seed: 1)
        let theta = Tensor<Float>.random(count: 4, in: -1 ... 1, seed: 2)
        _ = try await client.run("keep0", input: x, parameters: theta)
        _ = try await client.lease("keep0")
        _ = try await client.lease("change0")
        let before = try await client.describe("change0").configHash
        let keepBefore = try await client.describe("keep0").configHash

        try Self.devices(secondGap: "default").write(toFile: harness.directory.path("pnnd.toml"), atomically: true, encoding: .utf8)
        harness.daemon.send(SIGHUP)
        var reconfigured: DeviceEvent?
        for try await event in events where event.device == "change0" && event.kind == .reconfigured {
            reconfigured = event
            break
        }
        #expect(reconfigured != nil)
        #expect(try await client.describe("change0").configHash != before)
        #expect(try await client.describe("keep0").configHash == keepBefore)
        // The changed device's new worker took over once the old one had drained: it runs again.
        #expect(try await client.describe("change0").state == .ready)
        let (y, changed) = try await client.run("change0", input: x, parameters: theta, deadline: .seconds(10))
        #expect(y.shape == [1, 8])
        #expect(changed.state == .ready)
        // The changed device kept its lease: another client's batch is refused, not run in between.
        #expect(try await client.devices().first { $0.name == "change0" }?.leasedByUID != nil)
        let other = try await harness.client()
        do {
            _ = try await other.run("change0", input: x, parameters: theta)
            Issue.record("a reload must not end the lease on a device it reconfigures")
        } catch {
            #expect(error.code.serverCode == .failedPrecondition)
        }
        await other.close()
        // The untouched device kept its lease and its numbering.
        #expect(try await client.devices().first { $0.name == "keep0" }?.leasedByUID != nil)
        let (_, info) = try await client.run("keep0", input: x, parameters: theta)
        #expect(info.sequence == 2)
        await client.close()
        #expect(harness.daemon.stop().status == 0)
    }

    @Test func aBrokenConfigOnReloadChangesNothing() async throws {
        let harness = try DaemonHarness(config: Self.devices(secondGap: "none"))
        try "[[device]]\nname = 3\n".write(toFile: harness.directory.path("pnnd.toml"), atomically: true, encoding: .utf8)
        harness.daemon.send(SIGHUP)
        var logged = false
        for _ in 0 ..< 500 where !logged {
            logged = harness.daemon.log.contains("reload failed")
            if !logged { try await Task.sleep(for: .milliseconds(10)) }
        }
        #expect(logged, "log: \(harness.daemon.log)")
        let client = try await harness.client()
        #expect(try await client.devices().map(\.name).sorted() == ["change0", "keep0"])
        // A lone '[' once aborted pnnd inside toml++ on reload; now it is a syntax error like any other.
        try (Self.devices(secondGap: "default") + "\n[\n").write(toFile: harness.directory.path("pnnd.toml"), atomically: true,
                                                             encoding: .utf8)
        harness.daemon.send(SIGHUP)
        var failures = 0
        for _ in 0 ..< 500 where failures < 2 {
            failures = harness.daemon.log.components(separatedBy: "reload failed").count - 1
            if failures < 2 { try await Task.sleep(for: .milliseconds(10)) }
        }
        #expect(failures == 2, "log: \(harness.daemon.log)")
        #expect(harness.daemon.log.contains("needs a name"), "log: \(harness.daemon.log)")
        #expect(try await client.devices().map(\.name).sorted() == ["change0", "keep0"])
        #expect(try await client.describe("change0").gap == "none", "the running configuration is kept")
        await client.close()
    }

    @Test func cliListsDevicesAndRunsABatch() throws {
        let harness = try DaemonHarness()
        let listing = try harness.pnn(["devices", "--json"])
        #expect(listing.status == 0, "stderr: \(listing.stderr)")
        for name in ["mech0", "elec0", "shg0", "echo0"] {
            #expect(listing.stdout.contains("\"\(name)\""), "devices --json lists \(name): \(listing.stdout)")
        }
        try Tensor<Float>.random(rows: 3, columns: 48, in: 0 ... 1, seed: 4).writeNPY(to: harness.directory.path("x.npy"))
        try Tensor<Float>.random(count: 16, in: 0 ... 1, seed: 5).writeNPY(to: harness.directory.path("p.npy"))
        let run = try harness.pnn(["run", "shg0", "--input", harness.directory.path("x.npy"), "--params",
                                   harness.directory.path("p.npy"), "--output", harness.directory.path("y.npy")])
        #expect(run.status == 0, "stderr: \(run.stderr)")
        let y = try Tensor<Float>(npyFile: harness.directory.path("y.npy"))
        #expect(y.shape == [3, 32])
        // Without --params the device's P parameters are zero.
        let plain = try harness.pnn(["run", "shg0", "--input", harness.directory.path("x.npy"),
                                     "--output", harness.directory.path("y0.npy")])
        #expect(plain.status == 0, "stderr: \(plain.stderr)")
        #expect(try Tensor<Float>(npyFile: harness.directory.path("y0.npy")).shape == [3, 32])
        // Averaged in the device: still one row per sample; echo0's four readings of a sample are the
        // sample itself, so their mean is too.
        let echoX = Tensor<Float>.random(rows: 3, columns: 64, in: -1 ... 1, seed: 6)
        try echoX.writeNPY(to: harness.directory.path("e.npy"))
        let averaged = try harness.pnn(["run", "echo0", "--acquisitions", "4", "--input", harness.directory.path("e.npy"),
                                        "--output", harness.directory.path("ye.npy"), "--json"])
        #expect(averaged.status == 0, "stderr: \(averaged.stderr)")
        #expect(averaged.stdout.contains("\"acquisitions\" : 4"), "\(averaged.stdout)")
        #expect(try Tensor<Float>(npyFile: harness.directory.path("ye.npy")) == echoX)
        let refused = try harness.pnn(["run", "echo0", "--acquisitions", "65", "--input", harness.directory.path("e.npy"),
                                       "--output", harness.directory.path("yx.npy")])
        #expect(refused.status != 0 && refused.stderr.contains("--acquisitions must be 1…64, got 65"), "\(refused.stderr)")
        let metrics = try harness.pnn(["metrics"])
        #expect(metrics.stdout.contains("pnn_requests_total"))
        #expect(metrics.stdout.contains("device=\"shg0\""))
    }

    @Test func trainingThroughPnndExitsWithTheStatusOfTheDaemonsError() async throws {
        // `pnn train` used to exit 1 for every failure of pnnd, a lost connection included; it now
        // exits as `pnn run` does, so a script can tell "try again" and "pnnd is gone" from a bug.
        let harness = try DaemonHarness()
        let holder = try await harness.client()
        _ = try await holder.lease("shg0")
        let train = ["train", "vowels-shg", "--device", "shg0", "--no-baseline", "--out", harness.directory.path("run")]
        let leased = try harness.pnn(train + ["--epochs", "1"])
        #expect(leased.status == 75 && leased.stderr.contains("leased"), "status \(leased.status): \(leased.stderr)")
        await holder.close()
        // pnnd ends the lease once it has seen the hang-up; the run below must not race that.
        let watcher = try await harness.client()
        for _ in 0 ..< 1000 where try await watcher.devices().first(where: { $0.name == "shg0" })?.leasedByUID != nil {
            try await Task.sleep(for: .milliseconds(10))
        }
        await watcher.close()
        let unknown = try harness.pnn(["train", "vowels-shg", "--device", "nosuch", "--epochs", "1", "--no-baseline",
                                       "--out", harness.directory.path("run")])
        #expect(unknown.status == 1 && unknown.stderr.contains("no device named"), "status \(unknown.status): \(unknown.stderr)")

        // pnnd killed in the middle of the run, and not back within --reconnect-seconds: unavailable (69).
        let log = harness.directory.path("train.log")
        let pnn = try BuiltProducts.require("pnn")
        let running = try Subprocess(pnn.path, ["--socket", harness.daemon.socketPath] + train + ["--reconnect-seconds", "1"],
                                     stdout: log, stderr: log)
        // Killed once the first epoch is done (its progress line), so there is training to keep.
        func trained() -> Bool { ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").contains("epoch 1/") }
        for _ in 0 ..< 3000 where running.isRunning && !trained() {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(trained(), "pnn train: \((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
        harness.daemon.send(SIGKILL)
        let end = running.wait()
        let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        #expect(end.exited && end.status == 69 && output.contains("not back within 1 s"), "status \(end.status): \(output)")
        // What the run had reached is kept, and evaluates (here on the in-process simulator).
        #expect(output.contains("wrote metrics.csv and checkpoint.json"), "\(output)")
        let csv = (try? String(contentsOfFile: harness.directory.path("run/metrics.csv"), encoding: .utf8)) ?? ""
        #expect(csv.hasPrefix("epoch,"))
        let eval = try harness.pnn(["eval", harness.directory.path("run/checkpoint.json"), "--in-process", "--json"])
        #expect(eval.status == 0 && eval.stdout.contains("testAccuracy"), "status \(eval.status): \(eval.stderr)")
    }

    @Test func calibrationProbesStayWithinLimitsAndAreRecorded() async throws {
        let harness = try DaemonHarness()
        let client = try await harness.client()
        let info = try await client.describe("elec0")
        let (x, theta, y, calibration) = try await client.calibrate("elec0", samples: 40, seed: 9)
        #expect(x.shape == [40, 196])
        #expect(theta.shape == [40, 196])
        #expect(y.shape == [40, 196])
        #expect(calibration.sequences.count == 2, "40 probes in batches of 32")
        #expect(x.scalars.allSatisfy { Double($0) >= info.limits.minimum && Double($0) <= info.limits.maximum })
        let status = try await client.status()
        #expect(status.recordedBatches >= 2)
        await client.close()
    }

    @Test func recordsExportReadsTheStoreOfARunningDaemonAndWritesNothingElse() async throws {
        let harness = try DaemonHarness()
        let client = try await harness.client()
        _ = try await client.calibrate("elec0", samples: 40, seed: 9)
        await client.close()
        let state = harness.daemon.stateDirectory
        let records = state + "/records"
        let before = try FileManager.default.contentsOfDirectory(atPath: records).sorted()

        // pnnd keeps running (it holds the store's lock): the export reads around it, given pnnd's own
        // --state-dir or the records directory inside it.
        for dir in [state, records] {
            let out = harness.directory.path("export-\((dir as NSString).lastPathComponent)")
            let export = try harness.pnn(["records", "export", "elec0", "--state-dir", dir, "--output", out, "--json"])
            #expect(export.status == 0, "stderr: \(export.stderr)")
            #expect(export.stdout.contains("\"records\" : 2"), "\(export.stdout)")
            #expect(try Tensor<Float>(npyFile: out + "/inputs.npy").shape == [40, 196])
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: records).sorted() == before)
        // An export is what `pnn twin fit --from` reads (the issue's "or reads `pnn records export` output").
        let fit = try harness.pnn(["twin", "fit", "elec0", "--from", harness.directory.path("export-state"), "--model", "electronic",
                                   "--iterations", "5", "--output", harness.directory.path("twin.json")])
        #expect(fit.status == 0, "stderr: \(fit.stderr)")
        #expect(FileManager.default.fileExists(atPath: harness.directory.path("twin.json")))

        // A directory that holds no store: a clear error, and nothing created in it.
        let empty = harness.directory.path("not-a-store")
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        let refused = try harness.pnn(["records", "export", "elec0", "--state-dir", empty, "--output", harness.directory.path("x")])
        #expect(refused.status == 66, "stderr: \(refused.stderr)")
        #expect(refused.stderr.contains("no record store"), "\(refused.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: empty).isEmpty)
        let unknown = try harness.pnn(["records", "export", "nope0", "--state-dir", state, "--output", harness.directory.path("y")])
        #expect(unknown.status == 1 && unknown.stderr.contains("recorded devices: elec0"), "\(unknown.stderr)")
        #expect(harness.daemon.stop().status == 0)
    }
}
