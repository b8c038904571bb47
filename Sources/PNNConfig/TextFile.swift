#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a configuration file as UTF-8 text, with the OS's reason when it cannot.
enum TextFile {
    /// Configuration files above this size are refused (a config is a few kilobytes).
    static let maxBytes = 4 << 20

    static func read(path: String) throws(ConfigError) -> String {
        guard let file = fopen(path, "rb") else {
            throw ConfigError(file: path, message: "cannot read configuration file: \(reason(errno))")
        }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let count = buffer.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
            bytes.append(contentsOf: buffer[..<count])
            if bytes.count > maxBytes {
                throw ConfigError(file: path, message: "configuration file is larger than \(maxBytes >> 20) MiB")
            }
            if count < buffer.count {
                if ferror(file) != 0 {
                    throw ConfigError(file: path, message: "cannot read configuration file: \(reason(errno))")
                }
                break
            }
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw ConfigError(file: path, message: "configuration file is not valid UTF-8")
        }
        return text
    }

    private static func reason(_ code: Int32) -> String {
        guard let message = strerror(code) else { return "error \(code)" }
        return String(cString: message)
    }
}
