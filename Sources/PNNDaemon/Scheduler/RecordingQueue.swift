import Dispatch
import PNNRecorder

/// Runs the recorder's blocking, fsync-ing appends on one dedicated thread instead of the cooperative
/// pool (two threads on this machine: a slow disk must not stall every device and connection).
final class RecordingQueue: Sendable {
    private let recorder: Recorder
    private let queue = DispatchQueue(label: "pnn.recorder")

    init(_ recorder: Recorder) { self.recorder = recorder }

    /// Queues the append at once — appends are written in the order of these calls — and calls `done`
    /// on the recorder's thread once the record is durable (or failed).
    func enqueue(_ record: BatchRecord, then done: @escaping @Sendable (Result<Void, RecorderError>) -> Void) {
        queue.async { done(Result { () throws(RecorderError) in try self.recorder.append(record) }) }
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
