import PNNCore
@testable import PNNPhysics
import Testing

@Suite struct MechanicalModelTests {
    static let shape = ModelShape(inputs: 16, parameters: 8, outputs: 8)

    static func randomPoint(_ shape: ModelShape, batch: Int, seed: UInt64) -> (Tensor<Double>, Tensor<Double>) {
        var rng = SeededGenerator(seed: seed)
        let x = Tensor<Double>(uncheckedRows: (0 ..< batch * shape.inputs).map { _ in rng.nextUniform() },
                               columns: shape.inputs)
        let theta = Tensor((0 ..< shape.parameters).map { _ in rng.nextUniform(in: -1 ... 1) })
        return (x, theta)
    }

    @Test func silenceGivesSilence() throws {
        let model = try MechanicalModel(.init(shape: Self.shape))
        let y = try model.forward(Tensor<Double>.zeros([2, 16]), Tensor<Double>.zeros([8]))
        #expect(y.scalars.allSatisfy { $0 == 0 })
    }

    @Test func linearPlateScalesQuadraticallyInTheDrive() throws {
        // Mean-square detector on a linear plate: y(c·u) = c² y(u), up to rounding.
        let model = try MechanicalModel(MechanicalModel.Configuration(shape: Self.shape).linear)
        let (x, theta) = Self.randomPoint(Self.shape, batch: 2, seed: 4)
        let y1 = try model.forward(x, theta)
        let y3 = try model.forward(Tensor(uncheckedRows: x.scalars.map { 3 * $0 }, columns: 16), Tensor(theta.scalars.map { 3 * $0 }))
        for (a, b) in zip(y1.scalars, y3.scalars) {
            #expect(abs(9 * a - b) <= 1e-9 * max(1, abs(b)))
        }
        let nonlinear = try MechanicalModel(.init(shape: Self.shape))
        let n1 = try nonlinear.forward(x, theta)
        let n3 = try nonlinear.forward(Tensor(uncheckedRows: x.scalars.map { 3 * $0 }, columns: 16), Tensor(theta.scalars.map { 3 * $0 }))
        let deviation = zip(n1.scalars, n3.scalars).map { abs(9 * $0 - $1) }.max() ?? 0
        #expect(deviation > 1e-3, "the Duffing plate must not scale quadratically")
    }

    @Test func singleModeRingsAtItsFrequency() throws {
        // One mode, no damping to speak of: zero crossings of the trace give its frequency.
        var c = MechanicalModel.Configuration(shape: ModelShape(inputs: 4, parameters: 0, outputs: 1))
        c.modeFrequenciesHz = [250]
        c.qualityFactors = [1e6]
        c.driveCouplings = [1]
        c.microphoneWeights = [1]
        c.cubicStiffnessPerSquareMetre = 0
        c.drive.tailSegments = 400
        c.drive.substeps = 8
        let model = try MechanicalModel(c)
        let trace = try model.microphoneTrace(x: [1, 0, 0, 0], theta: [])
        let tail = Array(trace[(8 * 8)...])
        var crossings: [Int] = []
        for n in 1 ..< tail.count where (tail[n - 1] < 0) != (tail[n] < 0) { crossings.append(n) }
        let first = try #require(crossings.first), last = try #require(crossings.last)
        let periods = Double(crossings.count - 1) / 2
        let seconds = Double(last - first) * c.drive.stepSeconds
        #expect(abs(periods / seconds - 250) < 2.5)
    }

    @Test func batchedForwardMatchesPerSample() throws {
        let model = try MechanicalModel(.init(shape: Self.shape))
        let (x, theta) = Self.randomPoint(Self.shape, batch: 19, seed: 8)
        let y = try model.forward(x, theta)
        for b in [0, 7, 18] {
            let single = try model.forward(Tensor(rowVector: x.row(b)), theta)
            #expect(single.scalars == y.row(b))
        }
    }

    @Test func forwardMatchesTheScalarReference() throws {
        var c = MechanicalModel.Configuration(shape: Self.shape)
        c.driveDistortion = 0.05
        let model = try MechanicalModel(c)
        let (x, theta) = Self.randomPoint(Self.shape, batch: 3, seed: 9)
        let y = try model.forward(x, theta)
        for b in 0 ..< 3 {
            let reference = try MechanicalReference.forward(configuration: c, x: x.row(b), theta: theta.scalars)
            for (a, r) in zip(y.row(b), reference) { #expect(abs(a - r) <= 1e-10 * max(1e-3, abs(r))) }
        }
    }

    @Test func rejectsBadShapesAndValues() throws {
        let model = try MechanicalModel(.init(shape: Self.shape))
        #expect(throws: ModelError.self) { try model.forward(Tensor<Double>.zeros([2, 15]), Tensor<Double>.zeros([8])) }
        #expect(throws: ModelError.self) { try model.forward(Tensor<Double>.zeros([2, 16]), Tensor<Double>.zeros([7])) }
        var bad = Tensor<Double>.zeros([2, 16])
        bad[1, 3] = .nan
        do {
            _ = try model.forward(bad, Tensor<Double>.zeros([8]))
            Issue.record("NaN accepted")
        } catch {
            #expect(error.code == .nonFinite)
            #expect(error.message.contains("sample 1"))
        }
    }

    @Test func rejectsUnphysicalConfigurations() {
        var c = MechanicalModel.Configuration(shape: Self.shape)
        c.modeFrequenciesHz[0] = -1
        #expect(throws: ModelError.self) { try MechanicalModel(c) }
        c = MechanicalModel.Configuration(shape: Self.shape)
        c.modeFrequenciesHz[7] = 5000  // above the 4 kHz Nyquist frequency of 8 kHz sampling
        #expect(throws: ModelError.self) { try MechanicalModel(c) }
        c = MechanicalModel.Configuration(shape: Self.shape)
        c.qualityFactors.removeLast()
        #expect(throws: ModelError.self) { try MechanicalModel(c) }
        c = MechanicalModel.Configuration(shape: ModelShape(inputs: 4, parameters: 0, outputs: 1000))
        #expect(throws: ModelError.self) { try MechanicalModel(c) }
    }
}
