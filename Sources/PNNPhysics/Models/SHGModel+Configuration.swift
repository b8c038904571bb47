extension SHGModel {
    /// Physical parameters of the laser, pulse shaper, χ⁽²⁾ crystal and spectrometer.
    ///
    /// Frequencies are counted in bins of width δ (`binWidthTerahertz`): fundamental bin k sits at
    /// ω₀ + kδ, k = 0 … K−1 (K = N + P), and SH bin s at 2ω₀ + sδ, s = 0 … S−1 (S = 2K−1). The 800 nm
    /// carrier sits at the envelope centre k_c, its 400 nm SH at s = 2k_c. Outputs are in kilocounts
    /// (10³ spectrometer counts).
    public struct Configuration: Sendable, Codable, Equatable {
        /// N: shaper bins driven by the data x (the first N bins).
        public var dataBins: Int
        /// P: shaper bins driven by the amplitude parameters θ (the next P bins).
        public var parameterBins: Int
        /// M: spectrometer pixels; pixel m integrates SH bins s ∈ [m·S/M, (m+1)·S/M).
        public var pixels: Int
        /// When true the shaper also applies one trainable spectral phase per bin (rad), appended to θ:
        /// θ = [amplitudes (P) | phases (K)].
        public var trainablePhases: Bool
        /// δ: frequency width of one shaper bin, in THz (SH bins have the same width).
        public var binWidthTerahertz: Double
        /// k_c: centre of the laser's Gaussian spectral envelope, in fundamental bins (may be fractional).
        public var envelopeCentreBin: Double
        /// σ: standard deviation of the envelope's field amplitude E_k = exp(−(k−k_c)²/2σ²), in bins.
        public var envelopeWidthBins: Double
        /// Residual group-delay dispersion of the pulse in fs²: spectral phase ½·GDD·(2πδ(k−k_c))².
        public var groupDelayDispersionFs2: Double
        /// W: phase-matching bandwidth in SH bins; |H_s|² = sinc²(π(s−s_c)/W) has its first zero at
        /// |s − s_c| = W (see `phaseMatchingBandwidthBins(crystalLengthMillimetres:…)`).
        public var phaseMatchingBandwidthBins: Double
        /// s_c: SH bin of perfect phase matching.
        public var phaseMatchingCentreBin: Double
        /// G: spectrometer output in kilocounts per unit of normalised SH spectral energy |B_s|².
        public var detectorGain: Double
        /// r_m: relative responsivity of each of the M pixels (nominally 1).
        public var pixelResponsivity: [Double]
        /// Largest reading before the spectrometer saturates, in kilocounts (`outputRange` = 0…this).
        public var detectorFullScale: Double
        /// κ in rad: intensity-dependent spectral phase κ|A_k|² (Kerr phase in crystal and shaper optics,
        /// LC-SLM amplitude–phase coupling). Not in the nominal model (0); the reality gap switches it
        /// on as the unmodelled term.
        public var nonlinearPhaseRadians: Double

        /// Size of κ the reality gap adds per unit of `RealityGap.unmodelled`, in rad.
        public static let unmodelledNonlinearPhase = 0.5
        /// Optical bandwidth the shaper's K bins span by default, THz (27 nm around 800 nm).
        public static let defaultShaperWindowTerahertz = 12.8
        /// Default crystal: 0.5 mm BBO, type-I 800 nm → 400 nm.
        public static let defaultCrystalLengthMillimetres = 0.5
        /// Group-velocity mismatch 1/v_SH − 1/v_F of BBO at 800 nm, fs/mm.
        public static let defaultGroupVelocityMismatchFsPerMm = 190.0
        /// Brightest pixel, in kilocounts, for a half-open shaper (every bin driven at ½) at defaults.
        public static let referencePeak = 1.0

        /// Phase-matching bandwidth W in SH bins for a crystal of length L with group-velocity mismatch
        /// Δ(1/v_g): Δk(Ω)·L/2 ≈ Δ(1/v_g)·Ω·L/2 with Ω = 2πδ(s−s_c), so W = 1/(Δ(1/v_g)·L·δ).
        public static func phaseMatchingBandwidthBins(
            crystalLengthMillimetres: Double, groupVelocityMismatchFsPerMm: Double, binWidthTerahertz: Double
        ) -> Double {
            // δ in THz is 10⁻³ cycles per fs.
            1 / (groupVelocityMismatchFsPerMm * crystalLengthMillimetres * binWidthTerahertz * 1e-3)
        }

        /// Defaults: a ~60 fs, 800 nm Ti:sapphire pulse (envelope σ = K/3 bins, 7 THz / 15 nm intensity
        /// FWHM at K = 64) chirped by 500 fs² of residual GDD, the shaper window of 12.8 THz split into
        /// K bins, 0.5 mm BBO (W ≈ 0.82 K SH bins), M pixels of unit responsivity, and a gain that puts
        /// the brightest pixel at `referencePeak` = 1 kcount for a half-open shaper (16 kcounts fully
        /// open), full scale 10 kcounts.
        ///
        /// `shape.parameters` is the number of amplitude parameters P; with `trainablePhases` the model
        /// takes P + K parameters.
        public init(shape: ModelShape) {
            dataBins = shape.inputs
            parameterBins = shape.parameters
            pixels = shape.outputs
            trainablePhases = false
            let k = shape.inputs + shape.parameters
            let bins = Double(max(k, 1))
            binWidthTerahertz = Self.defaultShaperWindowTerahertz / bins
            envelopeCentreBin = (bins - 1) / 2
            envelopeWidthBins = bins / 3
            groupDelayDispersionFs2 = 500
            phaseMatchingBandwidthBins = Self.phaseMatchingBandwidthBins(
                crystalLengthMillimetres: Self.defaultCrystalLengthMillimetres,
                groupVelocityMismatchFsPerMm: Self.defaultGroupVelocityMismatchFsPerMm,
                binWidthTerahertz: binWidthTerahertz)
            // Perfect phase matching at the SH of the carrier.
            phaseMatchingCentreBin = 2 * envelopeCentreBin
            detectorGain = 1
            pixelResponsivity = Array(repeating: 1, count: max(shape.outputs, 0))
            detectorFullScale = 10
            nonlinearPhaseRadians = 0
            // Normalise the gain on the fully open shaper: outputs scale as u⁴, so u ≡ ½ gives 1/16 of it.
            if (try? validate()) != nil {
                let peak = SHGReference.forward(
                    configuration: self, x: Array(repeating: 1, count: dataBins),
                    theta: Array(repeating: 1, count: parameterCount)
                ).max() ?? 0
                if peak > 0, peak.isFinite { detectorGain = 16 * Self.referencePeak / peak }
            }
        }

        /// K = N + P: shaper bins.
        public var bins: Int { dataBins + parameterBins }
        /// S = 2K − 1: SH bins.
        public var harmonicBins: Int { 2 * bins - 1 }
        /// Length of θ: P, or P + K with trainable phases.
        public var parameterCount: Int { parameterBins + (trainablePhases ? bins : 0) }

        func validate() throws(ModelError) {
            guard dataBins >= 1, parameterBins >= 0 else {
                throw ModelError(.invalidConfiguration,
                                 "SHG needs ≥ 1 data bin and ≥ 0 parameter bins, got N=\(dataBins) P=\(parameterBins)")
            }
            guard pixels >= 1, pixels <= harmonicBins else {
                throw ModelError(.invalidConfiguration,
                                 "spectrometer pixels must be between 1 and the \(harmonicBins) SH bins, got \(pixels)")
            }
            guard pixelResponsivity.count == pixels else {
                throw ModelError(.invalidConfiguration,
                                 "pixel responsivity needs \(pixels) entries, got \(pixelResponsivity.count)")
            }
            guard pixelResponsivity.allSatisfy({ $0 >= 0 && $0.isFinite }) else {
                throw ModelError(.invalidConfiguration, "pixel responsivities must be finite and ≥ 0")
            }
            guard binWidthTerahertz > 0, binWidthTerahertz.isFinite else {
                throw ModelError(.invalidConfiguration, "bin width must be positive and finite, got \(binWidthTerahertz) THz")
            }
            guard envelopeWidthBins > 0, envelopeWidthBins.isFinite, envelopeCentreBin.isFinite else {
                throw ModelError(.invalidConfiguration,
                                 "envelope width must be positive and finite and its centre finite, got σ=\(envelopeWidthBins) k_c=\(envelopeCentreBin) bins")
            }
            guard phaseMatchingBandwidthBins > 0, phaseMatchingBandwidthBins.isFinite, phaseMatchingCentreBin.isFinite else {
                throw ModelError(.invalidConfiguration,
                                 "phase-matching bandwidth must be positive and finite and its centre finite, got W=\(phaseMatchingBandwidthBins) s_c=\(phaseMatchingCentreBin) SH bins")
            }
            guard detectorGain > 0, detectorGain.isFinite, detectorFullScale > 0, detectorFullScale.isFinite else {
                throw ModelError(.invalidConfiguration,
                                 "detector gain and full scale must be positive and finite, got G=\(detectorGain) full scale=\(detectorFullScale)")
            }
            guard groupDelayDispersionFs2.isFinite, nonlinearPhaseRadians.isFinite else {
                throw ModelError(.invalidConfiguration, "GDD and nonlinear phase must be finite")
            }
        }
    }
}
