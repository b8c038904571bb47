import PNNCore

/// Repeats a piece of work and reports the best time per repetition.
///
/// Best-of-N rather than the mean: on a shared machine interference only ever adds time, so the minimum
/// is the most repeatable estimate of what the code itself costs.
enum Stopwatch {
    /// Seconds per call of `body`: at least `repetitions` calls and at least `minimumSeconds` in total.
    static func bestSeconds(repetitions: Int = 5, minimumSeconds: Double = 0.5, _ body: () throws -> Void) rethrows -> Double {
        let clock = ContinuousClock()
        var best = Double.infinity
        var total = 0.0
        var runs = 0
        while runs < repetitions || total < minimumSeconds {
            let elapsed = try clock.measure(body)
            let seconds = elapsed.seconds
            best = min(best, seconds)
            total += seconds
            runs += 1
        }
        return best
    }
}
