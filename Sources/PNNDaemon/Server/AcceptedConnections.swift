import NIOCore
import Synchronization

/// How many connections a listener has accepted and not yet closed — refused ones included until they
/// are gone, since they hold a descriptor too. Both of pnnd's listeners cap their connections with it
/// (`PNNServer`, `MetricsHTTPServer`).
final class AcceptedConnections: Sendable {
    private let count = Atomic<Int>(0)

    /// Counts `channel` until it closes; returns the number open, this one included.
    func admit(_ channel: any Channel) -> Int {
        channel.closeFuture.whenComplete { [self] _ in count.wrappingSubtract(1, ordering: .relaxed) }
        return count.wrappingAdd(1, ordering: .relaxed).newValue
    }
}
