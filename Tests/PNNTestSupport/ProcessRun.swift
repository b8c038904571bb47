import Foundation

/// Runs a command to completion with its output captured in files (pipes could block a chatty child).
public struct ProcessRun: Sendable {
    public var status: Int32
    /// False when the process died from a signal.
    public var exited: Bool
    public var stdout: String
    public var stderr: String

    public static func run(_ executable: URL, _ arguments: [String], environment: [String: String]? = nil,
                           in directory: URL? = nil) throws -> ProcessRun {
        let id = UUID().uuidString
        let outPath = NSTemporaryDirectory() + "pnn-out-\(id)"
        let errPath = NSTemporaryDirectory() + "pnn-err-\(id)"
        defer {
            try? FileManager.default.removeItem(atPath: outPath)
            try? FileManager.default.removeItem(atPath: errPath)
        }
        let child = try Subprocess(executable.path, arguments, environment: environment, directory: directory?.path,
                                   stdout: outPath, stderr: errPath)
        let end = child.wait()
        return ProcessRun(status: end.status, exited: end.exited,
                          stdout: (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "",
                          stderr: (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "")
    }
}
