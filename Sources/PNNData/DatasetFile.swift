#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a data set file whole, gunzipping it when its content is gzip.
public enum DatasetFile {
    /// The file's bytes; gzip data (magic `1f 8b`, whatever the name) is decompressed.
    ///
    /// - Throws: `.fileNotFound`, `.notReadable` (permissions, a directory, an I/O error), and for gzip
    ///   content `.truncated` or `.corruptGzip`; every error names `path`.
    public static func read(path: String) throws(DatasetError) -> [UInt8] {
        let bytes = try readRaw(path: path)
        return GzipReader.isGzip(bytes) ? try GzipReader.decompress(bytes, path: path) : bytes
    }

    /// The file's bytes exactly as stored.
    public static func readRaw(path: String) throws(DatasetError) -> [UInt8] {
        guard let file = fopen(path, "rb") else {
            let code = errno
            if code == ENOENT {
                throw DatasetError(.fileNotFound, path: path, "no such file")
            }
            throw DatasetError(.notReadable, path: path, "cannot open: \(reason(code))")
        }
        defer { fclose(file) }
        var info = stat()
        guard fstat(fileno(file), &info) == 0 else {
            throw DatasetError(.notReadable, path: path, "cannot inspect: \(reason(errno))")
        }
        guard (info.st_mode & S_IFMT) != S_IFDIR else {
            throw DatasetError(.notReadable, path: path, "is a directory, expected a file")
        }
        // Sized from fstat so a regular file is read with one fread into one allocation; +1 byte
        // detects a file that grew meanwhile, and pipes or /proc files (size 0) grow as they go.
        var bytes = [UInt8](repeating: 0, count: max(Int(info.st_size), 0) + 1)
        var filled = 0
        while true {
            if filled == bytes.count {
                bytes.append(contentsOf: repeatElement(0, count: max(bytes.count, 1 << 16)))
            }
            let read = bytes.withUnsafeMutableBytes { buffer in
                fread(buffer.baseAddress.map { $0 + filled }, 1, buffer.count - filled, file)
            }
            filled += read
            if filled < bytes.count {
                if ferror(file) != 0 {
                    throw DatasetError(.notReadable, path: path, "read failed after \(filled) bytes: \(reason(errno))")
                }
                if feof(file) != 0 { break }
            }
        }
        bytes.removeLast(bytes.count - filled)
        return bytes
    }

    /// Whether `path` names an existing regular file (or a symbolic link to one).
    static func isRegularFile(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
    }

    /// Whether `path` names an existing directory (or a symbolic link to one).
    static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    private static func reason(_ code: Int32) -> String {
        guard let message = strerror(code) else { return "error \(code)" }
        return String(cString: message)
    }
}
