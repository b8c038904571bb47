#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Which socket peers pnnd serves: root, its own user, listed uids, and members of listed groups.
///
/// Group names are resolved to gids once, in `init`; build a new policy on reload. `evaluate`
/// looks up the peer's groups in the user database (NSS), so call it once per connection, not per request.
public struct AccessPolicy: Sendable {
    /// Peer uids allowed besides root and `daemonUID` (`allowed_uids`).
    public let allowedUIDs: Set<uid_t>
    /// Group names whose members are allowed (`allowed_groups`).
    public let allowedGroups: Set<String>
    /// The gids `allowedGroups` resolved to.
    public let allowedGIDs: Set<gid_t>
    /// Names in `allowedGroups` with no group entry, sorted; worth a warning at start-up.
    public let unresolvedGroups: [String]
    /// The daemon's own uid, always allowed.
    public let daemonUID: uid_t

    /// All groups of a uid (primary included), or nil if the uid has no passwd entry.
    let groupsOfUser: @Sendable (uid_t) -> [gid_t]?

    public init(allowedUIDs: Set<uid_t> = [], allowedGroups: Set<String> = [], daemonUID: uid_t = geteuid()) {
        self.init(
            allowedUIDs: allowedUIDs, allowedGroups: allowedGroups, daemonUID: daemonUID,
            resolveGroup: { try? UserDatabase.groupID(named: $0) },
            groupsOfUser: { (try? UserDatabase.supplementaryGroups(of: $0)) ?? nil }
        )
    }

    /// With injectable look-ups, for tests.
    init(
        allowedUIDs: Set<uid_t>, allowedGroups: Set<String>, daemonUID: uid_t,
        resolveGroup: (String) -> gid_t?, groupsOfUser: @escaping @Sendable (uid_t) -> [gid_t]?
    ) {
        var gids: Set<gid_t> = []
        var unresolved: [String] = []
        for name in allowedGroups {
            if let gid = resolveGroup(name) { gids.insert(gid) } else { unresolved.append(name) }
        }
        self.allowedUIDs = allowedUIDs
        self.allowedGroups = allowedGroups
        self.allowedGIDs = gids
        self.unresolvedGroups = unresolved.sorted()
        self.daemonUID = daemonUID
        self.groupsOfUser = groupsOfUser
    }

    /// Whether `peer` may use the daemon, and the rule that decided it.
    public func evaluate(_ peer: PeerCredentials) -> AccessDecision {
        if peer.uid == 0 { return AccessDecision(.root) }
        if peer.uid == daemonUID { return AccessDecision(.daemonUser) }
        if allowedUIDs.contains(peer.uid) { return AccessDecision(.allowedUID) }
        guard !allowedGIDs.isEmpty else { return AccessDecision(.denied) }
        if allowedGIDs.contains(peer.gid) { return AccessDecision(.primaryGroup, group: peer.gid) }
        if let groups = groupsOfUser(peer.uid), let match = groups.first(where: allowedGIDs.contains) {
            return AccessDecision(.supplementaryGroup, group: match)
        }
        return AccessDecision(.denied)
    }

    /// Whether `peer` may use the daemon.
    public func permits(_ peer: PeerCredentials) -> Bool {
        evaluate(peer).isPermitted
    }
}

/// The outcome of `AccessPolicy.evaluate`: permitted or not, and by which rule.
public struct AccessDecision: Sendable, Hashable, CustomStringConvertible {
    /// The rule that decided; its description is a constant suitable for a log message or metadata value.
    public struct Reason: Sendable, Hashable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }
        /// The peer is root.
        public static let root = Reason("root")
        /// The peer runs as the daemon's own user.
        public static let daemonUser = Reason("daemon user")
        /// The peer's uid is in `allowed_uids`.
        public static let allowedUID = Reason("allowed uid")
        /// The peer's primary gid is an allowed group.
        public static let primaryGroup = Reason("allowed primary group")
        /// The peer's user belongs to an allowed group.
        public static let supplementaryGroup = Reason("allowed supplementary group")
        /// No rule matched.
        public static let denied = Reason("no rule matched")
        public var description: String { name }
    }

    public let reason: Reason
    /// The allowed gid that matched, for the two group rules.
    public let group: gid_t?

    public init(_ reason: Reason, group: gid_t? = nil) {
        self.reason = reason
        self.group = group
    }

    public var isPermitted: Bool { reason != .denied }

    public var description: String {
        (isPermitted ? "permitted: " : "denied: ") + reason.description + (group.map { " (gid \($0))" } ?? "")
    }
}
