import PNNCore
import PNNProtocol

/// One unit of device work waiting in, or taken from, a device queue.
final class Job: Sendable {
    enum Work: Sendable {
        /// `acquisitions` ≥ 1: readings of each sample the device averages (validated by the wire format).
        case run(input: Tensor<Float>, parameters: Tensor<Float>, acquisitions: Int = 1)
        case calibrate(samples: Int, seed: UInt64)
    }

    let connection: ConnectionID
    let requestID: UInt64
    let work: Work
    let enqueuedAt: ContinuousClock.Instant
    let deadline: ContinuousClock.Instant
    private let continuation: CheckedContinuation<Response, Never>

    init(connection: ConnectionID, requestID: UInt64, work: Work,
         deadline: ContinuousClock.Instant, continuation: CheckedContinuation<Response, Never>) {
        self.connection = connection
        self.requestID = requestID
        self.work = work
        self.enqueuedAt = .now
        self.deadline = deadline
        self.continuation = continuation
    }

    /// Delivers the reply. The owning worker calls this exactly once per job (it removes the job from its
    /// queue before finishing it), which is what makes resuming the continuation safe.
    func finish(_ response: Response) {
        continuation.resume(returning: response)
    }
}
