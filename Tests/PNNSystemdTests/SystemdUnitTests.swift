import Foundation
import PNNTestSupport
import Testing

enum SystemdTools {
    static var systemdAnalyzeAvailable: Bool {
        ["/usr/bin/systemd-analyze", "/bin/systemd-analyze"].contains { FileManager.default.isExecutableFile(atPath: $0) }
    }
}

/// Runs scripts/check-systemd-units (systemd-analyze verify + security, sysusers) on the shipped
/// units, and on broken copies to show the check can fail.
@Suite("systemd units", .enabled(if: SystemdTools.systemdAnalyzeAvailable, "systemd-analyze not installed"))
struct SystemdUnitTests {
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let script = repositoryRoot.appendingPathComponent("scripts/check-systemd-units")
    static let units = repositoryRoot.appendingPathComponent("systemd")

    struct Outcome {
        let status: Int32
        let output: String
    }

    static func runCheck(_ arguments: [String] = []) throws -> Outcome {
        // Through bash, so a checkout that lost the executable bit still runs the check. ProcessRun (not
        // Foundation's Process) so parallel suites cannot deadlock on waitUntilExit.
        let run = try ProcessRun.run(URL(fileURLWithPath: "/bin/bash"), [script.path] + arguments)
        return Outcome(status: run.status, output: run.stdout + run.stderr)
    }

    /// A temporary copy of systemd/ with `edit` applied to pnnd.service.
    static func copyOfUnits(editingService edit: (String) -> String) throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pnn-units-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for name in ["pnnd.service", "pnnd.socket", "pnn.sysusers"] {
            try FileManager.default.copyItem(at: units.appendingPathComponent(name), to: directory.appendingPathComponent(name))
        }
        let service = directory.appendingPathComponent("pnnd.service")
        try edit(String(contentsOf: service, encoding: .utf8)).write(to: service, atomically: true, encoding: .utf8)
        return directory
    }

    @Test("the shipped units verify cleanly and score at most 3.0")
    func shippedUnits() throws {
        let outcome = try Self.runCheck()
        #expect(outcome.status == 0, "\(outcome.output)")
        #expect(outcome.output.contains("check-systemd-units: passed"), "\(outcome.output)")
        let score = outcome.output.firstMatch(of: /exposure ([0-9.]+)/).flatMap { Double($0.1) }
        let measured = try #require(score, "\(outcome.output)")
        #expect(measured <= 3.0)
    }

    @Test("a unit with an unknown key fails verify")
    func unknownKeyFails() throws {
        let directory = try Self.copyOfUnits { $0.replacingOccurrences(of: "WatchdogSec=30s", with: "WatchdogSec=30s\nWatchdogSecs=30s") }
        defer { try? FileManager.default.removeItem(at: directory) }
        let outcome = try Self.runCheck(["--units", directory.path])
        #expect(outcome.status == 1, "\(outcome.output)")
        #expect(outcome.output.contains("FAIL verify"), "\(outcome.output)")
        #expect(outcome.output.contains("WatchdogSecs"), "\(outcome.output)")
    }

    @Test("a unit without its sandboxing scores above the threshold")
    func weakSandboxFails() throws {
        let sandboxPrefixes = ["Protect", "Private", "Restrict", "SystemCall", "CapabilityBoundingSet", "NoNewPrivileges"]
        let directory = try Self.copyOfUnits { text in
            text.split(separator: "\n", omittingEmptySubsequences: false)
                .filter { line in !sandboxPrefixes.contains { line.hasPrefix($0) } }
                .joined(separator: "\n")
        }
        defer { try? FileManager.default.removeItem(at: directory) }
        let outcome = try Self.runCheck(["--units", directory.path])
        #expect(outcome.status == 1, "\(outcome.output)")
        #expect(outcome.output.contains("FAIL security"), "\(outcome.output)")
    }
}
