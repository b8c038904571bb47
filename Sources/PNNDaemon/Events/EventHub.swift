import Synchronization
import PNNProtocol

/// Fans device events out to subscribed connections.
final class EventHub: Sendable {
    /// Receives events for one subscription.
    struct Subscriber: Sendable {
        var connection: ConnectionID
        var subscriptionID: UInt64
        var deliver: @Sendable (DeviceEvent) -> Void
    }

    private let subscribers = Mutex<[Subscriber]>([])
    private let connections: OpenConnections

    init(connections: OpenConnections) {
        self.connections = connections
    }

    /// Adds `subscriber`; false (and nothing added) when its connection has closed meanwhile.
    @discardableResult
    func subscribe(_ subscriber: Subscriber) -> Bool {
        // Checked under the lock `connectionClosed` takes: see OpenConnections.
        subscribers.withLock { list in
            guard connections.contains(subscriber.connection) else { return false }
            list.append(subscriber)
            return true
        }
    }

    func unsubscribe(connection: ConnectionID, subscriptionID: UInt64) {
        subscribers.withLock { $0.removeAll { $0.connection == connection && $0.subscriptionID == subscriptionID } }
    }

    func connectionClosed(_ connection: ConnectionID) {
        subscribers.withLock { $0.removeAll { $0.connection == connection } }
    }

    func publish(_ event: DeviceEvent) {
        let targets = subscribers.withLock { $0 }
        for s in targets { s.deliver(event) }
    }

    var count: Int { subscribers.withLock { $0.count } }
}
