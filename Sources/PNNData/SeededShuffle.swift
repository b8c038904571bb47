import PNNCore

/// Shuffling spelled out rather than taken from the standard library.
///
/// `Array.shuffle(using:)` and `Int.random(in:using:)` do not promise a fixed algorithm, and a data
/// order must be reproducible from its seed across Swift releases just as `SeededGenerator` streams
/// are; so the Fisher–Yates walk and the bounded draw (Lemire's multiply-and-reject, unbiased) live here.
extension SeededGenerator {
    /// Uniform in `0 ..< bound` (`bound > 0`).
    mutating func nextIndex(below bound: Int) -> Int {
        precondition(bound > 0, "bound must be positive, got \(bound)")
        let range = UInt64(bound)
        var product = next().multipliedFullWidth(by: range)
        if product.low < range {
            let threshold = (0 &- range) % range
            while product.low < threshold {
                product = next().multipliedFullWidth(by: range)
            }
        }
        return Int(product.high)
    }

    /// Permutes `values` in place, every order equally likely.
    mutating func shuffle<T>(_ values: inout [T]) {
        guard values.count > 1 else { return }
        for i in stride(from: values.count - 1, to: 0, by: -1) {
            values.swapAt(i, nextIndex(below: i + 1))
        }
    }
}
