import NIOCore
import NIOEmbedded
@testable import PNNDaemon
import Synchronization
import Testing

/// The trim schedule on a virtual clock: once a quiet period after the last large frame, never for
/// small frames, once shortly after a connection closes.
@Suite struct FreedMemoryTests {
    final class TrimCounter: Sendable {
        private let count = Mutex(0)
        var calls: Int { count.withLock { $0 } }
        func trim() { count.withLock { $0 += 1 } }
    }

    let loop = EmbeddedEventLoop()
    let counter = TrimCounter()
    var memory: FreedMemory { FreedMemory(trim: { [counter] in counter.trim() }) }

    @Test func trimsOnceAQuietPeriodAfterTheLastLargeFrame() {
        let memory = self.memory
        memory.note(frameBytes: FreedMemory.largeFrameBytes, on: loop)
        loop.advanceTime(by: .milliseconds(600))
        memory.note(frameBytes: FreedMemory.largeFrameBytes + 1, on: loop)  // the burst goes on
        loop.advanceTime(by: .milliseconds(600))  // 1.2 s: a second after the first, not after the last
        #expect(counter.calls == 0)
        loop.advanceTime(by: .milliseconds(500))  // 1.7 s: a second after the last
        #expect(counter.calls == 1)
        loop.advanceTime(by: .seconds(5))
        #expect(counter.calls == 1, "one trim per burst")

        memory.note(frameBytes: FreedMemory.largeFrameBytes, on: loop)  // a new burst, a new trim
        loop.advanceTime(by: .milliseconds(1001))
        #expect(counter.calls == 2)
    }

    @Test func smallFramesScheduleNothing() {
        let memory = self.memory
        for _ in 0 ..< 100 { memory.note(frameBytes: FreedMemory.largeFrameBytes - 1, on: loop) }
        loop.advanceTime(by: .seconds(10))
        #expect(counter.calls == 0)
    }

    @Test func trimsShortlyAfterAConnectionCloses() {
        let memory = self.memory
        memory.connectionClosed(on: loop)
        loop.advanceTime(by: FreedMemory.afterClose - .milliseconds(1))
        #expect(counter.calls == 0)
        loop.advanceTime(by: .milliseconds(1))
        #expect(counter.calls == 1)
    }

    @Test func withoutATrimFunctionNothingIsScheduled() throws {
        let memory = FreedMemory(trim: nil)
        memory.note(frameBytes: 1 << 20, on: loop)
        memory.connectionClosed(on: loop)
        loop.advanceTime(by: .seconds(10))
        try loop.syncShutdownGracefully()
    }
}

@Suite struct OpenFileLimitTests {
    @Test func connectionsStayBelowTheDescriptorLimit() {
        #expect(OpenFileLimit.connectionCap(configured: 1024, openFiles: 1_048_576) == 1024)
        #expect(OpenFileLimit.connectionCap(configured: 1024, openFiles: 1024) == 1024 - OpenFileLimit.reserve)
        #expect(OpenFileLimit.connectionCap(configured: 1024, openFiles: 10) == 1, "always at least one")
    }

    @Test func raisingTheSoftLimitNeverLowersIt() {
        let (before, after) = OpenFileLimit.raise()
        #expect(after >= before)
    }
}
