import Dispatch

/// Splits a batch into fixed-size chunks and runs them on all cores.
///
/// The chunking depends only on the batch size — never on the core count or on timing — so anything
/// reduced across chunks (parameter gradients) is summed in the same order on every machine and run.
public enum ParallelBatch {
    /// Samples per chunk; large enough to amortise scheduling, small enough to balance two cores.
    public static let defaultChunk = 8

    /// Calls `body(chunkIndex, sampleRange)` for every chunk, concurrently.
    public static func forEachChunk(
        count: Int,
        chunk: Int = defaultChunk,
        _ body: @Sendable (_ chunkIndex: Int, _ samples: Range<Int>) -> Void
    ) {
        precondition(chunk > 0)
        guard count > 0 else { return }
        let chunks = chunkCount(count: count, chunk: chunk)
        if chunks == 1 {
            body(0, 0 ..< count)
            return
        }
        DispatchQueue.concurrentPerform(iterations: chunks) { c in
            body(c, c * chunk ..< min(count, (c + 1) * chunk))
        }
    }

    /// Number of chunks `forEachChunk` uses for `count` samples.
    public static func chunkCount(count: Int, chunk: Int = defaultChunk) -> Int {
        (count + chunk - 1) / chunk
    }
}

/// A raw buffer that concurrently running chunks write to at disjoint offsets.
///
/// `@unchecked Sendable` is sound only under that discipline: each chunk owns its own index range.
public struct SharedBuffer<Element>: @unchecked Sendable {
    public let buffer: UnsafeMutableBufferPointer<Element>
    public init(_ buffer: UnsafeMutableBufferPointer<Element>) { self.buffer = buffer }
    /// The sub-buffer `[offset, offset + length)`.
    public func slice(_ offset: Int, _ length: Int) -> UnsafeMutableBufferPointer<Element> {
        UnsafeMutableBufferPointer(rebasing: buffer[offset ..< offset + length])
    }
}

/// Read-only counterpart of `SharedBuffer`.
public struct SharedReadBuffer<Element>: @unchecked Sendable {
    public let buffer: UnsafeBufferPointer<Element>
    public init(_ buffer: UnsafeBufferPointer<Element>) { self.buffer = buffer }
    /// The sub-buffer `[offset, offset + length)`.
    public func slice(_ offset: Int, _ length: Int) -> UnsafeBufferPointer<Element> {
        UnsafeBufferPointer(rebasing: buffer[offset ..< offset + length])
    }
}
