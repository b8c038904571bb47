import PNNCore
import PNNPhysics
import Testing
@testable import PNNTraining

/// `Parallel`: channels side by side — routing of blocks, parameters and penalties, and its VJP.
@Suite struct ParallelTests {
    static func shgChannel(_ name: String) throws -> PhysicalLayer {
        let model = try ModelCatalog.make(.shg, shape: ModelShape(inputs: 4, parameters: 2, outputs: 3))
        let twin = PhysicsTwin(model: model)
        return try PhysicalLayer(name: name, backend: TwinBackend(twin: twin, limits: DriveLimits(minimum: 0, maximum: 1)),
                                 twin: twin)
    }

    @Test func forwardIsTheBranchesOnTheirBlocksSideBySide() async throws {
        let a = Linear(name: "a", inputs: 2, outputs: 3), b = ElementwiseAffine(name: "b", width: 1)
        let bank = try Parallel(name: "bank", branches: [a, b])
        #expect(bank.inputCount == 3 && bank.outputCount == 4 && bank.parameterCount == a.parameterCount + 2)
        let pa = [1.0, 2, 3, 4, 5, 6, 0.5, -0.5, 0], pb = [2.0, 1]
        let x = Tensor(uncheckedRows: [1.0, -1, 3, 0, 2, -2], columns: 3)
        let y = try await bank.forward(x, parameters: pa + pb)
        let ya = try await a.forward(x.columns(0 ..< 2), parameters: pa)
        let yb = try await b.forward(x.columns(2 ..< 3), parameters: pb)
        #expect(y == Tensor(concatenatingColumns: [ya, yb]))
        #expect(y.shape == [2, 4])
    }

    @Test func vjpMatchesFiniteDifferencesThroughPhysicalChannels() async throws {
        let bank = try Parallel(name: "shg", branches: [try Self.shgChannel("shg.1"), try Self.shgChannel("shg.2")])
        var rng = SeededGenerator(seed: 5)
        let p = bank.initialParameters(using: &rng)
        let x = Tensor(uncheckedRows: (0 ..< 16).map { _ in rng.nextUniform(in: 0.2 ... 0.8) }, columns: 8)
        let weights = (0 ..< 12).map { _ in rng.nextUniform(in: -1 ... 1) }
        func loss(_ x: Tensor<Double>, _ p: [Double]) async throws -> Double {
            let y = try await bank.forward(x, parameters: p)
            return zip(y.scalars, weights).reduce(0) { $0 + $1.0 * $1.1 }
        }
        let y = try await bank.forward(x, parameters: p)
        let g = try bank.backward(input: x, output: y, parameters: p,
                                  outputGradient: Tensor(uncheckedRows: weights, columns: 6))
        let h = 1e-6
        for i in x.scalars.indices {
            var up = x, down = x
            up.scalars[i] += h
            down.scalars[i] -= h
            let numeric = (try await loss(up, p) - loss(down, p)) / (2 * h)
            #expect(abs(numeric - g.input.scalars[i]) < 1e-5 * max(1, abs(numeric)), "x[\(i)]")
        }
        for i in p.indices {
            var up = p, down = p
            up[i] += h
            down[i] -= h
            let numeric = (try await loss(x, up) - loss(x, down)) / (2 * h)
            #expect(abs(numeric - g.parameters[i]) < 1e-5 * max(1, abs(numeric)), "θ[\(i)]")
        }
    }

    @Test func penaltiesProjectionAndStepSizesStayWithTheirChannel() throws {
        let bank = try Parallel(name: "bank", branches: [Linear(name: "l", inputs: 2, outputs: 1), try Self.shgChannel("p")])
        // Only the physical channel has a drive range: its block of the input is penalised, the
        // linear block gets zero gradient.
        let x = Tensor(uncheckedRows: [5.0, -5, 1.2, 0.5, -0.1, 0.3], columns: 6)
        let penalty = try #require(bank.inputPenalty(x))
        #expect(penalty.value > 0)
        #expect(penalty.gradient.scalars[0] == 0 && penalty.gradient.scalars[1] == 0)
        #expect(penalty.gradient.scalars[2] > 0 && penalty.gradient.scalars[4] < 0)
        var p = [7.0, 8, 9, 1.5, -0.2]
        bank.project(&p)
        #expect(p == [7, 8, 9, 1, 0])
        #expect(bank.learningRateScales(p) == [1, 1, 1, 1, 1])
        #expect(throws: TrainingError.self) { _ = try Parallel(name: "empty", branches: []) }
    }

    @Test func channelsOnOneNoisyDeviceReadAsIfMeasuredOneByOne() async throws {
        // Channels sharing a backend are measured as one sequence (pipelined through pnnd); a gapped,
        // noisy simulator must give the same readings as the channels measured in turn.
        let model = try ModelCatalog.make(.shg, shape: ModelShape(inputs: 4, parameters: 2, outputs: 3))
        func device() throws -> SimulatorBackend {
            SimulatorBackend(simulator: try Simulator(model: model, gap: .default, seed: 9),
                             limits: DriveLimits(minimum: 0, maximum: 1))
        }
        let shared = try device()
        let twin = PhysicsTwin(model: model)
        let bank = try Parallel(name: "bank", branches: [
            try PhysicalLayer(name: "c1", backend: shared, twin: twin), try PhysicalLayer(name: "c2", backend: shared, twin: twin),
        ])
        #expect(bank.sharedDeviceChannels?.count == 2)
        let x = Tensor(uncheckedRows: [0.1, 0.5, 0.9, 0.3, 0.7, 0.2, 0.4, 0.6], columns: 8)
        let p = [0.2, 0.8, 0.6, 0.4]
        let y = try await bank.forward(x, parameters: p)
        let separate = try device()
        let one = try PhysicalLayer(name: "one", backend: separate, twin: twin)
        let y1 = try await one.forward(x.columns(0 ..< 4), parameters: [0.2, 0.8])
        let y2 = try await one.forward(x.columns(4 ..< 8), parameters: [0.6, 0.4])
        #expect(y == Tensor(concatenatingColumns: [y1, y2]))
        #expect(shared.calls == 2)
    }

    @Test func columnBlocksRoundTrip() {
        let t = Tensor(uncheckedRows: (0 ..< 12).map(Double.init), columns: 4)
        #expect(t.columns(1 ..< 3).scalars == [1, 2, 5, 6, 9, 10])
        #expect(Tensor(concatenatingColumns: [t.columns(0 ..< 1), t.columns(1 ..< 4)]) == t)
    }
}
