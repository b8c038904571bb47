/// A small, fast, seedable random number generator (xoshiro256**, seeded through SplitMix64).
///
/// Every stochastic part of pnn (reality gaps, probes, initialisations) takes one of these, so a seed
/// reproduces a run bit for bit across machines; `SystemRandomNumberGenerator` is never used for data.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: (UInt64, UInt64, UInt64, UInt64)

    public init(seed: UInt64) {
        var splitmix = seed
        func next() -> UInt64 {
            splitmix &+= 0x9E37_79B9_7F4A_7C15
            var z = splitmix
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        state = (next(), next(), next(), next())
    }

    public mutating func next() -> UInt64 {
        let result = rotate(state.1 &* 5, 7) &* 9
        let t = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= t
        state.3 = rotate(state.3, 45)
        return result
    }

    private func rotate(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    /// Uniform in [0, 1) with 53 random bits.
    public mutating func nextUniform() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// Uniform in `range`.
    public mutating func nextUniform(in range: ClosedRange<Double>) -> Double {
        range.lowerBound + (range.upperBound - range.lowerBound) * nextUniform()
    }

    /// Standard normal deviate (Box–Muller; one draw per call keeps the stream easy to reason about).
    public mutating func nextGaussian() -> Double {
        var u = nextUniform()
        while u <= .leastNormalMagnitude { u = nextUniform() }
        let v = nextUniform()
        return (-2 * _log(u)).squareRoot() * _cos(2 * .pi * v)
    }

    /// A new generator whose stream is independent of this one's (for per-component streams).
    public mutating func split() -> SeededGenerator { SeededGenerator(seed: next()) }

    /// The generator's whole state, to store and continue the stream later (a resumed training run).
    public var words: [UInt64] { [state.0, state.1, state.2, state.3] }

    /// Continues the stream of the generator whose `words` these are; nil for anything but four
    /// words that are not all zero (xoshiro's one unusable state).
    public init?(words: [UInt64]) {
        guard words.count == 4, words.contains(where: { $0 != 0 }) else { return nil }
        state = (words[0], words[1], words[2], words[3])
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@inline(__always) private func _log(_ x: Double) -> Double { log(x) }
@inline(__always) private func _cos(_ x: Double) -> Double { cos(x) }
