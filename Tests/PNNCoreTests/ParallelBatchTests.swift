import PNNCore
import Synchronization
import Testing

@Suite struct ParallelBatchTests {
    @Test(arguments: [0, 1, 7, 8, 9, 16, 17, 100])
    func chunksCoverEverySampleExactlyOnce(count: Int) {
        let visits = Mutex([Int](repeating: 0, count: count))
        let chunks = Mutex([Int: Range<Int>]())
        ParallelBatch.forEachChunk(count: count) { index, samples in
            visits.withLock { v in for i in samples { v[i] += 1 } }
            chunks.withLock { c in
                #expect(c[index] == nil, "chunk \(index) ran twice")
                c[index] = samples
            }
        }
        visits.withLock { #expect($0.allSatisfy { $0 == 1 }) }
        let expectedChunks = ParallelBatch.chunkCount(count: count)
        chunks.withLock { c in
            #expect(c.count == expectedChunks)
            // Chunk c is exactly [c·chunk, min(count, (c+1)·chunk)): fixed by the batch size alone.
            for (index, range) in c {
                let chunk = ParallelBatch.defaultChunk
                #expect(range == index * chunk ..< min(count, (index + 1) * chunk))
                #expect(!range.isEmpty)
            }
        }
    }

    @Test func customChunkSize() {
        let seen = Mutex([Range<Int>]())
        ParallelBatch.forEachChunk(count: 10, chunk: 3) { _, samples in
            seen.withLock { $0.append(samples) }
        }
        let sorted = seen.withLock { $0.sorted { $0.lowerBound < $1.lowerBound } }
        #expect(sorted == [0 ..< 3, 3 ..< 6, 6 ..< 9, 9 ..< 10])
        #expect(ParallelBatch.chunkCount(count: 10, chunk: 3) == 4)
        #expect(ParallelBatch.chunkCount(count: 0) == 0)
    }
}
