#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import PNNCore
import PNNPhysics
import Testing

/// Small SHG fixtures shared by the suites below (K = 8 bins, S = 15 SH bins unless stated).
private enum SHGFixture {
    /// A configuration with every term on and nothing symmetric: off-centre envelope and phase
    /// matching, uneven pixel responsivities, strong chirp, optional trainable phases and κ.
    static func configuration(
        inputs: Int = 5, parameters: Int = 3, pixels: Int = 6, trainablePhases: Bool = false,
        nonlinearPhase: Double = 0, seed: UInt64 = 1
    ) -> SHGModel.Configuration {
        var rng = SeededGenerator(seed: seed)
        var c = SHGModel.Configuration(shape: ModelShape(inputs: inputs, parameters: parameters, outputs: pixels))
        c.trainablePhases = trainablePhases
        c.envelopeCentreBin += rng.nextUniform(in: -1 ... 1)
        c.envelopeWidthBins *= rng.nextUniform(in: 0.8 ... 1.2)
        c.groupDelayDispersionFs2 = 20_000 * rng.nextUniform(in: 0.5 ... 1)
        c.phaseMatchingCentreBin += rng.nextUniform(in: -2 ... 2)
        c.phaseMatchingBandwidthBins = Double(c.harmonicBins) * rng.nextUniform(in: 0.3 ... 0.6)
        c.pixelResponsivity = (0 ..< pixels).map { _ in rng.nextUniform(in: 0.7 ... 1.3) }
        c.nonlinearPhaseRadians = nonlinearPhase
        return c
    }

    static func matrix(_ rows: Int, _ columns: Int, _ value: () -> Double) throws -> Tensor<Double> {
        try Tensor(shape: [rows, columns], scalars: (0 ..< rows * columns).map { _ in value() })
    }

    /// x ∈ [0, 1]; amplitude parameters ∈ [0, 1], phases ∈ [−π, π].
    static func point(_ model: SHGModel, batch: Int, rng: inout SeededGenerator) throws -> (Tensor<Double>, Tensor<Double>) {
        let c = model.configuration
        let x = try matrix(batch, c.dataBins) { rng.nextUniform() }
        var theta = (0 ..< c.parameterBins).map { _ in rng.nextUniform() }
        if c.trainablePhases { theta += (0 ..< c.bins).map { _ in rng.nextUniform(in: -Double.pi ... Double.pi) } }
        return (x, Tensor(theta))
    }

    static func loss(_ model: SHGModel, _ x: Tensor<Double>, _ theta: Tensor<Double>, _ yBar: Tensor<Double>) throws -> Double {
        let y = try model.forward(x, theta)
        return zip(y.scalars, yBar.scalars).reduce(0) { $0 + $1.0 * $1.1 }
    }

    /// Fourth-order central difference of `f` at 0 with step h (exact for polynomials of degree ≤ 4).
    static func derivative(step h: Double, _ f: (Double) throws -> Double) rethrows -> Double {
        let d1 = try f(h) - f(-h)
        let d2 = try f(2 * h) - f(-2 * h)
        return (8 * d1 - d2) / (12 * h)
    }

    /// Largest per-component relative error, with the denominator floored at `floor`·max|b|.
    static func componentError(_ a: [Double], _ b: [Double], floor: Double) -> Double {
        let scale = max(a.map(abs).max() ?? 0, b.map(abs).max() ?? 0)
        return zip(a, b).map { abs($0 - $1) / max(abs($0), abs($1), floor * scale, .leastNormalMagnitude) }.max() ?? 0
    }
}

@Suite struct SHGGradientTests {
    /// Checks x̄ and θ̄ against 4th-order central differences of L = Σ ȳ ⊙ y: per component (when
    /// `perComponent`) and along random directions, which mix every component so a wrong sign anywhere
    /// shows up. Returns the worst relative errors (component, directional).
    @discardableResult
    static func check(_ model: SHGModel, batch: Int, perComponent: Bool = true, seed: UInt64 = 42) throws -> (Double, Double) {
        var rng = SeededGenerator(seed: seed)
        let (x, theta) = try SHGFixture.point(model, batch: batch, rng: &rng)
        let yBar = try SHGFixture.matrix(batch, model.shape.outputs) { rng.nextGaussian() }
        let (xBar, thetaBar) = try model.vjp(x, theta, outputGradient: yBar)
        #expect(xBar.shape == x.shape)
        #expect(thetaBar.shape == [model.shape.parameters])
        let gradient = xBar.scalars + thetaBar.scalars
        #expect((gradient.map(abs).max() ?? 0) > 1e-3, "gradients must not vanish")
        let h = 1e-3

        var componentError = 0.0
        if perComponent {
            var fd = [Double](repeating: 0, count: gradient.count)
            for i in 0 ..< x.count {
                fd[i] = try SHGFixture.derivative(step: h) { d in
                    var probe = x
                    probe.scalars[i] += d
                    return try SHGFixture.loss(model, probe, theta, yBar)
                }
            }
            for j in 0 ..< theta.count {
                fd[x.count + j] = try SHGFixture.derivative(step: h) { d in
                    var probe = theta
                    probe.scalars[j] += d
                    return try SHGFixture.loss(model, x, probe, yBar)
                }
            }
            componentError = SHGFixture.componentError(gradient, fd, floor: 1e-8)
            #expect(componentError <= 1e-6, "per-component relative error \(componentError)")
            // The metric must be able to fail: flipping the sign of the largest component is caught.
            if let worst = gradient.indices.max(by: { abs(gradient[$0]) < abs(gradient[$1]) }) {
                var flipped = gradient
                flipped[worst].negate()
                #expect(SHGFixture.componentError(flipped, fd, floor: 1e-8) > 1)
            }
        }

        var directionalError = 0.0
        for _ in 0 ..< 3 {
            let vx = x.scalars.map { _ in rng.nextGaussian() }, vt = theta.scalars.map { _ in rng.nextGaussian() }
            let analytic = zip(gradient, vx + vt).reduce(0) { $0 + $1.0 * $1.1 }
            let numeric = try SHGFixture.derivative(step: h) { d in
                var px = x, pt = theta
                for i in px.scalars.indices { px.scalars[i] += d * vx[i] }
                for j in pt.scalars.indices { pt.scalars[j] += d * vt[j] }
                return try SHGFixture.loss(model, px, pt, yBar)
            }
            directionalError = max(directionalError, abs(analytic - numeric) / max(abs(numeric), 1e-12))
        }
        #expect(directionalError <= 1e-6, "directional relative error \(directionalError)")
        return (componentError, directionalError)
    }

    /// Chirp always on; the unmodelled phase κ|A|² and trainable phases on or off.
    @Test(arguments: [false, true], [0.0, 0.5])
    func vjpMatchesFiniteDifferences(trainablePhases: Bool, nonlinearPhase: Double) throws {
        try Self.check(
            SHGModel(SHGFixture.configuration(trainablePhases: trainablePhases, nonlinearPhase: nonlinearPhase)), batch: 2)
    }

    /// Odd K exercises the last unpaired row of the blocked adjoint loop.
    @Test func vjpMatchesFiniteDifferencesForOddBinCount() throws {
        try Self.check(
            SHGModel(SHGFixture.configuration(inputs: 6, parameters: 3, pixels: 7, trainablePhases: true, nonlinearPhase: 0.5)),
            batch: 2, seed: 43)
    }

    /// The MNIST-size layer (K = 64, vector loops with full-width and ragged tails), directional only.
    @Test func vjpMatchesFiniteDifferencesAtMNISTSize() throws {
        var c = SHGModel.Configuration(shape: ModelShape(inputs: 48, parameters: 16, outputs: 32))
        c.trainablePhases = true
        c.nonlinearPhaseRadians = 0.5
        try Self.check(SHGModel(c), batch: 2, perComponent: false, seed: 44)
    }

    /// θ̄ is added into the caller's buffer, summed over the chunk's samples.
    @Test func thetaBarAccumulates() throws {
        let model = try SHGModel(SHGFixture.configuration(trainablePhases: true, nonlinearPhase: 0.3))
        var rng = SeededGenerator(seed: 5)
        let (x, theta) = try SHGFixture.point(model, batch: 3, rng: &rng)
        let yBar = try SHGFixture.matrix(3, model.shape.outputs) { rng.nextGaussian() }
        let expected = try model.vjp(x, theta, outputGradient: yBar)
        let p = model.shape.parameters
        var xBar = [Double](repeating: .nan, count: x.count)
        var thetaBar = [Double](repeating: 1, count: p)
        x.scalars.withUnsafeBufferPointer { xs in
            theta.scalars.withUnsafeBufferPointer { th in
                yBar.scalars.withUnsafeBufferPointer { yb in
                    xBar.withUnsafeMutableBufferPointer { xb in
                        thetaBar.withUnsafeMutableBufferPointer { tb in
                            model.vjp(x: xs, theta: th, yBar: yb, xBar: xb, thetaBar: tb, count: 3)
                        }
                    }
                }
            }
        }
        #expect(xBar == expected.input.scalars)
        for j in 0 ..< p {
            #expect(abs(thetaBar[j] - 1 - expected.parameters.scalars[j]) <= 1e-12 * max(1, abs(thetaBar[j])))
        }
    }
}

@Suite struct SHGForwardTests {
    /// The optimised kernel equals the direct double-sum reference, with every term on.
    @Test(arguments: [false, true])
    func forwardMatchesReference(trainablePhases: Bool) throws {
        for pixels in [1, 4, 15] {
            let c = SHGFixture.configuration(pixels: pixels, trainablePhases: trainablePhases, nonlinearPhase: 0.4, seed: 9)
            let model = try SHGModel(c)
            var rng = SeededGenerator(seed: 10)
            let (x, theta) = try SHGFixture.point(model, batch: 11, rng: &rng)
            let y = try model.forward(x, theta)
            let scale = y.scalars.map(abs).max() ?? 0
            #expect(scale > 0)
            for i in 0 ..< 11 {
                let reference = SHGReference.forward(
                    configuration: c, x: Array(x.scalars[i * c.dataBins ..< (i + 1) * c.dataBins]), theta: theta.scalars)
                for m in 0 ..< pixels {
                    let got = y.scalars[i * pixels + m], want = reference[m]
                    #expect(abs(got - want) <= 1e-12 * max(abs(want), 1e-3 * scale), "sample \(i) pixel \(m): \(got) vs \(want)")
                }
            }
        }
    }

    /// Same at the MNIST size, where the vector loops run full width.
    @Test func forwardMatchesReferenceAtMNISTSize() throws {
        var c = SHGModel.Configuration(shape: ModelShape(inputs: 48, parameters: 16, outputs: 32))
        c.trainablePhases = true
        c.nonlinearPhaseRadians = 0.5
        let model = try SHGModel(c)
        var rng = SeededGenerator(seed: 12)
        let (x, theta) = try SHGFixture.point(model, batch: 3, rng: &rng)
        let y = try model.forward(x, theta)
        let scale = y.scalars.map(abs).max() ?? 0
        for i in 0 ..< 3 {
            let reference = SHGReference.forward(configuration: c, x: Array(x.scalars[i * 48 ..< (i + 1) * 48]), theta: theta.scalars)
            for m in 0 ..< 32 {
                let got = y.scalars[i * 32 + m], want = reference[m]
                #expect(abs(got - want) <= 1e-12 * max(abs(want), 1e-3 * scale), "sample \(i) pixel \(m): \(got) vs \(want)")
            }
        }
    }

    /// One lit bin k: the SH spectrum is the single line s = 2k of height G r |H_2k|² (uE)⁴.
    @Test func singleBinGivesSingleHarmonicLine() throws {
        var c = SHGFixture.configuration(pixels: 15)
        c.pixelResponsivity = Array(repeating: 1, count: 15)
        let model = try SHGModel(c)
        for k in 0 ..< c.bins {
            var x = [Double](repeating: 0, count: c.dataBins)
            var theta = [Double](repeating: 0, count: c.parameterBins)
            let u = 0.7
            if k < c.dataBins { x[k] = u } else { theta[k - c.dataBins] = u }
            let y = try model.forward(Tensor(shape: [1, c.dataBins], scalars: x), Tensor(theta)).scalars
            let offset = Double(k) - c.envelopeCentreBin
            let amplitude = u * exp(-offset * offset / (2 * c.envelopeWidthBins * c.envelopeWidthBins))
            let arg = Double.pi * (Double(2 * k) - c.phaseMatchingCentreBin) / c.phaseMatchingBandwidthBins
            let sinc = sin(arg) / arg
            let line = c.detectorGain * sinc * sinc * amplitude * amplitude * amplitude * amplitude
            for s in 0 ..< 15 {
                if s == 2 * k {
                    #expect(abs(y[s] - line) <= 1e-12 * line)
                } else {
                    #expect(y[s] == 0, "bin \(k) lit SH bin \(s)")
                }
            }
        }
    }

    /// SHG intensity is quartic in the field: scaling the whole drive by c scales y by c⁴.
    @Test func outputsScaleAsFourthPowerOfDrive() throws {
        let model = try SHGModel(SHGFixture.configuration(trainablePhases: true))
        var rng = SeededGenerator(seed: 3)
        let (x, theta) = try SHGFixture.point(model, batch: 4, rng: &rng)
        let y = try model.forward(x, theta)
        let c = 1.7
        var scaledX = x, scaledTheta = theta
        for i in scaledX.scalars.indices { scaledX.scalars[i] *= c }
        // Only the amplitudes scale; the trainable phases (after the P amplitudes) stay.
        for j in 0 ..< model.configuration.parameterBins { scaledTheta.scalars[j] *= c }
        let scaled = try model.forward(scaledX, scaledTheta)
        for (a, b) in zip(y.scalars, scaled.scalars) {
            #expect(abs(b - c * c * c * c * a) <= 1e-12 * max(abs(b), 1e-12))
        }
    }

    /// Default MNIST-size model: typical drives in [0, 1] give O(1) readings well inside the range.
    @Test func defaultsGiveOrderOneOutputsInsideRange() throws {
        let model = try SHGModel(SHGModel.Configuration(shape: ModelShape(inputs: 48, parameters: 16, outputs: 32)))
        #expect(model.kind == .shg)
        #expect(model.shape == ModelShape(inputs: 48, parameters: 16, outputs: 32))
        var rng = SeededGenerator(seed: 8)
        let (x, theta) = try SHGFixture.point(model, batch: 64, rng: &rng)
        let y = try model.forward(x, theta).scalars
        let peak = y.max() ?? 0
        #expect(y.allSatisfy { $0 >= 0 })
        #expect(peak > 0.3 && peak < 0.5 * model.outputRange.upperBound, "peak \(peak)")
        // Half-open shaper: brightest pixel at the documented reference level.
        let half = try model.forward(
            Tensor(shape: [1, 48], scalars: Array(repeating: 0.5, count: 48)), Tensor(Array(repeating: 0.5, count: 16)))
        #expect(abs((half.scalars.max() ?? 0) - SHGModel.Configuration.referencePeak) <= 1e-12)
    }
}

@Suite struct SHGConfigurationTests {
    @Test func trainablePhasesExtendTheta() throws {
        var c = SHGModel.Configuration(shape: ModelShape(inputs: 6, parameters: 2, outputs: 5))
        #expect(try SHGModel(c).shape == ModelShape(inputs: 6, parameters: 2, outputs: 5))
        c.trainablePhases = true
        #expect(try SHGModel(c).shape == ModelShape(inputs: 6, parameters: 10, outputs: 5))
    }

    @Test func invalidConfigurationsThrow() {
        let base = SHGModel.Configuration(shape: ModelShape(inputs: 4, parameters: 2, outputs: 5))
        var broken: [SHGModel.Configuration] = []
        func add(_ change: (inout SHGModel.Configuration) -> Void) {
            var c = base
            change(&c)
            broken.append(c)
        }
        add { $0.dataBins = 0 }
        add { $0.parameterBins = -1 }
        add { $0.pixels = 0; $0.pixelResponsivity = [] }
        add { $0.pixels = 12; $0.pixelResponsivity = Array(repeating: 1, count: 12) }  // S = 11
        add { $0.pixelResponsivity = [1, 1] }
        add { $0.pixelResponsivity[0] = -1 }
        add { $0.envelopeWidthBins = 0 }
        add { $0.envelopeCentreBin = .nan }
        add { $0.phaseMatchingBandwidthBins = -3 }
        add { $0.phaseMatchingCentreBin = .infinity }
        add { $0.binWidthTerahertz = 0 }
        add { $0.detectorGain = 0 }
        add { $0.detectorFullScale = .nan }
        add { $0.groupDelayDispersionFs2 = .infinity }
        add { $0.nonlinearPhaseRadians = .nan }
        for c in broken {
            #expect(throws: ModelError.self) { try SHGModel(c) }
            do {
                _ = try SHGModel(c)
            } catch {
                #expect(error.code == .invalidConfiguration)
            }
        }
        #expect(throws: Never.self) { try SHGModel(base) }
    }

    @Test func configurationRoundTripsThroughJSON() throws {
        let c = SHGFixture.configuration(trainablePhases: true, nonlinearPhase: 0.2)
        let decoded = try JSONDecoder().decode(SHGModel.Configuration.self, from: JSONEncoder().encode(c))
        #expect(decoded == c)
        #expect(try SHGModel(decoded).configuration == c)
    }

    /// The hidden system is reproducible from the seed, differs from nominal, and has κ switched on.
    @Test func perturbedIsDeterministic() throws {
        let model = try SHGModel(SHGModel.Configuration(shape: ModelShape(inputs: 6, parameters: 2, outputs: 5)))
        var a = SeededGenerator(seed: 77), b = SeededGenerator(seed: 77)
        let truth = model.perturbed(by: .default, using: &a)
        #expect(truth.configuration == model.perturbed(by: .default, using: &b).configuration)
        #expect(truth.configuration != model.configuration)
        #expect(truth.shape == model.shape)
        #expect(truth.configuration.nonlinearPhaseRadians == SHGModel.Configuration.unmodelledNonlinearPhase)
        #expect(throws: Never.self) { try SHGModel(truth.configuration) }
        // Only the gain terms and κ: the spectral shape parameters stay nominal.
        let gainOnly = model.perturbed(by: RealityGap(gainSpread: 0.05), using: &a).configuration
        #expect(gainOnly.envelopeWidthBins == model.configuration.envelopeWidthBins)
        #expect(gainOnly.nonlinearPhaseRadians == 0)
        #expect(gainOnly.detectorGain != model.configuration.detectorGain)
    }
}

@Suite struct SHGBatchTests {
    /// The multi-core batched entry points equal one kernel call over the whole batch.
    @Test func batchedMatchesKernel() throws {
        let model = try SHGModel(SHGFixture.configuration(trainablePhases: true, nonlinearPhase: 0.5))
        var rng = SeededGenerator(seed: 21)
        let batch = 37  // several chunks plus a ragged one
        let (x, theta) = try SHGFixture.point(model, batch: batch, rng: &rng)
        let yBar = try SHGFixture.matrix(batch, model.shape.outputs) { rng.nextGaussian() }
        let (n, p, m) = (model.shape.inputs, model.shape.parameters, model.shape.outputs)
        var y = [Double](repeating: 0, count: batch * m)
        var xBar = [Double](repeating: 0, count: batch * n)
        var thetaBar = [Double](repeating: 0, count: p)
        x.scalars.withUnsafeBufferPointer { xs in
            theta.scalars.withUnsafeBufferPointer { th in
                y.withUnsafeMutableBufferPointer { model.forward(x: xs, theta: th, y: $0, count: batch) }
                yBar.scalars.withUnsafeBufferPointer { yb in
                    xBar.withUnsafeMutableBufferPointer { xb in
                        thetaBar.withUnsafeMutableBufferPointer { tb in
                            model.vjp(x: xs, theta: th, yBar: yb, xBar: xb, thetaBar: tb, count: batch)
                        }
                    }
                }
            }
        }
        #expect(try model.forward(x, theta).scalars == y)
        let batched = try model.vjp(x, theta, outputGradient: yBar)
        #expect(batched.input.scalars == xBar)
        for j in 0 ..< p {
            // θ̄ is summed per chunk then across chunks: equal up to summation order.
            #expect(abs(batched.parameters.scalars[j] - thetaBar[j]) <= 1e-12 * max(1, abs(thetaBar[j])))
        }
    }

    @Test func badShapesAndNonFiniteValuesThrow() throws {
        let model = try SHGModel(SHGFixture.configuration())
        let good = try Tensor(shape: [2, 5], scalars: Array(repeating: 0.5, count: 10))
        let theta = Tensor([0.1, 0.2, 0.3])
        /// The ModelError code `body` throws, nil when it succeeds (any other error fails the test).
        func code(_ body: () throws -> Void) -> ModelError.Code? {
            do { try body() } catch let error as ModelError { return error.code } catch {
                Issue.record("unexpected error \(error)")
            }
            return nil
        }
        let narrow = try Tensor(shape: [2, 4], scalars: Array(repeating: 0.5, count: 8))
        #expect(code { _ = try model.forward(narrow, theta) } == .shapeMismatch)
        #expect(code { _ = try model.forward(Tensor(Array(repeating: 0.5, count: 5)), theta) } == .shapeMismatch)
        #expect(code { _ = try model.forward(good, Tensor([0.1, 0.2])) } == .shapeMismatch)
        #expect(code { _ = try model.vjp(good, theta, outputGradient: .zeros([2, 5])) } == .shapeMismatch)
        var nan = good
        nan.scalars[3] = .nan
        #expect(code { _ = try model.forward(nan, theta) } == .nonFinite)
        #expect(code { _ = try model.forward(good, Tensor([0.1, .infinity, 0.3])) } == .nonFinite)
        #expect(code { _ = try model.forward(good, theta) } == nil)
    }
}
