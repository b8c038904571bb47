#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import PNNConfig
import PNNCore
import PNNDevices
import PNNPhysics
import Testing

@Suite struct DaemonConfigurationTests {
    @Test func fullExampleParsesToItsValues() throws {
        let configuration = try DaemonConfiguration.parse(ConfigFixtures.full, source: "pnnd.toml")
        let server = configuration.server
        #expect(server.socketPath == "/run/pnn/pnnd.sock")
        #expect(server.socketGroup == "pnn")
        #expect(server.socketMode == 0o660)
        #expect(server.queueDepth == 16)
        #expect(server.defaultDeadlineSeconds == 30)
        #expect(server.stateDirectory == "/var/lib/pnn")
        #expect(server.allowedUIDs == [1000])
        #expect(server.allowedGroups == ["pnn"])
        #expect(server.maxFrameBytes == 64 << 20)
        #expect(server.logLevel == "info")
        #expect(server.metricsListen == "127.0.0.1:9464")
        #expect(server.leaseIdleSeconds == 300)
        #expect(server.recordRetentionBytes == 4 << 30)
        #expect(server.drainSeconds == 10)
        #expect(server.maxConnections == 1024, "the default")

        #expect(configuration.devices.count == 1)
        let device = try #require(configuration.device(named: "mech0"))
        #expect(device.kind == .simulated(.mechanical))
        #expect(device.shape == ModelShape(inputs: 196, parameters: 196, outputs: 196))
        #expect(device.gap == .default)
        #expect(device.gapName == "default")
        #expect(device.seed == 1)
        #expect(device.latencySeconds == 0)
        #expect(device.limits == DriveLimits(minimum: -1, maximum: 1, maxStep: 2, maxMeanPower: 1))
        #expect(device.modelOverrides == ["cubicStiffnessPerSquareMetre": 2e6])
        #expect(device.failAfter == nil)
    }

    @Test func missingServerTableAndKeysTakeDefaults() throws {
        let configuration = try DaemonConfiguration.parse(ConfigFixtures.three, source: "pnnd.toml")
        #expect(configuration.server == ServerSettings())
        #expect(configuration.server.metricsListen == nil)
        #expect(configuration.server.socketGroup == nil)
        #expect(configuration.devices.map(\.name) == ["elec0", "shg0", "echo0"])

        let elec = try #require(configuration.device(named: "elec0"))
        #expect(elec.shape == ModelCatalog.mnistShape(.electronic))
        #expect(elec.gap == .default)
        #expect(elec.limits == DeviceSpec.defaultLimits(for: .simulated(.electronic)))
        #expect(elec.modelOverrides == ["resistanceOhms": 12])

        let shg = try #require(configuration.device(named: "shg0"))
        #expect(shg.gap == .none)
        #expect(shg.shape == ModelCatalog.mnistShape(.shg))

        let echo = try #require(configuration.device(named: "echo0"))
        #expect(echo.shape == ModelShape(inputs: 8, parameters: 0, outputs: 8))
        #expect(echo.gap == .none)
        #expect(echo.limits == DeviceSpec.defaultLimits(for: .echo))
    }

    @Test func customGapAndPartialLimitsAndInlineTables() throws {
        let text = """
            [[device]]
            name = "mech-1_a"
            kind = "simulated-mechanical"
            limits = { maximum = 0.5 }
            gap = { additive_noise = 0.01, adc_bits = 10, saturates = true }
            model = { substeps = 4, tailSegments = 8 }
            """
        let device = try #require(try DaemonConfiguration.parse(text, source: "x.toml").devices.first)
        #expect(device.limits == DriveLimits(minimum: -1, maximum: 0.5, maxStep: 2, maxMeanPower: 1))
        #expect(device.gap == RealityGap(additiveNoise: 0.01, adcBits: 10, saturates: true))
        #expect(device.gapName == "custom")
        #expect(device.modelOverrides == ["substeps": 4, "tailSegments": 8])
    }

    @Test func socketModeAndMetricsSpellings() throws {
        for (text, mode) in [("\"0660\"", UInt16(0o660)), ("\"600\"", 0o600), ("\"0o640\"", 0o640), ("\"0\"", 0)] {
            let parsed = try DaemonConfiguration.parse(
                ConfigFixtures.replacing("socket_mode = \"0660\"", with: "socket_mode = \(text)"), source: "pnnd.toml")
            #expect(parsed.server.socketMode == mode)
        }
        for listen in ["127.0.0.1:9464", "127.3.2.1:1", "[::1]:9464", "[0:0:0:0:0:0:0:1]:65535"] {
            let parsed = try DaemonConfiguration.parse(
                ConfigFixtures.replacing("metrics_listen = \"127.0.0.1:9464\"", with: "metrics_listen = \"\(listen)\""),
                source: "pnnd.toml")
            #expect(parsed.server.metricsListen == listen)
            #expect(ServerSettings.metricsListenProblem(listen) == nil)
        }
        #expect(ServerSettings.metricsListenProblem("0.0.0.0:9464")?.contains("loopback") == true)
    }

    /// The commented example in docs/configuration.md must stay a valid configuration.
    @Test func documentedExampleParses() throws {
        let docs = String(#filePath.split(separator: "/").dropLast(3).joined(separator: "/"))
        let path = "/" + docs + "/docs/configuration.md"
        let markdown = try #require(try? readText(path), "cannot read \(path)")
        let start = try #require(markdown.range(of: "```toml\n"))
        let end = try #require(markdown.range(of: "\n```", range: start.upperBound ..< markdown.endIndex))
        let example = String(markdown[start.upperBound ..< end.lowerBound])
        let configuration = try DaemonConfiguration.parse(example, source: "configuration.md")
        #expect(configuration.devices.map(\.name) == ["mech0", "shg0", "echo0"])
        #expect(configuration.device(named: "shg0")?.gap == .default)
        #expect(configuration.device(named: "echo0")?.shape.outputs == 64)
        let full = try DaemonConfiguration.parse(ConfigFixtures.full, source: "pnnd.toml")
        #expect(configuration.server == full.server)
        #expect(configuration.devices.first == full.devices.first)
    }

    @Test func simulatedServesTheFourEmbeddedDevices() {
        let simulated = DaemonConfiguration.simulated
        #expect(simulated.devices.map(\.name) == ["mech0", "elec0", "shg0", "echo0"])
        #expect(simulated.server == ServerSettings())
        #expect(simulated.devices == DeviceRegistry.simulatedDefaults())
        #expect(Set(simulated.deviceHashes.keys) == ["mech0", "elec0", "shg0", "echo0"])
    }

    // MARK: Hashes

    @Test func hashesAreStableAndIgnoreFormatting() throws {
        let a = try DaemonConfiguration.parse(ConfigFixtures.full, source: "a.toml")
        let b = try DaemonConfiguration.parse(ConfigFixtures.full, source: "b.toml")
        #expect(a.sourceHash == b.sourceHash)
        #expect(a.sourceHash.count == 64)
        #expect(a.sourceHash.allSatisfy { $0.isHexDigit && !$0.isUppercase })
        #expect(a.deviceHash("mech0") == b.deviceHash("mech0"))
        #expect(a.deviceHash("mech0").count == 64)
        #expect(a.deviceHash("nope") == "")

        // Comments, spacing, key order, defaults written out: the same configuration.
        let reformatted = """
            # reformatted
            [[device]]
            kind="simulated-mechanical"
            name="mech0"
            seed=1
            model = { cubicStiffnessPerSquareMetre = 2000000.0 }
            limits = { max_mean_power = 1, max_step = 2, maximum = 1, minimum = -1 }
            [server]
            drain_seconds = 10.0
            socket_group = "pnn"
            allowed_uids = [ 1000 ]
            allowed_groups = [ "pnn" ]
            metrics_listen = "127.0.0.1:9464"
            """
        let c = try DaemonConfiguration.parse(reformatted, source: "c.toml")
        #expect(c == a)
        #expect(c.sourceHash == a.sourceHash)
        #expect(c.deviceHash("mech0") == a.deviceHash("mech0"))
    }

    @Test func changingOneDeviceChangesOnlyItsHash() throws {
        let before = try DaemonConfiguration.parse(ConfigFixtures.three, source: "pnnd.toml")
        let after = try DaemonConfiguration.parse(
            ConfigFixtures.replacing("resistanceOhms = 12", with: "resistanceOhms = 13", in: ConfigFixtures.three),
            source: "pnnd.toml")
        #expect(after.deviceHash("elec0") != before.deviceHash("elec0"))
        #expect(after.deviceHash("shg0") == before.deviceHash("shg0"))
        #expect(after.deviceHash("echo0") == before.deviceHash("echo0"))
        #expect(after.sourceHash != before.sourceHash)

        // A server change leaves every device hash alone.
        let server = try DaemonConfiguration.parse("[server]\nqueue_depth = 4\n" + ConfigFixtures.three, source: "pnnd.toml")
        #expect(server.sourceHash != before.sourceHash)
        #expect(server.deviceHashes == before.deviceHashes)

        // Every field of a spec counts, the limits and the gap included.
        let spec = try #require(before.device(named: "shg0"))
        let original = before.deviceHash("shg0")
        let changes: [(inout DeviceSpec) -> Void] = [
            { $0.limits.maxStep = 0.5 }, { $0.gap.adcBits = 8 }, { $0.seed = 4 }, { $0.latencySeconds = 0.001 },
            { $0.failAfter = 3 }, { $0.shape.outputs = 31 }, { $0.modelOverrides = ["detectorFullScale": 5] },
        ]
        for change in changes {
            var changed = before
            var modified = spec
            change(&modified)
            changed.devices[1] = modified
            #expect(changed.deviceHash("shg0") != original)
            #expect(changed.deviceHash("elec0") == before.deviceHash("elec0"))
        }
    }

    @Test func loadReadsAFileAndNamesItInErrors() throws {
        let directory = "/tmp/pnnconfig-tests-\(getpid())"
        mkdir(directory, 0o700)
        defer {
            unlink(directory + "/good.toml")
            unlink(directory + "/bad.toml")
            rmdir(directory)
        }
        try writeText(ConfigFixtures.full, to: directory + "/good.toml")
        let loaded = try DaemonConfiguration.load(path: directory + "/good.toml")
        #expect(loaded == (try DaemonConfiguration.parse(ConfigFixtures.full, source: "elsewhere")))

        try writeText(ConfigFixtures.replacing("queue_depth = 16", with: "queue_depth = 0"), to: directory + "/bad.toml")
        #expect(throws: ConfigError.self) { try DaemonConfiguration.load(path: directory + "/bad.toml") }
        do {
            _ = try DaemonConfiguration.load(path: directory + "/bad.toml")
        } catch {
            #expect(error.description.hasPrefix(directory + "/bad.toml:5: key 'server.queue_depth': "))
        }
    }

    @Test func loadingAMissingFileIsAClearError() {
        do {
            _ = try DaemonConfiguration.load(path: "/nonexistent/pnnd.toml")
            Issue.record("loaded a missing file")
        } catch {
            #expect(error.file == "/nonexistent/pnnd.toml")
            #expect(error.line == nil)
            #expect(error.description == "/nonexistent/pnnd.toml: cannot read configuration file: No such file or directory")
        }
        do {
            _ = try DaemonConfiguration.load(path: "/tmp")
            Issue.record("loaded a directory")
        } catch {
            #expect(error.description.hasPrefix("/tmp: cannot read configuration file: "))
        }
    }
}

/// Whole-file helpers for the tests (no Foundation).
func readText(_ path: String) throws -> String {
    guard let file = fopen(path, "rb") else { throw TestFileError(path: path) }
    defer { fclose(file) }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let count = fread(&buffer, 1, buffer.count, file)
        bytes += buffer[..<count]
        if count < buffer.count { break }
    }
    return String(decoding: bytes, as: UTF8.self)
}

func writeText(_ text: String, to path: String) throws {
    guard let file = fopen(path, "wb") else { throw TestFileError(path: path) }
    defer { fclose(file) }
    let bytes = Array(text.utf8)
    guard fwrite(bytes, 1, bytes.count, file) == bytes.count else { throw TestFileError(path: path) }
}

struct TestFileError: Error { var path: String }
