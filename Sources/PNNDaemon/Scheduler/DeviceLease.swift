import Synchronization

/// One device's lease, outliving the worker that serves the device.
///
/// A reload that reconfigures a device replaces its worker, but the lease is on the device, not on a
/// configuration: the new worker shares this object with the old one, so the holder keeps exclusive
/// use through the reload (its replies carry the new `configHash`, and subscribers get `reconfigured`).
/// Before, each worker had a lease of its own and a reload ended every lease on a changed device
/// without a word: a training run kept sending as if it held the device while other clients' batches
/// came in between.
///
/// While a reload drains the old worker, both workers use the lease at once, so it is a lock, not
/// actor state. A lease is granted only to a connection that is still open, checked under the same
/// lock that its clean-up takes (see `OpenConnections`).
final class DeviceLease: Sendable {
    private let state = Mutex(LeaseState())
    private let connections: OpenConnections

    init(connections: OpenConnections) {
        self.connections = connections
    }

    /// Grants or renews the lease; nil when `connection` has already closed (a grant would never end).
    func lease(by connection: ConnectionID, uid: UInt32, idleSeconds: Double, now: Double) -> LeaseState.Decision? {
        state.withLock { state in
            guard connections.contains(connection) else { return nil }
            return state.lease(by: connection, uid: uid, idleSeconds: idleSeconds, now: now)
        }
    }

    /// Releases the lease if `connection` holds it; false if it did not.
    func release(by connection: ConnectionID) -> Bool {
        state.withLock { $0.release(by: connection) }
    }

    /// May `connection` use the device now? Refreshes the holder's idle timer when it is the holder.
    func use(by connection: ConnectionID, now: Double) -> LeaseState.Decision {
        state.withLock { $0.use(by: connection, now: now) }
    }

    /// The connection went away: its lease ends. True if it held it.
    func connectionClosed(_ connection: ConnectionID) -> Bool {
        state.withLock { $0.connectionClosed(connection) }
    }

    /// The uid holding the lease now (an expired lease is dropped first), nil when nobody does.
    func holderUID(now: Double) -> UInt32? {
        state.withLock { state in
            _ = state.expire(now: now)
            return state.holder?.uid
        }
    }
}
