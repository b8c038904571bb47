import Dispatch
import PNNRecorder

/// Runs the recorder's blocking, fsync-ing appends on one dedicated thread instead of the cooperative
/// pool (two threads on this machine: a slow disk must not stall every device and connection).
final class RecordingQueue: Sendable {
    private let recorder: Recorder
    private let queue = DispatchQueue(label: "pnn.recorder")

    init(_ recorder: Recorder) { self.recorder = recorder }

    func append(_ record: BatchRecord) async throws(RecorderError) {
        let result: Result<Void, RecorderError> = await withCheckedContinuation { continuation in
            queue.async {
                continuation.resume(returning: Result { () throws(RecorderError) in try self.recorder.append(record) })
            }
        }
        try result.get()
    }

    func lastSequence(device: String) -> UInt64? { recorder.lastSequence(device: device) }

    var statistics: RecorderStatistics { recorder.statistics }

    /// Waits for queued appends, then closes the store.
    func close() async {
        await withCheckedContinuation { continuation in
            queue.async {
                self.recorder.close()
                continuation.resume()
            }
        }
    }
}
