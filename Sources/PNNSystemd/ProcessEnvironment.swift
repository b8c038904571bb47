#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The process environment as a dictionary, and removal of variables from it.
public enum ProcessEnvironment {
    /// A snapshot of `environ`; later entries win on duplicate names.
    public static var current: [String: String] {
        var result: [String: String] = [:]
        var cursor: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = environ
        while let entry = cursor, let pointer = entry.pointee {
            let text = String(cString: pointer)
            if let equals = text.firstIndex(of: "=") {
                result[String(text[..<equals])] = String(text[text.index(after: equals)...])
            }
            cursor = entry + 1
        }
        return result
    }

    /// Removes `names` from the real process environment so children do not inherit them.
    ///
    /// Like every `unsetenv`, not safe while other threads read the environment: call it early in `main`.
    public static func unset(_ names: [String]) {
        for name in names { _ = unsetenv(name) }
    }
}
