import PNNCore
import PNNPhysics
import Testing
@testable import PNNTraining

/// Whole-network gradients against central finite differences, with the device equal to the twin
/// (gap off, Float64 forward): PAT's backward pass is then the exact gradient.
@Suite struct NetworkGradientTests {
    /// affine → physical → wiring → affine → physical → class bins (averaged groups) → affine readout.
    static func network(_ kind: ModelKind, shape: ModelShape) throws -> (Network, [[Double]]) {
        let model = try ModelCatalog.make(kind, shape: shape)
        let twin = PhysicsTwin(model: model)
        let range = kind == .shg ? DriveLimits(minimum: 0, maximum: 1) : DriveLimits(minimum: -1, maximum: 1)
        let device = TwinBackend(twin: twin, limits: range)
        let net = try Network([
            ElementwiseAffine(name: "a1", width: shape.inputs, initialScale: 0.8, initialOffset: 0.1),
            PhysicalLayer(name: "p1", backend: device, twin: twin, penaltyWeight: 0),
            FeatureMap(name: "w1", inputs: shape.outputs, source: (0 ..< shape.inputs).map { $0 % shape.outputs }),
            ElementwiseAffine(name: "a2", width: shape.inputs, initialScale: 0.5, initialOffset: 0.2),
            PhysicalLayer(name: "p2", backend: device, twin: twin, penaltyWeight: 0),
            FeatureMap(name: "bins", inputs: shape.outputs,
                       averaging: [[0], [shape.outputs / 2, 1], [shape.outputs - 1, 2, 1]]),
            ElementwiseAffine(name: "readout", width: 3, initialScale: 2, initialOffset: 0),
        ])
        var p = net.initialParameters(seed: 7)
        // Non-uniform affine parameters, so every entry's gradient differs.
        var rng = SeededGenerator(seed: 9)
        for l in [0, 3, 6] { for i in p[l].indices { p[l][i] += 0.05 * rng.nextGaussian() } }
        return (net, p)
    }

    func check(_ kind: ModelKind, shape: ModelShape) async throws {
        let (net, p) = try Self.network(kind, shape: shape)
        var rng = SeededGenerator(seed: 3)
        let batch = 5
        let x = Tensor(uncheckedRows: (0 ..< batch * shape.inputs).map { _ in rng.nextUniform(in: 0.2 ... 0.8) },
                       columns: shape.inputs)
        let labels = [0, 1, 2, 1, 0]
        let tape = try await net.forward(x, parameters: p)
        let (_, g) = try Loss.crossEntropy.evaluate(tape.output, labels: labels)
        let gradients = try net.backward(tape, parameters: p, outputGradient: g).gradients
        var worst = 0.0
        for l in p.indices where !p[l].isEmpty {
            for i in Set([0, p[l].count / 3, p[l].count / 2, p[l].count - 1]) {
                let h = 1e-6 * max(1, abs(p[l][i]))
                var plus = p, minus = p
                plus[l][i] += h
                minus[l][i] -= h
                let up = try Loss.crossEntropy.evaluate(try await net.forward(x, parameters: plus).output, labels: labels).value
                let down = try Loss.crossEntropy.evaluate(try await net.forward(x, parameters: minus).output, labels: labels).value
                let numeric = (up - down) / (2 * h)
                let error = abs(numeric - gradients[l][i]) / max(abs(numeric), abs(gradients[l][i]), 1e-6)
                worst = max(worst, error)
            }
        }
        #expect(worst < 1e-4, "\(kind): worst relative gradient error \(worst)")
    }

    @Test func shgNetworkMatchesFiniteDifferences() async throws {
        try await check(.shg, shape: ModelShape(inputs: 8, parameters: 4, outputs: 6))
    }

    @Test func mechanicalNetworkMatchesFiniteDifferences() async throws {
        try await check(.mechanical, shape: ModelShape(inputs: 8, parameters: 6, outputs: 8))
    }

    @Test func electronicNetworkMatchesFiniteDifferences() async throws {
        try await check(.electronic, shape: ModelShape(inputs: 8, parameters: 6, outputs: 8))
    }

    /// A wrong layer gradient must make the check fail (the test can fail).
    @Test func detectsAWrongGradient() async throws {
        let shape = ModelShape(inputs: 8, parameters: 4, outputs: 6)
        let (net, p) = try Self.network(.shg, shape: shape)
        let x = Tensor(uncheckedRows: [Double](repeating: 0.5, count: 3 * shape.inputs), columns: shape.inputs)
        let labels = [0, 1, 2]
        let tape = try await net.forward(x, parameters: p)
        let (_, g) = try Loss.crossEntropy.evaluate(tape.output, labels: labels)
        var gradients = try net.backward(tape, parameters: p, outputGradient: g).gradients
        gradients[1][0] *= 1.01
        var plus = p, minus = p
        let h = 1e-6
        plus[1][0] += h
        minus[1][0] -= h
        let up = try Loss.crossEntropy.evaluate(try await net.forward(x, parameters: plus).output, labels: labels).value
        let down = try Loss.crossEntropy.evaluate(try await net.forward(x, parameters: minus).output, labels: labels).value
        let numeric = (up - down) / (2 * h)
        #expect(abs(numeric - gradients[1][0]) / abs(numeric) > 1e-3)
    }
}
