#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Directory-level operations: create, list, remove, rename — each durable only after the parent
/// directory is fsynced, which callers do explicitly.
enum FileSystem {
    /// `mkdir -p` with `mode` for each created component; fsyncs the parent of every directory it
    /// creates so the new entry survives a power loss. Returns true when something was created.
    @discardableResult
    static func makeDirectories(_ path: String, mode: mode_t = 0o750) throws(RecorderError) -> Bool {
        let absolute = path.hasPrefix("/")
        let components = path.split(separator: "/", omittingEmptySubsequences: true)
        var current = absolute ? "" : "."
        var created = false
        for component in components {
            let parent = current.isEmpty ? "/" : current
            current = current.isEmpty ? "/\(component)" : "\(current)/\(component)"
            if mkdir(current, mode) == 0 {
                created = true
                try syncDirectory(parent)
                continue
            }
            let number = errno
            guard number == EEXIST else { throw RecorderError.system("mkdir", path: current, errno: number) }
        }
        return created
    }

    static func syncDirectory(_ path: String) throws(RecorderError) {
        let directory = try FileDescriptor.open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        defer { directory.close() }
        try directory.sync()
    }

    /// Names of the entries in `path` (without "." and "..").
    static func list(_ path: String) throws(RecorderError) -> [String] {
        guard let stream = opendir(path) else { throw RecorderError.system("opendir", path: path, errno: errno) }
        defer { closedir(stream) }
        var names: [String] = []
        while true {
            errno = 0
            guard let entry = readdir(stream) else {
                let number = errno
                if number != 0 { throw RecorderError.system("readdir", path: path, errno: number) }
                return names
            }
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
    }

    /// Removes a file; a file that is already gone counts as removed.
    static func remove(_ path: String) throws(RecorderError) {
        if unlink(path) == 0 { return }
        let number = errno
        if number == ENOENT { return }
        throw RecorderError.system("unlink", path: path, errno: number)
    }

    static func rename(_ from: String, to: String) throws(RecorderError) {
        _ = try sysCall("rename", from) { posixRename(from, to) }
    }
}

private func posixRename(_ from: String, _ to: String) -> Int32 { rename(from, to) }
