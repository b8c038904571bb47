import Foundation

/// Finds executables this package built (`pnn`, `pnnd`), the way swift-argument-parser's example tests
/// do: next to the test bundle, in the products directory of whatever scratch path built it.
/// `PNN_BINARY_DIR` overrides the search.
public enum BuiltProducts {
    public static func url(of name: String) -> URL? {
        let fileManager = FileManager.default
        var directories: [URL] = []
        if let override = ProcessInfo.processInfo.environment["PNN_BINARY_DIR"], !override.isEmpty {
            directories.append(URL(fileURLWithPath: override))
        }
        // Linux: the test runner is `<products>/pnnPackageTests.xctest` itself.
        if let executable = Bundle.main.executableURL { directories.append(executable.deletingLastPathComponent()) }
        directories.append(URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent())
        for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
            directories.append(bundle.bundleURL.deletingLastPathComponent())
        }
        let packageRoot = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        directories.append(packageRoot.appendingPathComponent(".build/debug"))
        for directory in directories {
            let candidate = directory.appendingPathComponent(name)
            if fileManager.isExecutableFile(atPath: candidate.path) { return candidate.standardizedFileURL }
        }
        return nil
    }

    public struct NotBuilt: Error, CustomStringConvertible {
        public var name: String
        public var description: String {
            "cannot find the built `\(name)` next to the test bundle; run `swift build --build-tests` first or set PNN_BINARY_DIR"
        }
    }

    public static func require(_ name: String) throws -> URL {
        guard let url = url(of: name) else { throw NotBuilt(name: name) }
        return url
    }
}
