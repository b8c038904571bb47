/// Who may drive one device: a pure state machine (no clocks, no I/O), so every rule is unit-tested.
///
/// A lease is exclusive to one connection. It ends on `release`, when its connection closes, or once it
/// has been idle (no lease/run/calibrate by its holder) for its TTL. Without a lease anyone allowed to
/// run may run; with one, only its holder may.
struct LeaseState: Sendable, Equatable {
    struct Holder: Sendable, Equatable {
        var connection: ConnectionID
        var uid: UInt32
        var idleSeconds: Double
        var lastUsed: Double
    }

    enum Decision: Equatable {
        case allowed
        /// Refused: the device is leased by someone else.
        case heldByOther(uid: UInt32, connection: ConnectionID)
    }

    private(set) var holder: Holder?

    /// Drops an expired lease; returns the connection that lost it.
    mutating func expire(now: Double) -> ConnectionID? {
        guard let h = holder, now - h.lastUsed > h.idleSeconds else { return nil }
        holder = nil
        return h.connection
    }

    mutating func lease(by connection: ConnectionID, uid: UInt32, idleSeconds: Double, now: Double) -> Decision {
        _ = expire(now: now)
        if let h = holder, h.connection != connection {
            return .heldByOther(uid: h.uid, connection: h.connection)
        }
        holder = Holder(connection: connection, uid: uid, idleSeconds: idleSeconds, lastUsed: now)
        return .allowed
    }

    /// Releases the lease if `connection` holds it; false if it did not.
    mutating func release(by connection: ConnectionID) -> Bool {
        guard holder?.connection == connection else { return false }
        holder = nil
        return true
    }

    /// May `connection` use the device now? Refreshes the holder's idle timer when it is the holder.
    mutating func use(by connection: ConnectionID, now: Double) -> Decision {
        _ = expire(now: now)
        guard let h = holder else { return .allowed }
        guard h.connection == connection else { return .heldByOther(uid: h.uid, connection: h.connection) }
        holder?.lastUsed = now
        return .allowed
    }

    /// The connection went away: its lease ends.
    mutating func connectionClosed(_ connection: ConnectionID) -> Bool {
        release(by: connection)
    }
}
