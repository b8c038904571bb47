#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Testing
@testable import PNNSystemd

@Suite("UserDatabase")
struct UserDatabaseTests {
    @Test("root exists as user 0 with group root (0)")
    func root() throws {
        let user = try #require(try UserDatabase.user(uid: 0))
        #expect(user.name == "root")
        #expect(user.gid == 0)
        #expect(try UserDatabase.groupID(named: "root") == 0)
        #expect(try UserDatabase.groupName(gid: 0) == "root")
        let groups = try #require(try UserDatabase.supplementaryGroups(of: 0))
        #expect(groups.first == 0)
    }

    @Test("the current user resolves, and its groups include its primary group")
    func currentUser() throws {
        let user = try #require(try UserDatabase.user(uid: geteuid()))
        #expect(user.uid == geteuid())
        let groups = try #require(try UserDatabase.supplementaryGroups(of: geteuid()))
        #expect(groups.contains(user.gid))
    }

    @Test("unknown entries are nil, not errors")
    func unknown() throws {
        #expect(try UserDatabase.user(uid: 3_999_999_000) == nil)
        #expect(try UserDatabase.groupID(named: "pnn-no-such-group-\(getpid())") == nil)
        #expect(try UserDatabase.groupName(gid: 3_999_999_000) == nil)
        #expect(try UserDatabase.supplementaryGroups(of: 3_999_999_000) == nil)
    }

    @Test("a buffer that starts too small grows on ERANGE")
    func growsBuffer() throws {
        var sizes: [Int] = []
        let result: Int? = try UserDatabase.withGrowingBuffer(call: "test", initialSize: _SC_GETPW_R_SIZE_MAX) { buffer in
            sizes.append(buffer.count)
            return buffer.count < 8 * sizes[0] ? (ERANGE, nil) : (0, buffer.count)
        }
        #expect(sizes.count == 4)
        #expect(result == 8 * sizes[0])
    }

    @Test("other look-up errors are thrown as SystemError")
    func throwsOtherErrors() {
        #expect(throws: SystemError(call: "test", errno: EIO)) {
            let _: Int? = try UserDatabase.withGrowingBuffer(call: "test", initialSize: _SC_GETPW_R_SIZE_MAX) { _ in (EIO, nil) }
        }
    }

    @Test("getgrouplist grows past a small first guess")
    func groupList() {
        let groups = UserDatabase.groupList(userName: "root", primaryGroup: 0)
        #expect(groups.contains(0))
    }
}
