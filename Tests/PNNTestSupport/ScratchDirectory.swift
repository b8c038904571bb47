import Foundation

/// A fresh directory for one test, world-traversable (tests run clients as other users), removed afterwards.
public final class ScratchDirectory: Sendable {
    public let url: URL

    public init(prefix: String = "pnn-test") throws {
        // Short paths: AF_UNIX socket paths must stay under 108 bytes.
        url = URL(fileURLWithPath: "/tmp").appendingPathComponent("\(prefix)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o755])
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    public func path(_ name: String) -> String { url.appendingPathComponent(name).path }
}
