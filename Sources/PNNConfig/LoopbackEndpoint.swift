/// A `host:port` that must stay on the machine: host in 127.0.0.0/8 or `::1` (written `[::1]:port`).
///
/// Used for `metrics_listen`: the Prometheus endpoint has no authentication, so pnnd never binds it
/// to an address another machine can reach.
struct LoopbackEndpoint: Sendable, Equatable {
    /// The address as written, without brackets: `127.0.0.1`, `::1`.
    var host: String
    var port: Int

    /// Parses `text`, or explains what is wrong with it.
    static func parse(_ text: String) -> Result<LoopbackEndpoint, Problem> {
        let host: Substring
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return .failure(Problem("missing ']' after the IPv6 address")) }
            host = text[text.index(after: text.startIndex) ..< close]
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":") else { return .failure(Problem("expected ':port' after ']'")) }
            portText = rest.dropFirst()
        } else {
            guard let colon = text.lastIndex(of: ":") else { return .failure(Problem("expected host:port")) }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
            if host.contains(":") { return .failure(Problem("write IPv6 addresses in brackets, e.g. [::1]:9464")) }
        }
        guard let port = Int(portText), (1 ... 65535).contains(port) else {
            return .failure(Problem("port must be an integer in 1…65535 (got '\(portText)')"))
        }
        guard isIPv4Loopback(host) || isIPv6Loopback(host) else {
            let hint = host == "localhost" ? "; write 127.0.0.1 or [::1]" : ""
            return .failure(Problem("host '\(host)' is not a loopback address (127.0.0.0/8 or ::1); the metrics endpoint has no authentication\(hint)"))
        }
        return .success(LoopbackEndpoint(host: String(host), port: port))
    }

    struct Problem: Error, Equatable {
        var message: String
        init(_ message: String) { self.message = message }
    }

    private static func isIPv4Loopback(_ host: Substring) -> Bool {
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return false }
        let octets = parts.compactMap { part -> Int? in
            guard (1 ... 3).contains(part.count), part.allSatisfy(\.isASCII), let value = Int(part), value <= 255 else { return nil }
            return value
        }
        return octets.count == 4 && octets[0] == 127
    }

    /// `::1` in any spelling (`0:0:0:0:0:0:0:1`, `::0:1`, …).
    private static func isIPv6Loopback(_ host: Substring) -> Bool {
        let halves = host.split(separator: "::", maxSplits: 1, omittingEmptySubsequences: false)
        func groups(_ s: Substring) -> [UInt16]? {
            if s.isEmpty { return [] }
            var values: [UInt16] = []
            for group in s.split(separator: ":", omittingEmptySubsequences: false) {
                guard (1 ... 4).contains(group.count), let value = UInt16(group, radix: 16) else { return nil }
                values.append(value)
            }
            return values
        }
        let words: [UInt16]
        if halves.count == 2 {
            guard let head = groups(halves[0]), let tail = groups(halves[1]), head.count + tail.count < 8 else { return false }
            words = head + [UInt16](repeating: 0, count: 8 - head.count - tail.count) + tail
        } else {
            guard let all = groups(halves[0]), all.count == 8 else { return false }
            words = all
        }
        return words == [0, 0, 0, 0, 0, 0, 0, 1]
    }
}
