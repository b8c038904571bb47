import PNNCore
import Testing

@Suite struct SeededGeneratorTests {
    private func draws(seed: UInt64, count: Int = 64) -> [UInt64] {
        var rng = SeededGenerator(seed: seed)
        return (0 ..< count).map { _ in rng.next() }
    }

    @Test func sameSeedGivesTheSameStream() {
        #expect(draws(seed: 42) == draws(seed: 42))
        #expect(draws(seed: 0) == draws(seed: 0))
    }

    @Test func differentSeedsGiveDifferentStreams() {
        let a = draws(seed: 1), b = draws(seed: 2)
        #expect(a != b)
        // Not merely shifted or mostly equal: almost every position differs.
        #expect(zip(a, b).filter { $0 == $1 }.count == 0)
    }

    @Test func nextUniformIsInTheHalfOpenUnitInterval() {
        var rng = SeededGenerator(seed: 7)
        var low = 1.0, high = 0.0
        for _ in 0 ..< 20_000 {
            let u = rng.nextUniform()
            #expect(u >= 0 && u < 1)
            low = min(low, u)
            high = max(high, u)
        }
        // The draws spread over the interval.
        #expect(low < 0.001)
        #expect(high > 0.999)
    }

    @Test func nextUniformInRangeStaysInRange() {
        var rng = SeededGenerator(seed: 9)
        for _ in 0 ..< 5_000 {
            let v = rng.nextUniform(in: -1 ... 1)
            #expect(v >= -1 && v <= 1)
        }
    }

    @Test func gaussianHasZeroMeanAndUnitVariance() {
        var rng = SeededGenerator(seed: 12_345)
        let n = 20_000
        var sum = 0.0, sumSquares = 0.0
        for _ in 0 ..< n {
            let g = rng.nextGaussian()
            #expect(g.isFinite)
            sum += g
            sumSquares += g * g
        }
        let mean = sum / Double(n)
        let variance = sumSquares / Double(n) - mean * mean
        // Standard error of the mean is 1/√20000 ≈ 0.007; bounds are ~7σ wide.
        #expect(abs(mean) < 0.05)
        #expect(abs(variance - 1) < 0.05)
    }

    @Test func splitStreamsAreReproducibleAndIndependent() {
        var a = SeededGenerator(seed: 3), b = SeededGenerator(seed: 3)
        var childA = a.split(), childB = b.split()
        #expect(childA.next() == childB.next())
        #expect(a.next() == b.next())
        var parent = SeededGenerator(seed: 3)
        var child = parent.split()
        #expect(child.next() != parent.next())
    }

    @Test func worksAsARandomNumberGenerator() {
        var a = SeededGenerator(seed: 5), b = SeededGenerator(seed: 5)
        let x = (0 ..< 10).map { _ in Int.random(in: 0 ..< 1000, using: &a) }
        let y = (0 ..< 10).map { _ in Int.random(in: 0 ..< 1000, using: &b) }
        #expect(x == y)
    }
}
