import PNNCore
@testable import PNNPhysics
import Testing

@Suite struct ElectronicModelTests {
    static let shape = ModelShape(inputs: 16, parameters: 8, outputs: 8)

    @Test func forwardMatchesTheScalarReference() throws {
        var c = ElectronicModel.Configuration(shape: Self.shape)
        c.transistorAsymmetry = 0.1
        let model = try ElectronicModel(c)
        let (x, theta) = MechanicalModelTests.randomPoint(Self.shape, batch: 3, seed: 21)
        let y = try model.forward(x, theta)
        for b in 0 ..< 3 {
            let reference = try ElectronicReference.forward(configuration: c, x: x.row(b), theta: theta.scalars)
            for (a, r) in zip(y.row(b), reference) { #expect(abs(a - r) <= 1e-10 * max(1e-3, abs(r))) }
        }
    }

    @Test func withoutTransistorTheCircuitIsLinear() throws {
        var c = ElectronicModel.Configuration(shape: Self.shape)
        c.transistorCurrentAmps = 0
        let model = try ElectronicModel(c)
        let (x, theta) = MechanicalModelTests.randomPoint(Self.shape, batch: 2, seed: 22)
        let (x2, theta2) = MechanicalModelTests.randomPoint(Self.shape, batch: 2, seed: 23)
        let sum = try model.forward(Tensor(uncheckedRows: zip(x.scalars, x2.scalars).map(+), columns: 16),
                                    Tensor(zip(theta.scalars, theta2.scalars).map(+)))
        let parts = try zip(model.forward(x, theta).scalars, model.forward(x2, theta2).scalars).map(+)
        for (a, b) in zip(sum.scalars, parts) { #expect(abs(a - b) <= 1e-12) }
    }

    @Test func transistorSaturationMakesTheResponseSublinear() throws {
        let model = try ElectronicModel(.init(shape: Self.shape))
        let (x, theta) = MechanicalModelTests.randomPoint(Self.shape, batch: 1, seed: 24)
        let small = try model.scopeTrace(x: x.scalars.map { 0.01 * $0 }, theta: theta.scalars.map { 0.01 * $0 })
        let large = try model.scopeTrace(x: x.scalars.map { 4 * $0 }, theta: theta.scalars.map { 4 * $0 })
        // Small signals see the full transistor conductance (strong damping); large ones saturate it,
        // so the response grows faster than the drive.
        let gainSmall = (small.map(abs).max() ?? 0) / 0.01
        let gainLarge = (large.map(abs).max() ?? 0) / 4
        #expect(gainLarge > 1.2 * gainSmall)
    }

    @Test func rlcRingsAtItsResonance() throws {
        var c = ElectronicModel.Configuration(shape: ModelShape(inputs: 1, parameters: 0, outputs: 1))
        c.transistorCurrentAmps = 0
        c.resistanceOhms = 0.01
        c.drive.tailSegments = 200
        c.drive.substeps = 8
        let model = try ElectronicModel(c)
        let trace = try model.scopeTrace(x: [1], theta: [])
        var crossings: [Int] = []
        for n in 1 ..< trace.count where (trace[n - 1] < 0) != (trace[n] < 0) { crossings.append(n) }
        let first = try #require(crossings.first), last = try #require(crossings.last)
        let frequency = Double(crossings.count - 1) / 2 / (Double(last - first) * c.drive.stepSeconds)
        let expected = 1 / (2 * Double.pi * (c.inductanceHenries * c.capacitanceFarads).squareRoot())
        #expect(abs(frequency / expected - 1) < 0.01)
    }

    @Test func rejectsUnphysicalConfigurations() {
        var c = ElectronicModel.Configuration(shape: Self.shape)
        c.capacitanceFarads = 0
        #expect(throws: ModelError.self) { try ElectronicModel(c) }
        c = ElectronicModel.Configuration(shape: Self.shape)
        c.capacitanceFarads = 1e-12  // resonance far above the scope's Nyquist frequency
        #expect(throws: ModelError.self) { try ElectronicModel(c) }
        c = ElectronicModel.Configuration(shape: Self.shape)
        c.transistorAsymmetry = 2
        #expect(throws: ModelError.self) { try ElectronicModel(c) }
    }
}
