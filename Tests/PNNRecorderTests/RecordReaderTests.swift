import Foundation
import PNNCore
@testable import PNNRecorder
import Testing

/// `RecordReader` reads a store as it finds it and changes nothing — not even a store whose owner
/// holds it open — unlike `Recorder`, which would lock, repair and apply its own retention.
@Suite struct RecordReaderTests {
    /// Every file of the directory with its size: what "changes nothing" is checked against.
    static func listing(_ directory: TemporaryDirectory) throws -> [String: Int] {
        var files: [String: Int] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: directory.path) {
            files[name] = try Files.size(directory.at(name))
        }
        return files
    }

    @Test func readsAStoreItsRecorderHoldsOpenWithoutChangingIt() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        // Small segments, so the records span several files.
        let recorder = try Recorder(directory: directory.path, segmentBytes: 2048)
        var mine: [BatchRecord] = []
        for sequence in 1 ... 12 {
            let record = Fixtures.record(device: "osc", sequence: UInt64(sequence), batch: 2)
            try recorder.append(record)
            mine.append(record)
            try recorder.append(Fixtures.record(device: "other", sequence: UInt64(sequence), batch: 1))
        }
        let sizes = try directory.segments().map { try Files.size($0) }
        #expect(sizes.count > 1, "segments: \(sizes)")
        let before = try Self.listing(directory)

        let reader = try RecordReader(directory: directory.path)  // no .busy: it takes no lock
        #expect(reader.devices == ["osc", "other"])
        #expect(reader.lastSequence(device: "osc") == 12)
        var read: [BatchRecord] = []
        let cursor = reader.cursor(device: "osc")
        while let record = try cursor.next() { read.append(record) }
        #expect(read == mine)
        let out = directory.at("export")
        let summary = try reader.export(device: "osc", to: out)
        #expect(summary.records == 12 && summary.samples == 24)
        #expect(reader.damagedRegions == 0)

        var after = try Self.listing(directory)
        after["export"] = nil
        #expect(after == before, "reading changed the store")
        // The owner goes on appending as if nothing had happened.
        try recorder.append(Fixtures.record(device: "osc", sequence: 13))
        #expect(try recorder.records(device: "osc").count == 13)
    }

    @Test func aTornTailIsWhereReadingStopsAndIsLeftAsItIs() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let recorder = try Recorder(directory: directory.path)
        for sequence in 1 ... 3 { try recorder.append(Fixtures.record(device: "osc", sequence: UInt64(sequence))) }
        recorder.close()
        // Half of a fourth record: an append in progress, or one a crash cut short.
        let newest = try #require(try directory.segments().last)
        let frame = Fixtures.record(device: "osc", sequence: 4).encodedFrame()
        try Files.append(Array(frame.prefix(frame.count / 2)), to: newest)
        let size = try Files.size(newest)

        let reader = try RecordReader(directory: directory.path)
        #expect(try reader.export(device: "osc", to: directory.at("export")).records == 3)
        #expect(reader.damagedRegions == 0, "a torn tail is not damage")
        #expect(try Files.size(newest) == size, "the reader must not cut the tail: that is the owner's job")
    }

    @Test func damageInsideTheStoreIsCountedAndSteppedOver() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let recorder = try Recorder(directory: directory.path, segmentBytes: 2048)
        for sequence in 1 ... 12 { try recorder.append(Fixtures.record(device: "osc", sequence: UInt64(sequence), batch: 2)) }
        recorder.close()
        let oldest = try #require(try directory.segments().first)
        try Files.flipByte(in: oldest, at: try Files.size(oldest) - 10)  // inside its last record

        let reader = try RecordReader(directory: directory.path)
        // Opening trusts record summaries; the checksum of the record read finds the damage.
        #expect(try reader.export(device: "osc", to: directory.at("export")).records == 11)
        #expect(reader.damagedRegions == 1)
        _ = try reader.export(device: "osc", to: directory.at("again"))
        #expect(reader.damagedRegions == 1, "counted once, however often it is read")
    }

    @Test func aDirectoryThatIsNoStoreIsRefusedAndLeftAlone() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        for path in [directory.path, directory.at("absent")] {
            do {
                _ = try RecordReader(directory: path)
                Issue.record("\(path) is not a record store")
            } catch {
                #expect(error.code == .notFound)
                #expect(error.message.contains("no record store"))
            }
        }
        // A Recorder would have created a lock and a first segment in both.
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)
    }

    @Test func anUnknownDeviceNamesTheRecordedOnes() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let recorder = try Recorder(directory: directory.path)
        try recorder.append(Fixtures.record(device: "osc", sequence: 1))
        let reader = try RecordReader(directory: directory.path)
        do {
            _ = try reader.export(device: "nope", to: directory.at("export"))
            Issue.record("no records for 'nope'")
        } catch {
            #expect(error.code == .notFound)
            #expect(error.message.contains("recorded devices: osc"))
        }
    }
}
