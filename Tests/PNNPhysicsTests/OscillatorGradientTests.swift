import PNNCore
@testable import PNNPhysics
import Testing

/// VJP of the two oscillator models against central finite differences, with every term switched on.
@Suite struct OscillatorGradientTests {
    static let shape = ModelShape(inputs: 20, parameters: 10, outputs: 9)

    static func mechanical(distortion: Double = 0.08) throws -> MechanicalModel {
        var c = MechanicalModel.Configuration(shape: shape)
        c.drive.tailSegments = 6
        c.driveDistortion = distortion
        return try MechanicalModel(c)
    }

    static func electronic(asymmetry: Double = 0.15) throws -> ElectronicModel {
        var c = ElectronicModel.Configuration(shape: shape)
        c.drive.tailSegments = 6
        c.transistorAsymmetry = asymmetry
        return try ElectronicModel(c)
    }

    @Test(arguments: [0.0, 0.08])
    func mechanicalVJPMatchesFiniteDifferences(distortion: Double) throws {
        let result = try GradientCheck(batch: 2, seed: 11).run(Self.mechanical(distortion: distortion))
        #expect(result.inputRelativeError <= 1e-6, "x̄ error \(result.inputRelativeError)")
        #expect(result.parameterRelativeError <= 1e-6, "θ̄ error \(result.parameterRelativeError)")
        #expect(result.inputGradientScale > 1e-3)
        #expect(result.parameterGradientScale > 1e-3)
    }

    @Test(arguments: [0.0, 0.15])
    func electronicVJPMatchesFiniteDifferences(asymmetry: Double) throws {
        let result = try GradientCheck(batch: 2, seed: 12).run(Self.electronic(asymmetry: asymmetry))
        #expect(result.inputRelativeError <= 1e-6, "x̄ error \(result.inputRelativeError)")
        #expect(result.parameterRelativeError <= 1e-6, "θ̄ error \(result.parameterRelativeError)")
        #expect(result.inputGradientScale > 1e-3)
        #expect(result.parameterGradientScale > 1e-3)
    }

    /// The check must be able to fail: a VJP of the wrong model (other damping) is caught.
    @Test func gradientCheckDetectsAWrongVJP() throws {
        let model = try Self.mechanical()
        var rng = SeededGenerator(seed: 3)
        let x = Tensor<Double>(uncheckedRows: (0 ..< 20).map { _ in rng.nextUniform() }, columns: 20)
        let theta = Tensor((0 ..< 10).map { _ in rng.nextUniform(in: -1 ... 1) })
        let yBar = Tensor<Double>(uncheckedRows: (0 ..< 9).map { _ in rng.nextGaussian() }, columns: 9)
        var other = model.configuration
        other.qualityFactors = other.qualityFactors.map { $0 * 1.01 }
        let wrong = try MechanicalModel(other).vjp(x, theta, outputGradient: yBar)
        let right = try model.vjp(x, theta, outputGradient: yBar)
        let error = GradientCheck.relativeError(wrong.input.scalars, right.input.scalars)
        #expect(error > 1e-4)
    }
}
