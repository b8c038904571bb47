#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An open file descriptor together with the path it was opened from, so every error names the file.
///
/// A plain value: whoever opened it closes it. All system calls go through `sysCall`, the one place that
/// retries EINTR and turns errno into a `RecorderError`.
struct FileDescriptor: Sendable {
    let raw: Int32
    let path: String

    static func open(_ path: String, _ flags: Int32, mode: mode_t = 0) throws(RecorderError) -> FileDescriptor {
        let raw = try sysCall("open", path) { posixOpen(path, flags, mode) }
        return FileDescriptor(raw: raw, path: path)
    }

    /// Writes every byte, continuing after partial writes (a signal or a nearly full disk can cut a
    /// write short; the remainder must follow, or the frame on disk is torn).
    func writeAll(_ buffer: UnsafeRawBufferPointer) throws(RecorderError) {
        guard let base = buffer.baseAddress else { return }
        var written = 0
        while written < buffer.count {
            let n = try sysCall("write", path) { posixWrite(raw, base + written, buffer.count - written) }
            // A zero-byte write of a non-empty buffer would spin forever; no regular file does it.
            guard n > 0 else { throw RecorderError(.io, "write '\(path)': wrote 0 of \(buffer.count - written) bytes") }
            written += n
        }
    }

    func writeAll<Element>(_ values: [Element]) throws(RecorderError) {
        try withRawBytes(of: values) { (raw) throws(RecorderError) in try writeAll(raw) }
    }

    /// Writes every byte at `offset` (for patching a header reserved earlier).
    func writeAll(_ bytes: [UInt8], at offset: Int64) throws(RecorderError) {
        try withRawBytes(of: bytes) { (buffer) throws(RecorderError) in
            guard let base = buffer.baseAddress else { return }
            var written = 0
            while written < buffer.count {
                let n = try sysCall("pwrite", path) {
                    pwrite(raw, base + written, buffer.count - written, off_t(offset) + off_t(written))
                }
                guard n > 0 else { throw RecorderError(.io, "pwrite '\(path)': wrote 0 bytes") }
                written += n
            }
        }
    }

    /// Up to `count` bytes from `offset`; fewer only at end of file.
    func read(count: Int, at offset: Int64) throws(RecorderError) -> [UInt8] {
        guard count > 0 else { return [] }
        var failure: RecorderError?
        let bytes = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialised in
            initialised = 0
            guard let base = buffer.baseAddress else { return }
            while initialised < count {
                do throws(RecorderError) {
                    let n = try sysCall("pread", path) {
                        pread(raw, base + initialised, count - initialised, off_t(offset) + off_t(initialised))
                    }
                    if n == 0 { return }
                    initialised += n
                } catch {
                    failure = error
                    return
                }
            }
        }
        if let failure { throw failure }
        return bytes
    }

    /// Flushes the file's data and the metadata needed to read it back (its size), not timestamps.
    func dataSync() throws(RecorderError) {
        #if canImport(Glibc)
        _ = try sysCall("fdatasync", path) { fdatasync(raw) }
        #else
        _ = try sysCall("fsync", path) { fsync(raw) }
        #endif
    }

    /// Flushes data and all metadata; on a directory this makes created and removed entries durable.
    func sync() throws(RecorderError) {
        _ = try sysCall("fsync", path) { fsync(raw) }
    }

    func truncate(to length: Int64) throws(RecorderError) {
        _ = try sysCall("ftruncate", path) { ftruncate(raw, off_t(length)) }
    }

    func size() throws(RecorderError) -> Int64 {
        var info = stat()
        _ = try sysCall("fstat", path) { fstat(raw, &info) }
        return Int64(info.st_size)
    }

    /// Takes an exclusive advisory lock, trying for up to `patience`; false when someone else still
    /// holds it then.
    ///
    /// Why wait at all: a process this program spawns holds a copy of every descriptor, and so the
    /// flock, between its fork and its exec (where close-on-exec drops it). A store closed just before
    /// such a spawn looks locked for that instant; a store another recorder really holds stays locked.
    func lockExclusively(patience: Duration) throws(RecorderError) -> Bool {
        let clock = ContinuousClock()
        let deadline = clock.now + patience
        while true {
            if flock(raw, LOCK_EX | LOCK_NB) == 0 { return true }
            let number = errno
            if number == EINTR { continue }
            guard number == EWOULDBLOCK else { throw RecorderError.system("flock", path: path, errno: number) }
            if clock.now >= deadline { return false }
            usleep(5_000)
        }
    }

    /// Closes once; EINTR is not retried because Linux has already released the descriptor.
    func close() {
        _ = posixClose(raw)
    }
}

/// `Array.withUnsafeBytes` only rethrows untyped errors; this keeps `RecorderError` typed.
func withRawBytes<Element>(
    of values: [Element], _ body: (UnsafeRawBufferPointer) throws(RecorderError) -> Void
) throws(RecorderError) {
    var failure: RecorderError?
    values.withUnsafeBytes { raw in
        do throws(RecorderError) { try body(raw) } catch { failure = error }
    }
    if let failure { throw failure }
}

/// Runs a system call, retrying while it fails with EINTR; any other failure becomes a `RecorderError`
/// naming the call, the path and the errno text.
@discardableResult
func sysCall<T: FixedWidthInteger>(_ call: String, _ path: String, _ body: () -> T) throws(RecorderError) -> T {
    while true {
        let result = body()
        if result != -1 { return result }
        let number = errno
        if number == EINTR { continue }
        throw RecorderError.system(call, path: path, errno: number)
    }
}

// Member names (`open`, `write`, `close`) shadow the C functions inside the type; these file-scope
// aliases reach them without naming the platform module.
private func posixOpen(_ path: String, _ flags: Int32, _ mode: mode_t) -> Int32 { open(path, flags, mode) }
private func posixWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int { write(fd, buffer, count) }
private func posixClose(_ fd: Int32) -> Int32 { close(fd) }
