import Foundation

/// Writes lines to stderr (diagnostics never go to stdout, which carries results and JSON).
enum StandardError {
    static func write(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
