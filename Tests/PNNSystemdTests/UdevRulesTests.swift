import Foundation
import Testing

@Suite("udev rules")
struct UdevRulesTests {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("udev")

    static func lint(_ name: String) throws -> UdevRuleLinter {
        UdevRuleLinter(try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8))
    }

    @Test("both rules files pass the syntax check", arguments: ["70-pnn-instruments.rules", "71-pnn-access.rules"])
    func syntax(file: String) throws {
        let linter = try Self.lint(file)
        #expect(linter.problems.isEmpty, "\(linter.problems)")
        #expect(linter.rules.count > 3)
    }

    @Test("the instruments file only classifies and tags; it sets no permissions")
    func instrumentsOnlyTag() throws {
        let linter = try Self.lint("70-pnn-instruments.rules")
        #expect(linter.assignedValues("ENV", attribute: "PNN_INSTRUMENT") == ["usbtmc", "serial", "gpio", "spectrometer"])
        #expect(linter.assignedValues("TAG") == ["pnn"])
        for key in ["GROUP", "MODE", "OWNER", "SYMLINK", "RUN"] {
            #expect(linter.assignedValues(key).isEmpty, "\(key) belongs in 71-pnn-access.rules")
        }
    }

    @Test("supported instruments are recognised")
    func supportedInstruments() throws {
        let text = try String(contentsOf: Self.directory.appendingPathComponent("70-pnn-instruments.rules"), encoding: .utf8)
        #expect(text.contains("ENV{ID_USB_INTERFACES}==\"*:fe03??:*\""), "USBTMC by interface class fe / subclass 03")
        for vendor in ["0957", "1ab1", "0699", "f4ec", "2457"] {
            #expect(text.contains("ATTR{idVendor}==\"\(vendor)\""), "vendor \(vendor)")
        }
        for (vendor, product) in [("0403", "6001"), ("0403", "6014"), ("10c4", "ea60"), ("1a86", "7523")] {
            #expect(text.contains("ENV{ID_VENDOR_ID}==\"\(vendor)\", ENV{ID_MODEL_ID}==\"\(product)\""), "\(vendor):\(product)")
        }
        #expect(text.contains("SUBSYSTEM==\"gpio\", KERNEL==\"gpiochip[0-9]*\""))
    }

    @Test("the access file applies to tagged devices only and names them under /dev/pnn/")
    func accessPolicy() throws {
        let linter = try Self.lint("71-pnn-access.rules")
        let first = try #require(linter.rules.dropFirst().first)
        #expect(first.tokens == [
            .init(key: "TAG", attribute: nil, op: "!=", value: "pnn"),
            .init(key: "GOTO", attribute: nil, op: "=", value: "pnn_access_end"),
        ])
        #expect(linter.assignedValues("GROUP") == ["pnn"])
        #expect(linter.assignedValues("MODE") == ["0660"])
        let links = linter.assignedValues("SYMLINK")
        #expect(!links.isEmpty)
        #expect(links.allSatisfy { $0.hasPrefix("pnn/") })
        #expect(links.contains("pnn/gpiochip%n"))
    }

    @Test("the linter catches broken rules", arguments: [
        ("KERNEL=\"ttyUSB0\", GROUP=\"pnn\"", "cannot be assigned"),
        ("KERNEL==\"ttyUSB0\", GROUP==\"pnn\"", "cannot be matched"),
        ("KERNEL==\"ttyUSB0\"", "assigns nothing"),
        ("KERNEL==ttyUSB0, GROUP=\"pnn\"", "double-quoted"),
        ("KERNEL==\"ttyUSB0\" GROUP=\"pnn\"", "expected ','"),
        ("KERNEL==\"ttyUSB0\", GRUOP=\"pnn\"", "unknown key"),
        ("ENV==\"x\", GROUP=\"pnn\"", "needs an {attribute}"),
        ("KERNEL==\"ttyUSB0\", MODE=\"660\"", "four octal digits"),
        ("KERNEL==\"ttyUSB0\", SYMLINK+=\"pnn/$envv{ID_SERIAL}\"", "unknown substitution"),
        ("KERNEL==\"ttyUSB0\", GOTO=\"nowhere\"", "no LABEL"),
        ("KERNEL==\"ttyUSB0\", GROUP=\"pnn\",", "trailing comma"),
    ])
    func catchesBrokenRules(rule: String, problem: String) {
        let linter = UdevRuleLinter(rule + "\n")
        #expect(linter.problems.contains { $0.contains(problem) }, "\(linter.problems)")
    }

    @Test("continuation lines join into one rule")
    func continuation() {
        let linter = UdevRuleLinter("KERNEL==\"x\", \\\n  GROUP=\"pnn\"\nLABEL=\"end\"\n")
        #expect(linter.problems.isEmpty, "\(linter.problems)")
        #expect(linter.rules.map(\.line) == [1, 3])
    }
}
