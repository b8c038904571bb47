import Foundation
import PNNCore
import PNNPhysics
import Testing
@testable import PNNTraining

/// `Network.forward(_:parameters:microBatches:)`: the batch cut into slices that are interleaved
/// through the physical layers.
@Suite struct MicroBatchTests {
    static let shape = ModelShape(inputs: 4, parameters: 2, outputs: 4)

    static func device(_ gap: RealityGap, seed: UInt64 = 9) throws -> SimulatorBackend {
        let model = try ModelCatalog.make(.shg, shape: shape)
        return SimulatorBackend(simulator: try Simulator(model: model, gap: gap, seed: seed),
                                limits: DriveLimits(minimum: 0, maximum: 1))
    }

    static func twin() throws -> PhysicsTwin { PhysicsTwin(model: try ModelCatalog.make(.shg, shape: shape)) }

    /// shg → affine → (no parameters) → shg → affine, both physical layers on `backend`.
    static func network(on backend: SimulatorBackend, extra: [any Layer] = []) throws -> Network {
        try Network([
            try PhysicalLayer(name: "p1", backend: backend, twin: try twin()),
            ElementwiseAffine(name: "a1", width: 4, initialScale: 0.8, initialOffset: 0.1),
            ParameterFreeIdentity(width: 4),
            try PhysicalLayer(name: "p2", backend: backend, twin: try twin()),
            ElementwiseAffine(name: "a2", width: 4, initialScale: 2),
        ] + extra)
    }

    /// Two channels on one device (a wide layer, pipelined as one submission) → affine.
    static func bankNetwork(on backend: SimulatorBackend) throws -> Network {
        try Network([
            try Parallel(name: "bank", branches: [
                try PhysicalLayer(name: "c1", backend: backend, twin: try twin()),
                try PhysicalLayer(name: "c2", backend: backend, twin: try twin()),
            ]),
            ElementwiseAffine(name: "a", width: 8, initialScale: 2),
        ])
    }

    static func input(rows: Int, columns: Int) -> Tensor<Double> {
        var rng = SeededGenerator(seed: 4)
        return Tensor(uncheckedRows: (0 ..< rows * columns).map { _ in rng.nextUniform(in: 0.05 ... 0.95) }, columns: columns)
    }

    static func x(rows: Int) -> Tensor<Double> { input(rows: rows, columns: 4) }

    static func expectClose(_ a: Network.Tape, _ b: Network.Tape) {
        #expect(a.activations.count == b.activations.count)
        for (u, v) in zip(a.activations, b.activations) {
            #expect(u.shape == v.shape)
            #expect(zip(u.scalars, v.scalars).allSatisfy { abs($0 - $1) <= 1e-12 * max(1, abs($1)) })
        }
    }

    @Test func slicesOfAGapFreeDeviceGiveTheWholeBatchsTape() async throws {
        let whole = try Self.device(.none), sliced = try Self.device(.none)
        let network = try Self.network(on: whole), slicedNetwork = try Self.network(on: sliced)
        let p = network.initialParameters(seed: 3)
        let x = Self.x(rows: 10)
        // 10 rows in 3 slices (3, 3, 4): every activation, digital and measured, is the same.
        Self.expectClose(try await slicedNetwork.forward(x, parameters: p, microBatches: 3),
                         try await network.forward(x, parameters: p))
        // Three times as many calls, a third the size.
        #expect(whole.calls == 2 && sliced.calls == 6)
        #expect(whole.drivenRows == 20 && sliced.drivenRows == 20)
        // One slice is the whole batch; more slices than rows is one row per slice.
        _ = try await slicedNetwork.forward(x, parameters: p, microBatches: 1)
        #expect(sliced.calls == 8)
        let tiny = try await slicedNetwork.forward(x.rows(0 ..< 2), parameters: p, microBatches: 8)
        #expect(tiny.output.shape == [2, 4] && sliced.calls == 12)

        // A wide layer's channels go out together for each slice.
        let bankWhole = try Self.device(.none), bankSliced = try Self.device(.none)
        let bank = try Self.bankNetwork(on: bankWhole), slicedBank = try Self.bankNetwork(on: bankSliced)
        let q = bank.initialParameters(seed: 5)
        let wide = Self.input(rows: 7, columns: 8)
        Self.expectClose(try await slicedBank.forward(wide, parameters: q, microBatches: 2),
                         try await bank.forward(wide, parameters: q))
        #expect(bankWhole.calls == 2 && bankSliced.calls == 4)
    }

    @Test func aNoisyDeviceMeasuresLayerByLayerSliceBySlice() async throws {
        // The schedule is fixed: layer 1 of every slice, then layer 2 of every slice, in slice order.
        // A twin device with the same seed measured by hand in that order must read the same values,
        // noise and drift included.
        let backend = try Self.device(.default)
        let network = try Self.network(on: backend)
        let p = network.initialParameters(seed: 3)
        let x = Self.x(rows: 6)
        let tape = try await network.forward(x, parameters: p, microBatches: 2)

        let byHand = try Self.device(.default)
        let clamp = { (t: Tensor<Double>) in Tensor(uncheckedRows: t.scalars.map { min(max($0, 0), 1) }, columns: t.shape[1]) }
        var first: [Tensor<Double>] = [], second: [Tensor<Double>] = []
        for slice in [x.rows(0 ..< 3), x.rows(3 ..< 6)] { first.append(try await byHand.measure(clamp(slice), p[0])) }
        let affine = try #require(network.layers[1] as? ElementwiseAffine)
        for y in first { second.append(try await byHand.measure(clamp(affine.apply(y, p[1])), p[3])) }
        #expect(tape.activations[1] == Tensor(concatenatingRows: first))
        #expect(tape.activations[4] == Tensor(concatenatingRows: second))
        #expect(backend.calls == 4 && byHand.calls == 4)
        // Not what the whole batch reads on the same device: the noise falls on other samples.
        let whole = try await Self.network(on: try Self.device(.default)).forward(x, parameters: p)
        #expect(whole.activations[1] != tape.activations[1])
    }

    @Test func aNetworkThatCouplesSamplesRunsWholeBatches() async throws {
        // GainReference divides by a mean over the batch: slices would change what it computes.
        let sliced = try Self.device(.default), whole = try Self.device(.default)
        let extra: [any Layer] = [GainReference(name: "ref", width: 4, blockWidth: 4)]
        let slicedNetwork = try Self.network(on: sliced, extra: extra), network = try Self.network(on: whole, extra: extra)
        #expect(slicedNetwork.layers.contains { $0.couplesSamples })
        let p = network.initialParameters(seed: 3)
        let x = Self.x(rows: 8)
        let tape = try await slicedNetwork.forward(x, parameters: p, microBatches: 4)
        #expect(tape.activations == (try await network.forward(x, parameters: p)).activations)
        #expect(sliced.calls == 2)
    }

    @Test func badInputIsRefusedBeforeAnythingIsMeasured() async throws {
        let backend = try Self.device(.none)
        let network = try Self.network(on: backend)
        let p = network.initialParameters(seed: 3)
        await #expect(throws: TrainingError.self) { _ = try await network.forward(Self.input(rows: 4, columns: 5), parameters: p, microBatches: 2) }
        await #expect(throws: TrainingError.self) { _ = try await network.forward(Self.x(rows: 4), parameters: Array(p.dropLast()), microBatches: 2) }
        #expect(backend.calls == 0)
    }

    @Test func settingsOfOlderCheckpointsTrainWholeBatches() throws {
        var settings = TrainingSettings(epochs: 2, batchSize: 8, learningRate: 0.01, microBatches: 3)
        let encoded = try JSONEncoder().encode(settings)
        #expect(try JSONDecoder().decode(TrainingSettings.self, from: encoded) == settings)
        var object = try #require(try JSONSerialization.jsonObject(with: encoded) as? [String: Any])
        object["microBatches"] = nil
        let older = try JSONSerialization.data(withJSONObject: object)
        #expect(try JSONDecoder().decode(TrainingSettings.self, from: older).microBatches == 1)
        settings.microBatches = 0
        #expect(throws: TrainingError.self) { try settings.validate() }
        settings.microBatches = 65
        #expect(throws: TrainingError.self) { try settings.validate() }
    }
}

/// A digital layer without parameters between physical ones (the slices pass through it as well).
private struct ParameterFreeIdentity: Layer {
    let width: Int
    var name: String { "identity" }
    var inputCount: Int { width }
    var outputCount: Int { width }
    var parameterCount: Int { 0 }
    func initialParameters(using rng: inout SeededGenerator) -> [Double] { [] }
    func forward(_ x: Tensor<Double>, parameters: [Double]) async throws(TrainingError) -> Tensor<Double> { x }
    func backward(input x: Tensor<Double>, output y: Tensor<Double>, parameters: [Double],
                  outputGradient: Tensor<Double>) throws(TrainingError) -> LayerGradient {
        LayerGradient(input: outputGradient, parameters: [])
    }
}
