#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Straightforward scalar SHG forward: the benchmark baseline and test oracle for `SHGModel`.
///
/// Written for obviousness, not speed: complex arithmetic on a local struct, the full double sum over
/// all (k, l) pairs, the complex phase-matching response applied to B, pixel by pixel. It recomputes
/// every table from the configuration, so it shares no code with the optimised kernels.
public enum SHGReference {
    private struct Complex {
        var re: Double
        var im: Double
        static func + (a: Complex, b: Complex) -> Complex { Complex(re: a.re + b.re, im: a.im + b.im) }
        static func * (a: Complex, b: Complex) -> Complex {
            Complex(re: a.re * b.re - a.im * b.im, im: a.re * b.im + a.im * b.re)
        }
        static func polar(_ r: Double, _ phi: Double) -> Complex { Complex(re: r * cos(phi), im: r * sin(phi)) }
        var squaredMagnitude: Double { re * re + im * im }
    }

    /// y [M] for one sample: x [N], θ [P] or [P + K] (amplitudes, then phases with trainable phases).
    /// Expects a configuration that `SHGModel.init` accepts.
    public static func forward(configuration c: SHGModel.Configuration, x: [Double], theta: [Double]) -> [Double] {
        let k = c.bins
        let s = c.harmonicBins
        let m = c.pixels
        let u = x + theta.prefix(c.parameterBins)

        // Fundamental field A_k = u_k E_k e^{iφ_k}.
        var field: [Complex] = []
        for j in 0 ..< k {
            let offset = Double(j) - c.envelopeCentreBin
            let envelope = exp(-offset * offset / (2 * c.envelopeWidthBins * c.envelopeWidthBins))
            let amplitude = u[j] * envelope
            let detuning = 2 * Double.pi * c.binWidthTerahertz * 1e-3 * offset  // rad/fs
            var phase = 0.5 * c.groupDelayDispersionFs2 * detuning * detuning
            if c.trainablePhases { phase += theta[c.parameterBins + j] }
            phase += c.nonlinearPhaseRadians * amplitude * amplitude
            field.append(.polar(amplitude, phase))
        }

        // B_s = H_s Σ_{k+l=s} A_k A_l, all ordered pairs.
        var harmonic = [Complex](repeating: Complex(re: 0, im: 0), count: s)
        for a in 0 ..< k {
            for b in 0 ..< k {
                harmonic[a + b] = harmonic[a + b] + field[a] * field[b]
            }
        }
        for j in 0 ..< s {
            let half = Double.pi * (Double(j) - c.phaseMatchingCentreBin) / c.phaseMatchingBandwidthBins
            let sinc = half == 0 ? 1 : sin(half) / half
            harmonic[j] = harmonic[j] * .polar(sinc, half)
        }

        // Pixel m integrates SH bins with ⌊s·M/S⌋ = m.
        var y = [Double](repeating: 0, count: m)
        for j in 0 ..< s {
            let pixel = j * m / s
            y[pixel] += c.detectorGain * c.pixelResponsivity[pixel] * harmonic[j].squaredMagnitude
        }
        return y
    }
}
