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

    func subscribe(_ subscriber: Subscriber) {
        subscribers.withLock { $0.append(subscriber) }
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
