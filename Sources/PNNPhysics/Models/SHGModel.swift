#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import PNNCore

/// Optical second-harmonic generation: pulse shaper → χ⁽²⁾ crystal → spectrometer.
///
/// Shapes: x [B×N] drives the first N shaper bins, θ [P] (or [P + K] with trainable phases) the rest;
/// y [B×M] are spectrometer pixels in kilocounts. Per sample, with u = [x, θ_amp]:
///
///     A_k = u_k E_k e^{iφ_k},  φ_k = φ_chirp,k + θ_phase,k + κ|A_k|²      (k = 0 … K−1)
///     C_s = Σ_{k+l=s} A_k A_l,  B_s = H_s C_s,  H_s = sinc(Δ_s) e^{iΔ_s},  Δ_s = π(s − s_c)/W
///     y_m = G r_m Σ_{s ∈ pixel m} |B_s|²
///
/// The VJP is exact (Wirtinger calculus on the real loss); equations in docs/physics.md.
public struct SHGModel: PhysicalModel {
    public let configuration: Configuration

    /// E_k, the laser's spectral field envelope [K].
    private let envelope: [Double]
    /// φ_chirp,k, the pulse's fixed spectral phase [K], rad, and its cosine and sine (sin/cos per
    /// call would cost as much as a few samples of convolution).
    private let chirpPhase: [Double]
    private let chirpCos: [Double], chirpSin: [Double]
    /// G r_{m(s)} |H_s|² [S]: everything between |C_s|² and the pixel sum. The phase of H_s drops out
    /// of an intensity measurement, so only |H_s|² is needed (forward and adjoint alike).
    private let harmonicWeight: [Double]
    /// First SH bin of each pixel, plus S at the end [M + 1].
    private let pixelStart: [Int]

    public init(_ configuration: Configuration) throws(ModelError) {
        try configuration.validate()
        self.init(validated: configuration)
    }

    private init(validated c: Configuration) {
        configuration = c
        let k = c.bins, s = c.harmonicBins, m = c.pixels
        let omegaPerBin = 2 * Double.pi * c.binWidthTerahertz * 1e-3  // rad/fs
        envelope = (0 ..< k).map { j in
            let d = (Double(j) - c.envelopeCentreBin) / c.envelopeWidthBins
            return exp(-0.5 * d * d)
        }
        chirpPhase = (0 ..< k).map { j in
            let w = omegaPerBin * (Double(j) - c.envelopeCentreBin)
            return 0.5 * c.groupDelayDispersionFs2 * w * w
        }
        chirpCos = chirpPhase.map { cos($0) }
        chirpSin = chirpPhase.map { sin($0) }
        // Pixel m covers s with m·S ≤ s·M < (m+1)·S, i.e. s from ⌈m·S/M⌉.
        pixelStart = (0 ... m).map { p in (p * s + m - 1) / m }
        var weight = [Double](repeating: 0, count: s)
        for p in 0 ..< m {
            for j in pixelStart[p] ..< pixelStart[p + 1] {
                let arg = Double.pi * (Double(j) - c.phaseMatchingCentreBin) / c.phaseMatchingBandwidthBins
                let sinc = arg == 0 ? 1 : sin(arg) / arg
                weight[j] = c.detectorGain * c.pixelResponsivity[p] * sinc * sinc
            }
        }
        harmonicWeight = weight
    }

    public var kind: ModelKind { .shg }

    public var shape: ModelShape {
        ModelShape(inputs: configuration.dataBins, parameters: configuration.parameterCount, outputs: configuration.pixels)
    }

    public var outputRange: ClosedRange<Double> { 0 ... configuration.detectorFullScale }

    // MARK: - Kernels

    /// Pointers into one call's workspace; `perSamplePhase` says whether cos/sin φ change per sample.
    private struct Workspace {
        let k: Int, s: Int
        /// cos/sin of the sample-independent phase φ_chirp + θ_phase [K each].
        let cosBase: UnsafeMutablePointer<Double>, sinBase: UnsafeMutablePointer<Double>
        /// cos/sin of the phase actually used for the current sample [K each] (aliases the base
        /// arrays when κ = 0).
        let cosPhase: UnsafeMutablePointer<Double>, sinPhase: UnsafeMutablePointer<Double>
        /// Shaper drive u and field A = Re + i Im [K each].
        let drive: UnsafeMutablePointer<Double>
        let fieldRe: UnsafeMutablePointer<Double>, fieldIm: UnsafeMutablePointer<Double>
        /// Autoconvolution C [S each].
        let convRe: UnsafeMutablePointer<Double>, convIm: UnsafeMutablePointer<Double>
        /// VJP only: ∂L/∂C scaled (G′ = 4 q C) [S each] and ∂L/∂A [K each].
        let adjConvRe: UnsafeMutablePointer<Double>, adjConvIm: UnsafeMutablePointer<Double>
        let adjFieldRe: UnsafeMutablePointer<Double>, adjFieldIm: UnsafeMutablePointer<Double>

        static func capacity(bins k: Int) -> Int { 9 * k + 4 * (2 * k - 1) }

        init(_ base: UnsafeMutablePointer<Double>, bins k: Int, perSamplePhase: Bool) {
            self.k = k
            s = 2 * k - 1
            cosBase = base
            sinBase = base + k
            cosPhase = perSamplePhase ? base + 2 * k : cosBase
            sinPhase = perSamplePhase ? base + 3 * k : sinBase
            drive = base + 4 * k
            fieldRe = base + 5 * k
            fieldIm = base + 6 * k
            adjFieldRe = base + 7 * k
            adjFieldIm = base + 8 * k
            convRe = base + 9 * k
            convIm = convRe + s
            adjConvRe = convIm + s
            adjConvIm = adjConvRe + s
        }
    }

    /// Runs `body` with a workspace for this call: one temporary allocation, reused by every sample.
    @inline(__always)
    private func withWorkspace(theta: UnsafeBufferPointer<Double>, _ body: (Workspace) -> Void) {
        let k = configuration.bins
        withUnsafeTemporaryAllocation(of: Double.self, capacity: Workspace.capacity(bins: k)) { buffer in
            guard let base = buffer.baseAddress else { return }
            let ws = Workspace(base, bins: k, perSamplePhase: configuration.nonlinearPhaseRadians != 0)
            let p = configuration.parameterBins
            for j in 0 ..< k {
                if configuration.trainablePhases {
                    let phi = chirpPhase[j] + theta[p + j]
                    ws.cosBase[j] = cos(phi)
                    ws.sinBase[j] = sin(phi)
                } else {
                    ws.cosBase[j] = chirpCos[j]
                    ws.sinBase[j] = chirpSin[j]
                }
            }
            body(ws)
        }
    }

    /// Fills u, A (and per-sample cos/sin φ when κ ≠ 0) for one sample, then C = A ∗ A.
    @inline(__always)
    private func synthesize(_ ws: Workspace, xRow: UnsafePointer<Double>, theta: UnsafeBufferPointer<Double>) {
        let n = configuration.dataBins, k = ws.k
        let kappa = configuration.nonlinearPhaseRadians
        envelope.withUnsafeBufferPointer { env in
            for j in 0 ..< k {
                let u = j < n ? xRow[j] : theta[j - n]
                let a = u * env[j]
                ws.drive[j] = u
                if kappa != 0 {
                    // φ = φ_base + κa²: rotate the base phasor by the nonlinear phase. Dark bins (u = 0,
                    // most of an MNIST image) skip the trigonometry.
                    let nl = kappa * a * a
                    let (c, s) = nl == 0 ? (1.0, 0.0) : (cos(nl), sin(nl))
                    ws.cosPhase[j] = ws.cosBase[j] * c - ws.sinBase[j] * s
                    ws.sinPhase[j] = ws.sinBase[j] * c + ws.cosBase[j] * s
                }
                ws.fieldRe[j] = a * ws.cosPhase[j]
                ws.fieldIm[j] = a * ws.sinPhase[j]
            }
        }
        let ar = ws.fieldRe, ai = ws.fieldIm, cr = ws.convRe, ci = ws.convIm
        for j in 0 ..< ws.s { cr[j] = 0; ci[j] = 0 }
        // C_s = Σ_{k+l=s} A_k A_l over pairs k ≤ l: the diagonal once, off-diagonal pairs twice.
        for j in 0 ..< k {
            let xr = ar[j], xi = ai[j]
            if xr == 0, xi == 0 { continue }  // dark bins (common: zero pixels) contribute nothing
            cr[2 * j] += xr * xr - xi * xi
            ci[2 * j] += 2 * xr * xi
            let tr = 2 * xr, ti = 2 * xi
            let outR = cr + j, outI = ci + j  // outR[l] = C_{j+l}
            var l = j + 1
            // Explicit 4-wide vectors: the optimiser does not vectorise this loop on its own.
            let (vr, vi) = (Vector(repeating: tr), Vector(repeating: ti))
            while l + Vector.scalarCount <= k {
                let br = Vector.load(ar + l), bi = Vector.load(ai + l)
                (Vector.load(outR + l) + (vr * br - vi * bi)).store(outR + l)
                (Vector.load(outI + l) + (vr * bi + vi * br)).store(outI + l)
                l += Vector.scalarCount
            }
            while l < k {
                let br = ar[l], bi = ai[l]
                outR[l] += tr * br - ti * bi
                outI[l] += tr * bi + ti * br
                l += 1
            }
        }
    }

    public func forward(
        x: UnsafeBufferPointer<Double>, theta: UnsafeBufferPointer<Double>,
        y: UnsafeMutableBufferPointer<Double>, count: Int
    ) {
        let n = configuration.dataBins, m = configuration.pixels
        guard count > 0, let xBase = x.baseAddress, let yBase = y.baseAddress else { return }
        withWorkspace(theta: theta) { ws in
            harmonicWeight.withUnsafeBufferPointer { weight in
                pixelStart.withUnsafeBufferPointer { start in
                    for i in 0 ..< count {
                        synthesize(ws, xRow: xBase + i * n, theta: theta)
                        let cr = ws.convRe, ci = ws.convIm
                        let yRow = yBase + i * m
                        for p in 0 ..< m {
                            var acc = 0.0
                            for j in start[p] ..< start[p + 1] {
                                acc += weight[j] * (cr[j] * cr[j] + ci[j] * ci[j])
                            }
                            yRow[p] = acc
                        }
                    }
                }
            }
        }
    }

    public func vjp(
        x: UnsafeBufferPointer<Double>, theta: UnsafeBufferPointer<Double>,
        yBar: UnsafeBufferPointer<Double>,
        xBar: UnsafeMutableBufferPointer<Double>, thetaBar: UnsafeMutableBufferPointer<Double>, count: Int
    ) {
        let n = configuration.dataBins, m = configuration.pixels, p = configuration.parameterBins
        let kappa = configuration.nonlinearPhaseRadians
        let phases = configuration.trainablePhases
        guard count > 0, let xBase = x.baseAddress, let ybBase = yBar.baseAddress, let xbBase = xBar.baseAddress
        else { return }
        withWorkspace(theta: theta) { ws in
            harmonicWeight.withUnsafeBufferPointer { weight in
                pixelStart.withUnsafeBufferPointer { start in
                    envelope.withUnsafeBufferPointer { env in
                        let k = ws.k
                        let ar = ws.fieldRe, ai = ws.fieldIm, cr = ws.convRe, ci = ws.convIm
                        let gr = ws.adjConvRe, gi = ws.adjConvIm, far = ws.adjFieldRe, fai = ws.adjFieldIm
                        for i in 0 ..< count {
                            synthesize(ws, xRow: xBase + i * n, theta: theta)
                            // L = Σ_s q_s |C_s|² with q_s = ȳ_{m(s)} G r_m |H_s|²; ∂L/∂C̄ gives g_C = 2 q C,
                            // and g_A_k = 2 Σ_l g_C_{k+l} conj(A_l). Fold both 2s: G′ = 4 q C.
                            let ybRow = ybBase + i * m
                            for q in 0 ..< m {
                                let yb = 4 * ybRow[q]
                                for j in start[q] ..< start[q + 1] {
                                    let w = yb * weight[j]
                                    gr[j] = w * cr[j]
                                    gi[j] = w * ci[j]
                                }
                            }
                            Self.correlate(ws)
                            // dL = Re(conj(g_A) dA) with dA = E e^{iφ} du + iA dφ, a = uE, φ = φ_base + κa²:
                            //   ∂L/∂φ = Re(conj(g) iA) = g_i A_r − g_r A_i,
                            //   ∂L/∂u = E (g_r cos φ + g_i sin φ) + ∂L/∂φ · 2κ a E.
                            let xbRow = xbBase + i * n
                            for j in 0 ..< k {
                                let phiBar = fai[j] * ar[j] - far[j] * ai[j]
                                var uBar = env[j] * (far[j] * ws.cosPhase[j] + fai[j] * ws.sinPhase[j])
                                if kappa != 0 {
                                    uBar += phiBar * 2 * kappa * ws.drive[j] * env[j] * env[j]
                                }
                                if j < n { xbRow[j] = uBar } else { thetaBar[j - n] += uBar }
                                if phases { thetaBar[p + j] += phiBar }
                            }
                        }
                    }
                }
            }
        }
    }

    /// g_A_j = Σ_l G′_{j+l} conj(A_l) (a Hankel matrix–vector product), into adjField.
    ///
    /// Each pair j < l feeds both ends, so G′_{j+l} is loaded once for two updates; rows j, j+1 are
    /// processed together so the g_A_l column updates are loaded and stored once per two rows.
    @inline(__always)
    private static func correlate(_ ws: Workspace) {
        let k = ws.k
        let ar = ws.fieldRe, ai = ws.fieldIm, gr = ws.adjConvRe, gi = ws.adjConvIm
        let far = ws.adjFieldRe, fai = ws.adjFieldIm
        for j in 0 ..< k { far[j] = 0; fai[j] = 0 }
        var j = 0
        while j + 1 < k {
            let x0r = ar[j], x0i = ai[j], x1r = ar[j + 1], x1i = ai[j + 1]
            let h0r = gr + j, h0i = gi + j, h1r = gr + j + 1, h1i = gi + j + 1  // h0r[l] = G′_{j+l}
            // Pairs inside the block: (j, j), (j, j+1), (j+1, j+1).
            var acc0r = h0r[j] * x0r + h0i[j] * x0i + h0r[j + 1] * x1r + h0i[j + 1] * x1i
            var acc0i = h0i[j] * x0r - h0r[j] * x0i + h0i[j + 1] * x1r - h0r[j + 1] * x1i
            var acc1r = h0r[j + 1] * x0r + h0i[j + 1] * x0i + h1r[j + 1] * x1r + h1i[j + 1] * x1i
            var acc1i = h0i[j + 1] * x0r - h0r[j + 1] * x0i + h1i[j + 1] * x1r - h1r[j + 1] * x1i
            var l = j + 2
            let (v0r, v0i, v1r, v1i) = (Lanes(repeating: x0r), Lanes(repeating: x0i), Lanes(repeating: x1r), Lanes(repeating: x1i))
            var (s0r, s0i, s1r, s1i) = (Lanes(), Lanes(), Lanes(), Lanes())
            while l + Lanes.scalarCount <= k {
                let c0r = Lanes.load(h0r + l), c0i = Lanes.load(h0i + l)
                let c1r = Lanes.load(h1r + l), c1i = Lanes.load(h1i + l)
                let br = Lanes.load(ar + l), bi = Lanes.load(ai + l)
                (Lanes.load(far + l) + (c0r * v0r + c0i * v0i + c1r * v1r + c1i * v1i)).store(far + l)
                (Lanes.load(fai + l) + (c0i * v0r - c0r * v0i + c1i * v1r - c1r * v1i)).store(fai + l)
                s0r += c0r * br + c0i * bi
                s0i += c0i * br - c0r * bi
                s1r += c1r * br + c1i * bi
                s1i += c1i * br - c1r * bi
                l += Lanes.scalarCount
            }
            acc0r += s0r.sum()
            acc0i += s0i.sum()
            acc1r += s1r.sum()
            acc1i += s1i.sum()
            while l < k {
                let c0r = h0r[l], c0i = h0i[l], c1r = h1r[l], c1i = h1i[l], br = ar[l], bi = ai[l]
                far[l] += c0r * x0r + c0i * x0i + c1r * x1r + c1i * x1i
                fai[l] += c0i * x0r - c0r * x0i + c1i * x1r - c1r * x1i
                acc0r += c0r * br + c0i * bi
                acc0i += c0i * br - c0r * bi
                acc1r += c1r * br + c1i * bi
                acc1i += c1i * br - c1r * bi
                l += 1
            }
            far[j] += acc0r
            fai[j] += acc0i
            far[j + 1] += acc1r
            fai[j + 1] += acc1i
            j += 2
        }
        if j < k {
            // Odd K: the last row has only its diagonal pair left.
            let xr = ar[j], xi = ai[j], hr = gr[2 * j], hi = gi[2 * j]
            far[j] += hr * xr + hi * xi
            fai[j] += hi * xr - hr * xi
        }
    }

    // MARK: - Reality gap

    /// The hidden true system: envelope centre/width and phase matching offset by
    /// `gap.parameterSpread` (centres shifted by spread × width), detector gain and every pixel's
    /// responsivity scaled by `1 + gainSpread·𝒩`, the GDD by `1 + parameterSpread·𝒩`, and the
    /// nonlinear phase κ raised by `gap.unmodelled × Configuration.unmodelledNonlinearPhase`.
    public func perturbed(by gap: RealityGap, using rng: inout SeededGenerator) -> SHGModel {
        var c = configuration
        // Fixed draw order: the hidden system depends only on the seed.
        c.envelopeCentreBin += gap.parameterSpread * c.envelopeWidthBins * rng.nextGaussian()
        c.envelopeWidthBins *= rng.offsetFactor(gap.parameterSpread)
        c.groupDelayDispersionFs2 *= rng.offsetFactor(gap.parameterSpread)
        c.phaseMatchingCentreBin += gap.parameterSpread * c.phaseMatchingBandwidthBins * rng.nextGaussian()
        c.phaseMatchingBandwidthBins *= rng.offsetFactor(gap.parameterSpread)
        c.detectorGain *= rng.offsetFactor(gap.gainSpread)
        for j in c.pixelResponsivity.indices {
            c.pixelResponsivity[j] *= rng.offsetFactor(gap.gainSpread)
        }
        c.nonlinearPhaseRadians += gap.unmodelled * Configuration.unmodelledNonlinearPhase
        // offsetFactor keeps factors ≥ 0.2 and shifts are finite, so the configuration stays valid.
        return SHGModel(validated: c)
    }
}

/// SIMD lane types of the convolution loops, with unaligned loads/stores from plain Double buffers.
/// The adjoint keeps four accumulators and four broadcasts live, which at 4 wide would spill the
/// 16 SSE registers of the baseline x86-64 target; 2 wide measured faster there.
private typealias Vector = SIMD4<Double>
private typealias Lanes = SIMD2<Double>

extension SIMD where Scalar == Double {
    @inline(__always)
    fileprivate static func load(_ p: UnsafeMutablePointer<Double>) -> Self {
        UnsafeRawPointer(p).loadUnaligned(as: Self.self)
    }

    @inline(__always)
    fileprivate func store(_ p: UnsafeMutablePointer<Double>) {
        UnsafeMutableRawPointer(p).storeBytes(of: self, as: Self.self)
    }
}
