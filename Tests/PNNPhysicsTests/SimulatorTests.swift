import PNNCore
import PNNPhysics
import Testing

@Suite struct SimulatorTests {
    static let shape = ModelShape(inputs: 12, parameters: 6, outputs: 6)

    static func model(_ kind: ModelKind) throws -> any PhysicalModel {
        switch kind {
        case .mechanical: try MechanicalModel(.init(shape: shape))
        case .electronic: try ElectronicModel(.init(shape: shape))
        case .shg: try SHGModel(.init(shape: ModelShape(inputs: 12, parameters: 6, outputs: 8)))
        }
    }

    static func point(_ model: any PhysicalModel, seed: UInt64) -> (Tensor<Double>, Tensor<Double>) {
        var rng = SeededGenerator(seed: seed)
        let s = model.shape
        return (Tensor(uncheckedRows: (0 ..< 3 * s.inputs).map { _ in rng.nextUniform() }, columns: s.inputs),
                Tensor((0 ..< s.parameters).map { _ in rng.nextUniform() }))
    }

    @Test(arguments: ModelKind.allCases)
    func noGapReproducesTheModelBitForBit(kind: ModelKind) throws {
        let model = try Self.model(kind)
        var simulator = try Simulator(model: model, gap: .none, seed: 9)
        let (x, theta) = Self.point(model, seed: 1)
        #expect(try simulator.measure(x, theta) == model.forward(x, theta))
        #expect(try simulator.measure(x, theta) == model.forward(x, theta), "no drift without a gap")
    }

    @Test(arguments: ModelKind.allCases)
    func sameSeedSameMeasurements(kind: ModelKind) throws {
        let model = try Self.model(kind)
        var a = try Simulator(model: model, gap: .default, seed: 42)
        var b = try Simulator(model: model, gap: .default, seed: 42)
        var c = try Simulator(model: model, gap: .default, seed: 43)
        let (x, theta) = Self.point(model, seed: 2)
        for _ in 0 ..< 3 {
            let ya = try a.measure(x, theta)
            #expect(ya == (try b.measure(x, theta)))
            #expect(ya != (try c.measure(x, theta)))
        }
    }

    @Test(arguments: ModelKind.allCases)
    func defaultGapIsVisibleButModerate(kind: ModelKind) throws {
        let model = try Self.model(kind)
        var simulator = try Simulator(model: model, gap: .default, seed: 5)
        let (x, theta) = Self.point(model, seed: 3)
        let measured = try simulator.measure(x, theta).scalars
        let ideal = try model.forward(x, theta).scalars
        let distance = ConvolutionAnalysis.relativeDistance(measured, ideal)
        #expect(distance > 1e-3, "a gap the twin cannot see")
        #expect(distance < 0.8, "but the model still describes the device")
    }

    @Test func measurementChainSaturatesAndQuantises() throws {
        let model = try Self.model(.electronic)
        let gap = RealityGap(adcBits: 4, saturates: true)
        var simulator = try Simulator(model: model, gap: gap, seed: 1)
        let (x, theta) = Self.point(model, seed: 4)
        let loud = Tensor<Double>(uncheckedRows: x.scalars.map { 50 * $0 }, columns: x.shape[1])
        let y = try simulator.measure(loud, Tensor(theta.scalars.map { 50 * $0 }))
        let range = model.outputRange
        let step = (range.upperBound - range.lowerBound) / 15
        for v in y.scalars {
            #expect(range.contains(v))
            let code = (v - range.lowerBound) / step
            #expect(abs(code - code.rounded()) < 1e-9)
        }
    }

    @Test func driftMovesTheGainFromCallToCall() throws {
        let model = try Self.model(.mechanical)
        var simulator = try Simulator(model: model, gap: RealityGap(driftPerCall: 0.01), seed: 2)
        let (x, theta) = Self.point(model, seed: 5)
        let first = try simulator.measure(x, theta)
        let second = try simulator.measure(x, theta)
        #expect(first != second)
        #expect(simulator.calls == 2)
        #expect(simulator.gain != 1)
    }

    @Test func rejectsInvalidGaps() {
        #expect(throws: ModelError.self) {
            try Simulator(model: try Self.model(.mechanical), gap: RealityGap(additiveNoise: -1), seed: 1)
        }
        #expect(throws: ModelError.self) {
            try Simulator(model: try Self.model(.mechanical), gap: RealityGap(adcBits: 40), seed: 1)
        }
    }
}
