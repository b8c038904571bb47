import Synchronization

/// The client connections that are open right now.
///
/// A request can reach a device worker or the event hub after its connection has closed: it was read
/// just before the hang-up, and its task ran after the connection's clean-up. Whatever it would leave
/// behind — a lease, a queued batch, a subscription — would then outlive the connection (a lease until
/// its idle timeout, blocking every other user; a subscription for ever, holding the dead channel).
/// So those places create per-connection state only for a connection in this set, checked in the same
/// critical section (actor or lock) as the clean-up that removes it. The connection leaves the set
/// before its clean-up starts, so each request either sees it gone or is cleaned up after it.
final class OpenConnections: Sendable {
    private let open = Mutex<Set<ConnectionID>>([])

    init(_ connections: some Sequence<ConnectionID> = []) {
        open.withLock { $0.formUnion(connections) }
    }

    func opened(_ id: ConnectionID) { _ = open.withLock { $0.insert(id) } }
    func closed(_ id: ConnectionID) { _ = open.withLock { $0.remove(id) } }
    func contains(_ id: ConnectionID) -> Bool { open.withLock { $0.contains(id) } }
}
