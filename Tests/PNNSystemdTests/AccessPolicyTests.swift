#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Testing
@testable import PNNSystemd

@Suite("AccessPolicy")
struct AccessPolicyTests {
    let stranger = PeerCredentials(pid: 100, uid: 3_999_999_001, gid: 3_999_999_001)

    @Test("root is always permitted, even by an empty policy")
    func root() {
        let policy = AccessPolicy(daemonUID: 999)
        #expect(policy.evaluate(PeerCredentials(pid: 1, uid: 0, gid: 0)).reason == .root)
        #expect(policy.permits(PeerCredentials(pid: 1, uid: 0, gid: 12345)))
    }

    @Test("the daemon's own uid is permitted")
    func daemonUser() {
        let policy = AccessPolicy(daemonUID: 999)
        #expect(policy.evaluate(PeerCredentials(pid: 7, uid: 999, gid: 999)).reason == .daemonUser)
        #expect(AccessPolicy().permits(.current))
    }

    @Test("listed uids are permitted, others denied")
    func allowedUIDs() {
        let policy = AccessPolicy(allowedUIDs: [1000, stranger.uid], daemonUID: 999)
        #expect(policy.evaluate(stranger).reason == .allowedUID)
        #expect(policy.evaluate(PeerCredentials(pid: 5, uid: 1000, gid: 1000)).isPermitted)
        let denied = policy.evaluate(PeerCredentials(pid: 5, uid: 1001, gid: 1001))
        #expect(!denied.isPermitted)
        #expect(denied.reason == .denied)
        #expect(denied.description == "denied: no rule matched")
    }

    @Test("a peer whose primary gid is an allowed group (real group root) is permitted")
    func primaryGroup() {
        let policy = AccessPolicy(allowedGroups: ["root"], daemonUID: 999)
        #expect(policy.allowedGIDs == [0])
        #expect(policy.unresolvedGroups.isEmpty)
        let peer = PeerCredentials(pid: 5, uid: stranger.uid, gid: 0)
        let decision = policy.evaluate(peer)
        #expect(decision.reason == .primaryGroup)
        #expect(decision.group == 0)
        #expect(decision.description == "permitted: allowed primary group (gid 0)")
        #expect(!policy.permits(stranger))
    }

    @Test("membership through the real user database (getpwuid_r + getgrouplist)")
    func realGroupMembership() throws {
        // A real non-root account (Debian: daemon, uid 1, gid 1) whose primary group we allow by name,
        // while the peer's gid is foreign: only the getgrouplist path can permit it.
        guard let user = try UserDatabase.user(uid: 1), let groupName = try UserDatabase.groupName(gid: user.gid) else {
            return
        }
        let policy = AccessPolicy(allowedGroups: [groupName], daemonUID: 3_999_999_002)
        let decision = policy.evaluate(PeerCredentials(pid: 5, uid: user.uid, gid: 3_999_999_003))
        #expect(decision.reason == .supplementaryGroup)
        #expect(decision.group == user.gid)
        #expect(!policy.permits(PeerCredentials(pid: 5, uid: 3_999_999_004, gid: 3_999_999_003)))
    }

    @Test("supplementary groups come from the user database, not the peer's gid")
    func supplementaryGroup() {
        let policy = AccessPolicy(
            allowedUIDs: [], allowedGroups: ["pnn", "lab"], daemonUID: 999,
            resolveGroup: { ["pnn": 990, "lab": 991][$0] },
            groupsOfUser: { uid in uid == 1000 ? [1000, 27, 991] : uid == 1001 ? [1001] : nil }
        )
        #expect(policy.allowedGIDs == [990, 991])
        let member = policy.evaluate(PeerCredentials(pid: 5, uid: 1000, gid: 1000))
        #expect(member.reason == .supplementaryGroup)
        #expect(member.group == 991)
        #expect(!policy.permits(PeerCredentials(pid: 5, uid: 1001, gid: 1001)))
        // No passwd entry: only the primary gid can match.
        #expect(!policy.permits(PeerCredentials(pid: 5, uid: 1002, gid: 1002)))
        #expect(policy.permits(PeerCredentials(pid: 5, uid: 1002, gid: 990)))
    }

    @Test("group names without an entry are reported, not fatal")
    func unresolvedGroups() {
        let missing = "pnn-no-such-group-\(getpid())"
        let policy = AccessPolicy(allowedGroups: [missing, "root"], daemonUID: 999)
        #expect(policy.unresolvedGroups == [missing])
        #expect(policy.allowedGIDs == [0])
        #expect(policy.allowedGroups == [missing, "root"])
    }
}
