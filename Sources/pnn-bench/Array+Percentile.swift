extension Array where Element == Double {
    /// The q-quantile of a sorted array (nearest rank): the protocol benchmark's p50/p99 and the
    /// training benchmark's median share.
    func percentile(_ q: Double) -> Double {
        guard !isEmpty else { return .nan }
        return self[Swift.min(count - 1, Int((Double(count) * q).rounded(.up)) - 1)]
    }
}
