@testable import PNNDaemon
import Testing

@Suite struct LeaseStateTests {
    let a = ConnectionID(1), b = ConnectionID(2)

    @Test func freeDeviceCanBeUsedByAnyone() {
        var lease = LeaseState()
        #expect(lease.use(by: a, now: 0) == .allowed)
        #expect(lease.use(by: b, now: 0) == .allowed)
    }

    @Test func leaseIsExclusive() {
        var lease = LeaseState()
        #expect(lease.lease(by: a, uid: 1000, idleSeconds: 10, now: 0) == .allowed)
        #expect(lease.use(by: a, now: 1) == .allowed)
        #expect(lease.use(by: b, now: 1) == .heldByOther(uid: 1000, connection: a))
        #expect(lease.lease(by: b, uid: 1001, idleSeconds: 10, now: 1) == .heldByOther(uid: 1000, connection: a))
        #expect(lease.lease(by: a, uid: 1000, idleSeconds: 10, now: 2) == .allowed, "re-lease refreshes")
    }

    @Test func releaseOnlyByHolder() {
        var lease = LeaseState()
        _ = lease.lease(by: a, uid: 0, idleSeconds: 10, now: 0)
        let byOther = lease.release(by: b)
        #expect(!byOther)
        let byHolder = lease.release(by: a)
        #expect(byHolder)
        #expect(lease.holder == nil)
        let again = lease.release(by: a)
        #expect(!again)
    }

    @Test func idleLeaseExpiresAndUseRefreshesIt() {
        var lease = LeaseState()
        _ = lease.lease(by: a, uid: 0, idleSeconds: 10, now: 0)
        #expect(lease.use(by: a, now: 9) == .allowed)
        #expect(lease.use(by: b, now: 18) != .allowed, "a's use at t=9 keeps it until t=19")
        #expect(lease.use(by: b, now: 19.5) == .allowed)
        #expect(lease.holder == nil)
    }

    @Test func closingTheConnectionEndsItsLease() {
        var lease = LeaseState()
        _ = lease.lease(by: a, uid: 0, idleSeconds: 10, now: 0)
        let other = lease.connectionClosed(b)
        #expect(!other)
        #expect(lease.holder != nil)
        let holder = lease.connectionClosed(a)
        #expect(holder)
        #expect(lease.use(by: b, now: 1) == .allowed)
    }
}
