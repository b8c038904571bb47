import Foundation
import PNNCore
import PNNPhysics
import PNNTestSupport
import Testing
@testable import PNNTraining

@Suite struct ComponentTests {
    @Test func crossEntropyGradientMatchesFiniteDifferences() throws {
        let logits = Tensor(uncheckedRows: [0.3, -1.2, 2.0, 0.5, 0.1, -0.4], columns: 3)
        let labels = [2, 0]
        let (_, g) = try Loss.crossEntropy.evaluate(logits, labels: labels)
        for i in logits.scalars.indices {
            var up = logits, down = logits
            up.scalars[i] += 1e-6
            down.scalars[i] -= 1e-6
            let numeric = (try Loss.crossEntropy.evaluate(up, labels: labels).value
                - Loss.crossEntropy.evaluate(down, labels: labels).value) / 2e-6
            #expect(abs(numeric - g.scalars[i]) < 1e-7)
        }
    }

    @Test func lossRejectsBadLabels() {
        let logits = Tensor(uncheckedRows: [0.0, 1.0], columns: 2)
        #expect(throws: TrainingError.self) { _ = try Loss.crossEntropy.evaluate(logits, labels: [2]) }
        #expect(throws: TrainingError.self) { _ = try Loss.crossEntropy.evaluate(logits, labels: [0, 1]) }
    }

    @Test func adamAndSGDMinimiseAQuadratic() {
        for kind in [OptimizerKind.adam(), .sgd(momentum: 0.9)] {
            var p: [[Double]] = [[3, -2]]
            var optimizer = Optimizer(kind, shapes: [2])
            for _ in 0 ..< 500 {
                let g = [[2 * (p[0][0] - 1), 2 * (p[0][1] + 1)]]
                optimizer.step(&p, gradients: g, learningRate: kind == .sgd(momentum: 0.9) ? 0.01 : 0.05)
            }
            #expect(abs(p[0][0] - 1) < 1e-2 && abs(p[0][1] + 1) < 1e-2, "\(kind): \(p)")
        }
    }

    @Test func linearLayerUsesBLASCorrectly() async throws {
        let layer = Linear(name: "l", inputs: 3, outputs: 2)
        let p = [1.0, 2, 3, 4, 5, 6, 0.5, -0.5]
        let x = Tensor(uncheckedRows: [1.0, 0, -1, 2, 1, 0], columns: 3)
        let y = try await layer.forward(x, parameters: p)
        let expected: [Double] = [-1.5, -2.5, 4.5, 12.5]
        #expect(y.scalars == expected)
        let g = try layer.backward(input: x, output: y, parameters: p, outputGradient: Tensor(uncheckedRows: [1, 0, 0, 1], columns: 2))
        #expect(g.input.scalars == [1, 2, 3, 4, 5, 6])
        #expect(g.parameters == [1, 0, -1, 2, 1, 0, 1, 1])
    }

    @Test func featureMapAveragesItsGroupsAndSharesTheGradient() async throws {
        let layer = FeatureMap(name: "bins", inputs: 4, averaging: [[0, 3], [1], [2, 1, 0]])
        let x = Tensor(uncheckedRows: [1, 2, 3, 4, 10, 20, 30, 40], columns: 4)
        let y = try await layer.forward(x, parameters: [])
        #expect(y.shape == [2, 3])
        let expectedY: [Double] = [2.5, 2, 2, 25, 20, 20]
        #expect(y.scalars == expectedY)
        let g = Tensor(uncheckedRows: [1, 1, 3, 0, 2, 0], columns: 3)
        let xBar = try layer.backward(input: x, output: y, parameters: [], outputGradient: g).input
        // Input 0 is in groups 0 (half) and 2 (a third); input 1 in groups 1 and 2; input 3 in group 0.
        let expectedXBar: [Double] = [1.5, 2, 1, 0.5, 0, 2, 0, 0]
        #expect(xBar.scalars == expectedXBar)
        await #expect(throws: TrainingError.self) { try await layer.forward(Tensor(uncheckedRows: [1, 2], columns: 2), parameters: []) }
    }

    @Test func physicalLayerClampsDriveAndProjectsParameters() async throws {
        let model = try ModelCatalog.make(.shg, shape: ModelShape(inputs: 4, parameters: 2, outputs: 3))
        let twin = PhysicsTwin(model: model)
        let layer = try PhysicalLayer(name: "p", backend: TwinBackend(twin: twin, limits: DriveLimits(minimum: 0, maximum: 1)),
                                      twin: twin, penaltyWeight: 2)
        var theta = [1.5, -0.2]
        layer.project(&theta)
        #expect(theta == [1, 0])
        let x = Tensor(uncheckedRows: [1.2, 0.5, -0.1, 0.3], columns: 4)
        let penalty = try #require(layer.inputPenalty(x))
        #expect(abs(penalty.value - 2 * (0.04 + 0.01)) < 1e-12)
        #expect(abs(penalty.gradient.scalars[0] - 2 * 2 * 0.2) < 1e-12)
        let g = try layer.backward(input: x, output: Tensor.zeros([1, 3]), parameters: theta,
                                   outputGradient: Tensor(uncheckedRows: [1, 1, 1], columns: 3))
        // No gradient through the clamp where the drive was out of range.
        #expect(g.input.scalars[0] == 0 && g.input.scalars[2] == 0)
    }

    @Test func physicalLayerAveragesRepeatedAcquisitionsInOneCall() async throws {
        let model = try ModelCatalog.make(.shg, shape: ModelShape(inputs: 4, parameters: 2, outputs: 3))
        let twin = PhysicsTwin(model: model)
        let limits = DriveLimits(minimum: 0, maximum: 1)
        func layer(_ gap: RealityGap, acquisitions: Int) throws -> (PhysicalLayer, SimulatorBackend) {
            let backend = SimulatorBackend(simulator: try Simulator(model: model, gap: gap, seed: 7), limits: limits)
            return (try PhysicalLayer(name: "p", backend: backend, twin: twin, acquisitions: acquisitions), backend)
        }
        var rng = SeededGenerator(seed: 3)
        let x = Tensor(uncheckedRows: (0 ..< 200).map { _ in rng.nextUniform(in: 0.2 ... 0.9) }, columns: 4)
        let theta = [0.4, 0.6]

        // Without a gap every acquisition would read the same: one is taken, and it is the reading.
        let clean = try await layer(.none, acquisitions: 1).0.forward(x, parameters: theta)
        let (fourfold, fourfoldBackend) = try layer(.none, acquisitions: 4)
        #expect(try await fourfold.forward(x, parameters: theta) == clean)
        #expect(fourfoldBackend.calls == 1 && fourfoldBackend.drivenRows == 50)
        let twinBackend = TwinBackend(twin: twin, limits: limits)
        let twinLayer = try PhysicalLayer(name: "t", backend: twinBackend, twin: twin, acquisitions: 4)
        _ = try await twinLayer.forward(x, parameters: theta)
        #expect(twinBackend.drivenRows == 50)

        // Additive detector noise: sixteen acquisitions cut its deviation by about four.
        let noisy = RealityGap(additiveNoise: 0.01)
        func deviation(_ acquisitions: Int) async throws -> Double {
            let y = try await layer(noisy, acquisitions: acquisitions).0.forward(x, parameters: theta)
            #expect(y.shape == clean.shape)
            let squares = zip(y.scalars, clean.scalars).map { ($0 - $1) * ($0 - $1) }
            return (squares.reduce(0, +) / Double(squares.count)).squareRoot()
        }
        let (noisyLayer, noisyBackend) = try layer(noisy, acquisitions: 16)
        _ = try await noisyLayer.forward(x, parameters: theta)
        #expect(noisyBackend.calls == 1 && noisyBackend.drivenRows == 16 * 50)
        let (once, sixteen) = (try await deviation(1), try await deviation(16))
        #expect(once > 0 && sixteen > 0.15 * once && sixteen < 0.35 * once)

        #expect(throws: TrainingError.self) { try layer(.none, acquisitions: 0) }
    }

    @Test func affineCalibrationMapsRangesAndIgnoresDeadFeatures() async throws {
        let affine = ElementwiseAffine(name: "a", width: 3, calibration: .range(0.1 ... 0.9))
        // Feature 0 spans 2…6, feature 1 is constant, feature 2 barely moves (1e-6).
        let x = Tensor(uncheckedRows: [2, 5, 1, 6, 5, 1.000001, 4, 5, 1], columns: 3)
        let p = try #require(affine.calibratedParameters(for: x))
        let y = try await affine.forward(x, parameters: p)
        #expect(abs(y.scalars[0] - 0.1) < 1e-12 && abs(y.scalars[3] - 0.9) < 1e-12)
        #expect(p[1] == 0 && p[4] == 0.5)
        // Floored at 1 % of the widest span (4): gain ≤ 0.8 / 0.04, not 0.8 / 1e-6.
        #expect(p[2] <= 20.0 + 1e-9)
        let scales = try #require(affine.learningRateScales(p))
        #expect(scales.count == 6 && scales.allSatisfy { $0 > 0 && $0.isFinite })
    }

    @Test func centeredCalibrationGivesEachFeatureItsMeanAndDeviation() async throws {
        let affine = ElementwiseAffine(name: "a", width: 3, calibration: .centered(0.5, deviation: 0.15))
        // Feature 0 has a heavy tail (one large value); feature 1 is spread evenly; feature 2 is quiet
        // (deviation under 10 % of the largest), so its gain is floored rather than blown up.
        let x = Tensor(uncheckedRows: [0, 10, 1, 0, 20, 2, 0, 30, 1, 100, 40, 2], columns: 3)
        let y = try await affine.forward(x, parameters: try #require(affine.calibratedParameters(for: x)))
        func stats(_ feature: Int) -> (mean: Double, deviation: Double) {
            let column = (0 ..< 4).map { y.scalars[3 * $0 + feature] }
            let mean = column.reduce(0, +) / 4
            return (mean, (column.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 4).squareRoot())
        }
        for feature in 0 ..< 2 {
            #expect(abs(stats(feature).mean - 0.5) < 1e-12 && abs(stats(feature).deviation - 0.15) < 1e-12, "feature \(feature)")
        }
        #expect(abs(stats(2).mean - 0.5) < 1e-12 && stats(2).deviation < 0.15 / 5)
    }

    @Test func gainReferenceCancelsAGlobalGainAndItsVJPMatchesFiniteDifferences() async throws {
        let layer = GainReference(name: "ref", width: 4, blockWidth: 2)
        var rng = SeededGenerator(seed: 3)
        let x = Tensor(uncheckedRows: (0 ..< 12).map { _ in rng.nextUniform(in: 0.1 ... 2) }, columns: 4)
        let y = try await layer.forward(x, parameters: [])
        // A drifted detector (every reading of a call ×1.7) reads the same after the reference.
        var drifted = x
        for i in drifted.scalars.indices { drifted.scalars[i] *= 1.7 }
        let yDrifted = try await layer.forward(drifted, parameters: [])
        for i in y.scalars.indices { #expect(abs(y.scalars[i] - yDrifted.scalars[i]) < 1e-12) }
        let weights = (0 ..< 12).map { _ in rng.nextUniform(in: -1 ... 1) }
        let g = try layer.backward(input: x, output: y, parameters: [], outputGradient: Tensor(uncheckedRows: weights, columns: 4))
        func loss(_ x: Tensor<Double>) async throws -> Double {
            zip(try await layer.forward(x, parameters: []).scalars, weights).reduce(0) { $0 + $1.0 * $1.1 }
        }
        for i in x.scalars.indices {
            var up = x, down = x
            up.scalars[i] += 1e-6
            down.scalars[i] -= 1e-6
            let numeric = (try await loss(up) - loss(down)) / 2e-6
            #expect(abs(numeric - g.input.scalars[i]) < 1e-6, "x[\(i)]")
        }
    }

    @Test func physicsTwinFitRecoversDetectorGains() throws {
        let shape = ModelShape(inputs: 6, parameters: 3, outputs: 5)
        let model = try ModelCatalog.make(.shg, shape: shape)
        var truth = PhysicsTwin(model: model)
        truth.outputGain = [1.1, 0.9, 1.05, 0.95, 1.2]
        truth.outputOffset = [0.01, 0, -0.02, 0.03, 0]
        var rng = SeededGenerator(seed: 5)
        var xs: [Double] = [], ts: [Double] = [], ys: [Double] = []
        for _ in 0 ..< 8 {
            let x = Tensor(uncheckedRows: (0 ..< 20 * 6).map { _ in rng.nextUniform(in: 0.1 ... 0.9) }, columns: 6)
            let theta = (0 ..< 3).map { _ in rng.nextUniform(in: 0.1 ... 0.9) }
            xs += x.scalars
            for _ in 0 ..< 20 { ts += theta }
            ys += try truth.predict(x, theta).scalars
        }
        let data = try CalibrationData(inputs: Tensor(uncheckedRows: xs, columns: 6),
                                       parameters: Tensor(uncheckedRows: ts, columns: 3),
                                       outputs: Tensor(uncheckedRows: ys, columns: 5))
        let nominal = PhysicsTwin(model: model)
        let before = try TwinFitter.rmsError(nominal, on: data)
        let fitted = try TwinFitter.fitPhysics(nominal, on: data, iterations: 400, learningRate: 0.01)
        let after = try TwinFitter.rmsError(fitted, on: data)
        #expect(after < 0.2 * before, "RMS \(before) → \(after)")
    }

    @Test func physicalConstantsFitFindsAShiftedResonance() throws {
        // A small plate whose second mode is 3 % higher than the twin believes.
        let shape = ModelShape(inputs: 12, parameters: 6, outputs: 12)
        var c = MechanicalModel.Configuration(shape: shape)
        let nominal = try MechanicalModel(c)
        c.modeFrequenciesHz[1] *= 1.03
        let truth = PhysicsTwin(model: try MechanicalModel(c))
        var rng = SeededGenerator(seed: 4)
        var xs: [Double] = [], ts: [Double] = [], ys: [Double] = []
        for _ in 0 ..< 3 {
            let x = Tensor(uncheckedRows: (0 ..< 16 * 12).map { _ in rng.nextUniform(in: -0.4 ... 0.4) }, columns: 12)
            let theta = (0 ..< 6).map { _ in rng.nextUniform(in: -0.4 ... 0.4) }
            xs += x.scalars
            for _ in 0 ..< 16 { ts += theta }
            ys += try truth.predict(x, theta).scalars
        }
        let data = try CalibrationData(inputs: Tensor(uncheckedRows: xs, columns: 12),
                                       parameters: Tensor(uncheckedRows: ts, columns: 6),
                                       outputs: Tensor(uncheckedRows: ys, columns: 12))
        let start = PhysicsTwin(model: nominal)
        let fitted = try TwinFitter.fitPhysicalParameters(start, on: data, span: 0.05, sweeps: 1)
        let f1 = try #require((fitted.model as? MechanicalModel)?.configuration.modeFrequenciesHz[1])
        #expect(abs(f1 / (231 * 1.03) - 1) < 0.003, "fitted f1 = \(f1)")
        #expect(try TwinFitter.rmsError(fitted, on: data) < 0.1 * TwinFitter.rmsError(start, on: data))
        // The fitted constants survive a twin file.
        let file = TwinFile(physics: fitted)
        let restored = try #require(try file.makeTwin() as? PhysicsTwin)
        #expect((restored.model as? MechanicalModel)?.configuration == (fitted.model as? MechanicalModel)?.configuration)
    }

    /// PAT's `vjp` skips the forward that only the fitter's gradients need; with every calibration
    /// term away from identity it must still be the gradient of `predict`, and agree with the fitter's.
    @Test func calibratedPhysicsTwinVJPMatchesFiniteDifferencesAndTheFittersGradient() throws {
        let shape = ModelShape(inputs: 5, parameters: 3, outputs: 4)
        var twin = PhysicsTwin(model: try ModelCatalog.make(.electronic, shape: shape))
        twin.inputGain = [1.1, 0.8, 1.3, 0.9, 1.05]
        twin.outputGain = [0.7, 1.4, 1.0, 1.2]
        twin.outputOffset = [0.02, -0.1, 0, 0.05]
        var rng = SeededGenerator(seed: 9)
        let x = Tensor(uncheckedRows: (0 ..< 3 * 5).map { _ in rng.nextUniform(in: -0.8 ... 0.8) }, columns: 5)
        let theta = (0 ..< 3).map { _ in rng.nextUniform(in: -0.8 ... 0.8) }
        let g = Tensor(uncheckedRows: (0 ..< 3 * 4).map { _ in rng.nextUniform(in: -1 ... 1) }, columns: 4)
        let (xBar, thetaBar) = try twin.vjp(x, theta, outputGradient: g)
        let full = try twin.calibrationVJP(x, theta, outputGradient: g)
        #expect(xBar.scalars == full.input.scalars)
        #expect(thetaBar == full.parameters)
        func loss(_ x: Tensor<Double>, _ t: [Double]) throws -> Double {
            zip(try twin.predict(x, t).scalars, g.scalars).map { $0 * $1 }.reduce(0, +)
        }
        let h = 1e-6
        for i in x.scalars.indices {
            var up = x, down = x
            up.scalars[i] += h
            down.scalars[i] -= h
            let numeric = (try loss(up, theta) - loss(down, theta)) / (2 * h)
            #expect(abs(numeric - xBar.scalars[i]) < 1e-6 * max(1, abs(numeric)), "x[\(i)]")
        }
        for j in theta.indices {
            var up = theta, down = theta
            up[j] += h
            down[j] -= h
            let numeric = (try loss(x, up) - loss(x, down)) / (2 * h)
            #expect(abs(numeric - thetaBar[j]) < 1e-6 * max(1, abs(numeric)), "θ[\(j)]")
        }
    }

    @Test func mlpTwinLearnsAndItsVJPMatchesFiniteDifferences() throws {
        let shape = ModelShape(inputs: 4, parameters: 2, outputs: 3)
        var twin = MLPTwin(shape: shape, hidden: [8], seed: 1)
        twin.weights.outputScale = [2, 1, 0.5]
        let x = Tensor(uncheckedRows: [0.1, 0.5, -0.3, 0.2, 0.4, 0.4, 0.1, -0.2], columns: 4)
        let theta = [0.3, -0.6]
        let g = Tensor(uncheckedRows: [1, -1, 0.5, 0.2, 0.3, -0.7], columns: 3)
        let (xBar, thetaBar) = try twin.vjp(x, theta, outputGradient: g)
        func loss(_ x: Tensor<Double>, _ t: [Double]) throws -> Double {
            zip(try twin.predict(x, t).scalars, g.scalars).map { $0 * $1 }.reduce(0, +)
        }
        for i in x.scalars.indices {
            var up = x, down = x
            up.scalars[i] += 1e-6
            down.scalars[i] -= 1e-6
            #expect(abs((try loss(up, theta) - loss(down, theta)) / 2e-6 - xBar.scalars[i]) < 1e-6)
        }
        for j in theta.indices {
            var up = theta, down = theta
            up[j] += 1e-6
            down[j] -= 1e-6
            #expect(abs((try loss(x, up) - loss(x, down)) / 2e-6 - thetaBar[j]) < 1e-6)
        }
    }

    @Test func checkpointAndTwinFilesRoundTrip() throws {
        let scratch = try ScratchDirectory(prefix: "pnn-ckpt")
        let model = try ModelCatalog.make(.shg, shape: ModelCatalog.mnistShape(.shg))
        var twin = PhysicsTwin(model: model)
        twin.outputGain[3] = 1.25
        let checkpoint = Checkpoint(experiment: "vowels-shg", mode: .pat, settings: ExperimentCatalog.vowelsSHG.settings,
                                    layerNames: ["a", "b"], parameters: [[0.1, 1.0 / 3.0], []],
                                    twin: TwinFile(physics: twin), summary: nil)
        try checkpoint.write(to: scratch.path("c.json"))
        #expect(try Checkpoint.read(from: scratch.path("c.json")) == checkpoint)
        let restored = try #require(try checkpoint.twin.makeTwin() as? PhysicsTwin)
        #expect(restored.outputGain == twin.outputGain)
        try "{\"format\": 99}".write(toFile: scratch.path("bad.json"), atomically: true, encoding: .utf8)
        #expect(throws: TrainingError.self) { _ = try Checkpoint.read(from: scratch.path("bad.json")) }

        // A twin file alone; a missing file and a file of the wrong kind are told apart.
        try checkpoint.twin.write(to: scratch.path("t.json"))
        #expect(try TwinFile.read(from: scratch.path("t.json")) == checkpoint.twin)
        func message(_ read: () throws -> Void) -> String {
            do { try read(); return "" } catch { return (error as? TrainingError)?.message ?? "\(error)" }
        }
        #expect(message { _ = try TwinFile.read(from: scratch.path("absent.json")) }.hasPrefix("cannot read twin"))
        #expect(message { _ = try TwinFile.read(from: scratch.path("c.json")) }.contains("is not a pnn twin"))
        #expect(message { _ = try Checkpoint.read(from: scratch.path("t.json")) }.contains("is not a pnn checkpoint"))
    }
}
