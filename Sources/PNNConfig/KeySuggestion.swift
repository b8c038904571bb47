/// "Did you mean …?" for misspelt keys and names: the closest candidate by edit distance.
enum KeySuggestion {
    /// The candidate closest to `word`, if it is close enough to be a likely typo.
    ///
    /// Case and `_`/`-` are ignored first, so `queueDepth` finds `queue_depth`; then up to one edit per
    /// three characters (at least two) is allowed, or one word may be the start of the other (`warn`).
    static func closest(to word: String, in candidates: [String]) -> String? {
        let target = normalised(word)
        var best: (candidate: String, distance: Int)? = nil
        for candidate in candidates {
            let distance = editDistance(target, normalised(candidate))
            if distance < best?.distance ?? Int.max { best = (candidate, distance) }
        }
        guard let best else { return nil }
        let allowed = max(2, max(target.count, 1) / 3)
        if best.distance <= allowed { return best.candidate }
        // An abbreviation: `warn` for `warning`, `socket_path` for `socket`.
        guard target.count >= 3 else { return nil }
        return candidates.first { candidate in
            let c = normalised(candidate)
            return c.starts(with: target) || target.starts(with: c)
        }
    }

    /// `; did you mean 'x'?` or nothing.
    static func hint(for word: String, in candidates: [String]) -> String {
        closest(to: word, in: candidates).map { "; did you mean '\($0)'?" } ?? ""
    }

    private static func normalised(_ word: String) -> [Character] {
        Array(word.lowercased().filter { $0 != "_" && $0 != "-" })
    }

    /// Levenshtein distance (insertions, deletions, substitutions; a swap of neighbours counts once).
    static func editDistance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous2 = [Int](repeating: 0, count: b.count + 1)
        var previous = Array(0 ... b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1 ... a.count {
            current[0] = i
            for j in 1 ... b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                var d = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] { d = min(d, previous2[j - 2] + 1) }
                current[j] = d
            }
            (previous2, previous, current) = (previous, current, previous2)
        }
        return previous[b.count]
    }
}
