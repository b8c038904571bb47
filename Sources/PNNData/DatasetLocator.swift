#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Finds a data set's directory among "the usual places".
///
/// Data sets are large, licensed separately and shared between checkouts, so they are never in the
/// repository; each machine keeps them in one of a few agreed places. The search order puts an explicit
/// choice (`PNN_DATASETS`) first, then a checkout's sibling `shared/` tree, then system packages
/// (Debian's `dataset-fashion-mnist` installs into /usr/share/datasets), then a per-user cache. When
/// nothing fits, the error lists every place and why it was passed over, so the fix is obvious.
public struct DatasetLocator: Sendable, Equatable {
    /// The environment variable naming a directory that holds one subdirectory per data set.
    public static let environmentVariable = "PNN_DATASETS"

    /// Directories holding one subdirectory per data set (`mnist/`, `fashion-mnist/`, `vowels/`),
    /// in search order.
    public var roots: [String]

    public init(roots: [String]) {
        var seen = Set<String>()
        self.roots = roots.filter { !$0.isEmpty && seen.insert($0).inserted }
    }

    /// The usual places for this process: its environment, working directory and home.
    public static func standard() -> DatasetLocator {
        var environment: [String: String] = [:]
        for key in [environmentVariable, "HOME"] {
            if let value = getenv(key) { environment[key] = String(cString: value) }
        }
        return standard(environment: environment, currentDirectory: currentDirectory() ?? ".")
    }

    /// The usual places, in order: `$PNN_DATASETS`, `<cwd>/../shared/datasets`,
    /// `/work/shared/datasets`, `/usr/share/datasets`, `$HOME/.cache/pnn/datasets`.
    public static func standard(environment: [String: String], currentDirectory: String) -> DatasetLocator {
        var roots: [String] = []
        if let explicit = environment[environmentVariable], !explicit.isEmpty { roots.append(explicit) }
        roots.append(join(currentDirectory, "../shared/datasets"))
        roots.append("/work/shared/datasets")
        roots.append("/usr/share/datasets")
        if let home = environment["HOME"], !home.isEmpty { roots.append(join(home, ".cache/pnn/datasets")) }
        return DatasetLocator(roots: roots)
    }

    /// Where `name` would be looked for, in order.
    public func candidates(for name: String) -> [String] {
        roots.map { Self.join($0, name) }
    }

    /// The first candidate directory for `name` that exists and holds every file in `files`.
    ///
    /// - Parameter files: names that must be present, each either as is or gzip-compressed with a
    ///   `.gz` suffix (so an empty or half-populated directory is skipped rather than chosen).
    /// - Throws: `.datasetNotFound`, listing every candidate and what was wrong with it.
    public func locate(_ name: String, containing files: [String] = []) throws(DatasetError) -> String {
        var rejected: [String] = []
        for directory in candidates(for: name) {
            guard DatasetFile.isDirectory(directory) else {
                rejected.append("\(directory) (no such directory)")
                continue
            }
            let missing = files.filter { Self.existingFile($0, in: directory) == nil }
            guard missing.isEmpty else {
                rejected.append("\(directory) (missing \(missing.map { "\($0)[.gz]" }.joined(separator: ", ")))")
                continue
            }
            return directory
        }
        let tried = rejected.isEmpty ? " (no search roots configured)" : ":\n  " + rejected.joined(separator: "\n  ")
        throw DatasetError(.datasetNotFound, path: name,
                           "data set not found; looked in\(tried)\nSet \(Self.environmentVariable) to a directory containing '\(name)/'.")
    }

    /// `directory/base`, or `directory/base.gz` when only the compressed file exists; nil when neither
    /// does. The uncompressed file wins because it loads faster.
    static func existingFile(_ base: String, in directory: String) -> String? {
        let plain = join(directory, base)
        if DatasetFile.isRegularFile(plain) { return plain }
        let compressed = plain + ".gz"
        return DatasetFile.isRegularFile(compressed) ? compressed : nil
    }

    /// `directory/base` (or `directory/base.gz`), or `.fileNotFound` naming both.
    static func requireFile(_ base: String, in directory: String) throws(DatasetError) -> String {
        guard let path = existingFile(base, in: directory) else {
            let plain = join(directory, base)
            throw DatasetError(.fileNotFound, path: plain, "no such file (nor \(base).gz next to it)")
        }
        return path
    }

    static func join(_ directory: String, _ name: String) -> String {
        directory.hasSuffix("/") ? directory + name : directory + "/" + name
    }

    private static func currentDirectory() -> String? {
        guard let pointer = getcwd(nil, 0) else { return nil }
        defer { free(pointer) }
        return String(cString: pointer)
    }
}
