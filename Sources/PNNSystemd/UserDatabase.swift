#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Reentrant look-ups in the user and group databases (NSS: /etc/passwd, /etc/group, LDAP, …).
///
/// Every `_r` call starts with the buffer size sysconf suggests and doubles it on ERANGE up to
/// `maximumBufferBytes`; EINTR is retried. "No such entry" is nil, never an error.
public enum UserDatabase {
    /// The fields of a passwd entry pnn uses.
    public struct User: Sendable, Hashable {
        public let name: String
        public let uid: uid_t
        /// Primary group.
        public let gid: gid_t
        public let homeDirectory: String
    }

    /// Largest buffer a look-up may grow to (groups with thousands of members need a lot).
    public static let maximumBufferBytes = 16 << 20

    /// The passwd entry of `uid`; nil when there is none.
    public static func user(uid: uid_t) throws(SystemError) -> User? {
        try withGrowingBuffer(call: "getpwuid_r(\(uid))", initialSize: _SC_GETPW_R_SIZE_MAX) { buffer in
            guard let base = buffer.baseAddress else { return (ERANGE, nil) }
            var entry = passwd()
            var result: UnsafeMutablePointer<passwd>? = nil
            let code = getpwuid_r(uid, &entry, base, buffer.count, &result)
            guard code == 0, let found = result else { return (code, nil) }
            return (0, User(
                name: found.pointee.pw_name.map { String(cString: $0) } ?? "",
                uid: found.pointee.pw_uid,
                gid: found.pointee.pw_gid,
                homeDirectory: found.pointee.pw_dir.map { String(cString: $0) } ?? ""
            ))
        }
    }

    /// The gid of group `name`; nil when there is no such group.
    public static func groupID(named name: String) throws(SystemError) -> gid_t? {
        try withGrowingBuffer(call: "getgrnam_r(\(name))", initialSize: _SC_GETGR_R_SIZE_MAX) { buffer in
            guard let base = buffer.baseAddress else { return (ERANGE, nil) }
            var entry = group()
            var result: UnsafeMutablePointer<group>? = nil
            let code = getgrnam_r(name, &entry, base, buffer.count, &result)
            guard code == 0, let found = result else { return (code, nil) }
            return (0, found.pointee.gr_gid)
        }
    }

    /// The name of group `gid`; nil when there is no such group.
    public static func groupName(gid: gid_t) throws(SystemError) -> String? {
        try withGrowingBuffer(call: "getgrgid_r(\(gid))", initialSize: _SC_GETGR_R_SIZE_MAX) { buffer in
            guard let base = buffer.baseAddress else { return (ERANGE, nil) }
            var entry = group()
            var result: UnsafeMutablePointer<group>? = nil
            let code = getgrgid_r(gid, &entry, base, buffer.count, &result)
            guard code == 0, let found = result else { return (code, nil) }
            return (0, found.pointee.gr_name.map { String(cString: $0) } ?? "")
        }
    }

    /// Every group of the user `uid`: its primary group first, then the groups listing it as a member
    /// (getgrouplist on the passwd name). Nil when `uid` has no passwd entry.
    public static func supplementaryGroups(of uid: uid_t) throws(SystemError) -> [gid_t]? {
        guard let user = try user(uid: uid) else { return nil }
        return groupList(userName: user.name, primaryGroup: user.gid)
    }

    /// getgrouplist, growing the array until every group fits.
    static func groupList(userName: String, primaryGroup: gid_t) -> [gid_t] {
        var capacity: CInt = 32
        for _ in 0..<16 {
            var count = capacity
            var groups = [gid_t](repeating: 0, count: Int(capacity))
            let result = groups.withUnsafeMutableBufferPointer { buffer in
                getgrouplist(userName, primaryGroup, buffer.baseAddress, &count)
            }
            if result >= 0 {
                return Array(groups.prefix(Int(max(0, min(count, capacity)))))
            }
            // Too small: glibc reports the size it needs in `count`.
            capacity = count > capacity ? count : capacity &* 2
            if capacity <= 0 { break }
        }
        return [primaryGroup]
    }

    /// Calls an `_r` look-up with a buffer, growing the buffer on ERANGE and retrying on EINTR.
    ///
    /// `body` returns the function's result code (0 or an errno value) and the entry if found.
    /// ENOENT, ESRCH, EBADF and EPERM mean "not found" for these functions (getpwnam(3), NOTES).
    static func withGrowingBuffer<Entry>(
        call: String, initialSize: Int,
        _ body: (UnsafeMutableBufferPointer<CChar>) -> (code: Int32, entry: Entry?)
    ) throws(SystemError) -> Entry? {
        let suggested = sysconf(Int32(initialSize))
        var size = suggested > 0 ? min(suggested, 1 << 16) : 1024
        while true {
            var buffer = [CChar](repeating: 0, count: size)
            let (code, entry) = buffer.withUnsafeMutableBufferPointer { body($0) }
            switch code {
            case 0:
                return entry
            case EINTR:
                continue
            case ERANGE where size < maximumBufferBytes:
                size *= 2
            case ENOENT, ESRCH, EBADF, EPERM:
                return nil
            default:
                throw SystemError(call: call, errno: code)
            }
        }
    }
}
