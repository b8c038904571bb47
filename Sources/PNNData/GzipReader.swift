import CZlib

/// Inflates gzip data in memory with zlib.
///
/// Data set files are decompressed whole because every loader needs all of the bytes anyway and a
/// single `inflate` pass into one growing buffer is several times faster than streaming through
/// `gzread`. zlib is told to accept gzip *or* zlib framing (`windowBits` 15 + 32) and the stream's
/// CRC-32 and length are verified, so a damaged file is reported rather than half-read.
public enum GzipReader {
    /// Whether `bytes` start with the gzip magic `1f 8b`. Files are recognised by content, never by
    /// extension: a `.gz` name on plain data (or the reverse) must still load.
    public static func isGzip(_ bytes: some Collection<UInt8>) -> Bool {
        var iterator = bytes.makeIterator()
        return iterator.next() == 0x1F && iterator.next() == 0x8B
    }

    /// The decompressed content of one or more concatenated gzip members.
    ///
    /// - Parameter path: named in errors; the data itself comes from `compressed`.
    /// - Throws: `.truncated` when the stream ends early, `.corruptGzip` for invalid data, a checksum
    ///   mismatch or trailing bytes that are neither another member nor zero padding.
    public static func decompress(_ compressed: [UInt8], path: String? = nil) throws(DatasetError) -> [UInt8] {
        guard compressed.count <= Int(UInt32.max) else {
            throw DatasetError(.invalidArgument, path: path, "compressed data of \(compressed.count) bytes exceeds zlib's 4 GiB input limit")
        }
        // z_stream keeps a pointer to itself (inflateStateCheck compares it), so it needs an address
        // that is stable across calls: a heap allocation, not `&` on a local.
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        defer { stream.deallocate() }
        let status = inflateInit2_(stream, 15 + 32, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else {
            throw DatasetError(.notReadable, path: path, "zlib could not start inflating (status \(status))")
        }
        defer { inflateEnd(stream) }

        var output = [UInt8](repeating: 0, count: initialCapacity(for: compressed))
        var produced = 0
        try compressed.withUnsafeBufferPointer { (input) throws(DatasetError) in
            // zlib's `next_in` is not const-qualified, but inflate never writes through it.
            stream.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress)
            stream.pointee.avail_in = uInt(input.count)
            while true {
                if produced == output.count {
                    output.append(contentsOf: repeatElement(0, count: output.count))
                }
                let status = output.withUnsafeMutableBufferPointer { out -> Int32 in
                    let space = min(out.count - produced, Int(UInt32.max))
                    stream.pointee.next_out = out.baseAddress.map { $0 + produced }
                    stream.pointee.avail_out = uInt(space)
                    let status = inflate(stream, Z_NO_FLUSH)
                    produced += space - Int(stream.pointee.avail_out)
                    return status
                }
                switch status {
                case Z_OK:
                    continue
                case Z_STREAM_END:
                    let remaining = Int(stream.pointee.avail_in)
                    guard remaining > 0 else { return }
                    let rest = input[(input.count - remaining)...]
                    if isGzip(rest) {
                        // Concatenated members are one valid gzip file (`cat a.gz b.gz`).
                        inflateReset(stream)
                        continue
                    }
                    if rest.allSatisfy({ $0 == 0 }) { return }  // tape-style zero padding, as gzip(1) accepts
                    throw DatasetError(.corruptGzip, path: path,
                                       "corrupt gzip data: \(remaining) bytes of trailing garbage after the compressed stream")
                case Z_BUF_ERROR:
                    // Output space is always available here, so no progress means no input is left.
                    throw DatasetError(.truncated, path: path,
                                       "truncated gzip data: the stream ends after \(input.count) compressed bytes (\(produced) decompressed) without its end marker and checksum")
                case Z_MEM_ERROR:
                    throw DatasetError(.notReadable, path: path, "out of memory while inflating gzip data")
                default:
                    let detail = stream.pointee.msg.map { String(cString: $0) } ?? "zlib status \(status)"
                    throw DatasetError(.corruptGzip, path: path,
                                       "corrupt gzip data at compressed byte \(input.count - Int(stream.pointee.avail_in)): \(detail)")
                }
            }
        }
        output.removeLast(output.count - produced)
        return output
    }

    /// A first output size: the gzip trailer's ISIZE (length mod 2³²) when it is plausible, which is
    /// exact for single-member files under 4 GiB and so avoids any regrowth; otherwise a guess.
    private static func initialCapacity(for compressed: [UInt8]) -> Int {
        let floor = 1 << 16
        guard compressed.count >= 18 else { return floor }
        let n = compressed.count
        let size = Int(compressed[n - 4]) | Int(compressed[n - 3]) << 8 | Int(compressed[n - 2]) << 16 | Int(compressed[n - 1]) << 24
        // Deflate cannot expand by more than about 1032:1; anything beyond is not a real trailer.
        let plausible = min(compressed.count * 1032, 1 << 31)
        // +1 so an exact hint finishes without a spurious regrowth before Z_STREAM_END is seen.
        return size > 0 && size <= plausible ? size + 1 : max(floor, compressed.count * 4)
    }
}
