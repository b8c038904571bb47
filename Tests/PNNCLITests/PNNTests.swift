import Foundation
import Testing

/// The root command, `pnn version` and `pnn physics models`.
@Suite struct PNNTests {
    @Test func helpListsTheVerbs() throws {
        let sandbox = try Sandbox()
        let result = try sandbox.pnn("--help")
        #expect(result.status == 0)
        #expect(result.stdout.contains("physics"))
        #expect(result.stdout.contains("version"))
        #expect(result.stdout.contains("USAGE: pnn"))
    }

    @Test func physicsHelpListsItsVerbs() throws {
        let sandbox = try Sandbox()
        let result = try sandbox.pnn("physics", "--help")
        #expect(result.status == 0)
        for verb in ["models", "simulate", "sample-input"] {
            #expect(result.stdout.contains(verb), "pnn physics --help should list \(verb)")
        }
    }

    @Test func versionFlagPrintsTheVersion() throws {
        let sandbox = try Sandbox()
        let result = try sandbox.pnn("--version")
        #expect(result.status == 0)
        #expect(result.stdout == "0.1.0\n")
    }

    @Test func versionPrintsLibraryVersions() throws {
        let sandbox = try Sandbox()
        let result = try sandbox.pnn("version")
        #expect(result.status == 0)
        #expect(result.stdout.hasPrefix("pnn 0.1.0\n"))
        #expect(result.stdout.contains("libusb 1."))
        #expect(result.stdout.contains("libgpiod "))
    }

    @Test func versionJSONParses() throws {
        let sandbox = try Sandbox()
        let result = try sandbox.pnn("version", "--json")
        #expect(result.status == 0)
        let json = try result.jsonObject()
        #expect(json["pnn"] as? String == "0.1.0")
        let libusb = try #require(json["libusb"] as? String)
        #expect(libusb.split(separator: ".").count == 3)
        let libgpiod = try #require(json["libgpiod"] as? String)
        #expect(!libgpiod.isEmpty && libgpiod != "unknown")
    }

    @Test func unknownVerbIsAUsageError() throws {
        let sandbox = try Sandbox()
        let result = try sandbox.pnn("frobnicate")
        #expect(result.status == 64)
        result.expectNoCrash()
    }

    @Test func modelsTableListsEveryKind() throws {
        let sandbox = try Sandbox()
        let result = try sandbox.pnn("physics", "models")
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.count == 4)
        #expect(lines.first?.contains("N") == true)
        #expect(lines.contains { $0.hasPrefix("mechanical") && $0.contains("196") })
        #expect(lines.contains { $0.hasPrefix("electronic") && $0.contains("196") })
        #expect(lines.contains { $0.hasPrefix("shg") && $0.contains("48") && $0.contains("16") && $0.contains("32") })
    }

    @Test func modelsJSONHasShapesAndRanges() throws {
        let sandbox = try Sandbox()
        let result = try sandbox.pnn("physics", "models", "--json")
        #expect(result.status == 0, "\(result.stderr)")
        let entries = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
        #expect(entries.map { $0["kind"] as? String } == ["mechanical", "electronic", "shg"])
        for entry in entries {
            let shape = try #require(entry["mnistShape"] as? [String: Int])
            #expect(Set(shape.keys) == ["inputs", "parameters", "outputs"])
            let range = try #require(entry["outputRange"] as? [Double])
            #expect(range.count == 2)
            #expect(range[0] < range[1])
        }
        let shg = try #require(entries.last?["mnistShape"] as? [String: Int])
        #expect(shg == ["inputs": 48, "parameters": 16, "outputs": 32])
    }
}
