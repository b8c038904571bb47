import Synchronization

/// Why a connection to pnnd ended, once it has: written by `ResponseRouter` on the event loop, read by
/// `PNNClient` for calls made afterwards.
///
/// Those calls fail before they reach the router (NIO refuses writes on a closed channel), so without
/// this they would only learn "connection closed" — and not, for example, that pnnd refused the
/// connection because it already served its maximum.
final class ConnectionEnding: Sendable {
    private let reason = Mutex<ClientError?>(nil)

    /// Keeps the first reason.
    func record(_ error: ClientError) {
        reason.withLock { if $0 == nil { $0 = error } }
    }

    var error: ClientError? { reason.withLock { $0 } }
}
