import ArgumentParser
import Foundation
import PNNCore
import PNNPhysics

/// `pnn-bench physics`: samples/s of every model's forward and VJP at the MNIST experiments' sizes.
struct PhysicsBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "physics",
        abstract: "Forward and VJP throughput of the physical models vs a scalar reference implementation.",
        discussion: """
            Sizes are those of the MNIST experiments (ModelCatalog.mnistShape). The optimised kernels \
            run batched on all cores and, for scale, on one thread; the reference is the straightforward \
            single-threaded implementation of the same model (PNNPhysics/Reference), timed in the same run.
            """)

    @Option(help: "Samples per batch.")
    var batch: Int = 256

    @Option(help: "Minimum seconds spent timing each figure.")
    var seconds: Double = 0.5

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    func validate() throws {
        guard batch >= 1 else { throw ValidationError("--batch must be at least 1") }
        guard seconds > 0 else { throw ValidationError("--seconds must be positive") }
    }

    struct Row: Encodable {
        var model: String
        var shape: ModelShape
        var batch: Int
        var cores: Int
        var forwardSamplesPerSecond: Double
        var forwardOneThreadSamplesPerSecond: Double
        var vjpSamplesPerSecond: Double
        var referenceSamplesPerSecond: Double
        /// Optimised (all cores) over reference.
        var speedupOverReference: Double
        /// VJP time over forward time (target ≤ 3).
        var vjpOverForward: Double
        /// Largest relative difference between optimised and reference outputs.
        var referenceAgreement: Double
        var targetSamplesPerSecond: Double
        var meetsTargets: Bool
    }

    func run() throws {
        var rows: [Row] = []
        for kind in ModelKind.allCases {
            rows.append(try measure(kind))
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(rows), as: UTF8.self))
            return
        }
        #if DEBUG
        print("warning: debug build; run `swift run -c release pnn-bench physics` for meaningful figures")
        #endif
        print("batch \(batch), \(ProcessInfo.processInfo.activeProcessorCount) cores; samples/s (best of ≥5 runs, ≥\(seconds) s each)")
        print("model        shape               forward   1-thread        vjp  reference  speedup  vjp/fwd  target  ok")
        for r in rows {
            print([
                r.model.padding(toLength: 12, withPad: " ", startingAt: 0),
                "\(r.shape)".padding(toLength: 18, withPad: " ", startingAt: 0),
                pad(r.forwardSamplesPerSecond, 9), pad(r.forwardOneThreadSamplesPerSecond, 10),
                pad(r.vjpSamplesPerSecond, 10), pad(r.referenceSamplesPerSecond, 10),
                String(format: "%7.1f×", r.speedupOverReference), String(format: "%7.2f", r.vjpOverForward),
                pad(r.targetSamplesPerSecond, 7), r.meetsTargets ? " yes" : "  NO",
            ].joined(separator: " "))
        }
    }

    private func pad(_ value: Double, _ width: Int) -> String {
        String(format: "%\(width).0f", value)
    }

    private func measure(_ kind: ModelKind) throws -> Row {
        let shape = ModelCatalog.mnistShape(kind)
        let model = try ModelCatalog.make(kind, shape: shape)
        var rng = SeededGenerator(seed: 1)
        let x = Tensor<Double>(uncheckedRows: (0 ..< batch * shape.inputs).map { _ in rng.nextUniform() },
                               columns: shape.inputs)
        let theta = Tensor((0 ..< shape.parameters).map { _ in rng.nextUniform() })
        let yBar = Tensor<Double>(uncheckedRows: (0 ..< batch * shape.outputs).map { _ in rng.nextGaussian() },
                                  columns: shape.outputs)

        var y = try model.forward(x, theta)
        let forward = try Stopwatch.bestSeconds(minimumSeconds: seconds) { y = try model.forward(x, theta) }
        let vjp = try Stopwatch.bestSeconds(minimumSeconds: seconds) { _ = try model.vjp(x, theta, outputGradient: yBar) }
        // One thread: the same kernel on the whole batch as a single chunk.
        var scratch = [Double](repeating: 0, count: batch * shape.outputs)
        let oneThread = Stopwatch.bestSeconds(minimumSeconds: seconds) {
            x.scalars.withUnsafeBufferPointer { xs in
                theta.scalars.withUnsafeBufferPointer { th in
                    scratch.withUnsafeMutableBufferPointer { ys in
                        model.forward(x: xs, theta: th, y: ys, count: batch)
                    }
                }
            }
        }
        // The reference is slow: time a slice of the batch and scale per sample.
        let referenceSamples = min(batch, 32)
        var agreement = 0.0
        let reference = try Stopwatch.bestSeconds(repetitions: 3, minimumSeconds: seconds) {
            for b in 0 ..< referenceSamples {
                let out = try Self.reference(model, x: x.row(b), theta: theta.scalars)
                for (r, o) in zip(out, y.row(b)) {
                    agreement = max(agreement, abs(r - o) / max(abs(r), 1e-9))
                }
            }
        }
        let forwardRate = Double(batch) / forward
        let referenceRate = Double(referenceSamples) / reference
        let target: Double = kind == .shg ? 50_000 : 10_000
        return Row(
            model: kind.rawValue, shape: shape, batch: batch, cores: ProcessInfo.processInfo.activeProcessorCount,
            forwardSamplesPerSecond: forwardRate, forwardOneThreadSamplesPerSecond: Double(batch) / oneThread,
            vjpSamplesPerSecond: Double(batch) / vjp, referenceSamplesPerSecond: referenceRate,
            speedupOverReference: forwardRate / referenceRate, vjpOverForward: vjp / forward,
            referenceAgreement: agreement, targetSamplesPerSecond: target,
            meetsTargets: forwardRate >= target && vjp / forward <= 3)
    }

    /// The reference implementation matching `model`'s concrete type.
    static func reference(_ model: any PhysicalModel, x: [Double], theta: [Double]) throws -> [Double] {
        switch model {
        case let m as MechanicalModel: try MechanicalReference.forward(configuration: m.configuration, x: x, theta: theta)
        case let m as ElectronicModel: try ElectronicReference.forward(configuration: m.configuration, x: x, theta: theta)
        case let m as SHGModel: SHGReference.forward(configuration: m.configuration, x: x, theta: theta)
        default: throw ValidationError("no reference implementation for \(model.kind)")
        }
    }
}
