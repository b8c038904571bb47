import ArgumentParser
import PNNCore
import PNNPhysics

/// `pnn physics gradcheck`: every model's VJP against central finite differences in Float64.
struct PhysicsGradcheck: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gradcheck",
        abstract: "Check each model's VJP (w.r.t. x and θ) against central finite differences.",
        discussion: """
            Each model is checked with its unmodelled term switched on, so every term of the forward \
            pass is differentiated. The error reported is max|vjp − fd| / max|fd| for x̄ and θ̄ \
            separately, at a random point (x ∈ [0,1], θ ∈ [−1,1], ȳ ~ N(0,1)). Exits with status 70 \
            when an error exceeds --tolerance.
            """)

    @Option(help: "Seed of the random point.")
    var seed: UInt64 = 7

    @Option(help: "Samples in the batch.")
    var batch: Int = 2

    @Option(help: "Largest acceptable relative error.")
    var tolerance: Double = 1e-6

    @OptionGroup var format: OutputOptions

    func validate() throws {
        guard batch >= 1 else { throw ValidationError("--batch must be at least 1, got \(batch)") }
        guard tolerance > 0 else { throw ValidationError("--tolerance must be positive") }
    }

    /// Small sizes: finite differences cost 4 forward passes per coordinate.
    static func cases() throws(ModelError) -> [(name: String, model: any PhysicalModel)] {
        var rng = SeededGenerator(seed: 1)
        let unmodelledOn = RealityGap(unmodelled: 1)
        var cases: [(String, any PhysicalModel)] = []
        for kind in ModelKind.allCases {
            let shape = kind == .shg
                ? ModelShape(inputs: 12, parameters: 6, outputs: 8)
                : ModelShape(inputs: 32, parameters: 16, outputs: 16)
            let model = try ModelCatalog.make(kind, shape: shape)
            cases.append((kind.rawValue, model.perturbed(by: unmodelledOn, using: &rng)))
        }
        var shg = SHGModel.Configuration(shape: ModelShape(inputs: 12, parameters: 6, outputs: 8))
        shg.trainablePhases = true
        cases.append(("shg+phases", try SHGModel(shg).perturbed(by: unmodelledOn, using: &rng)))
        return cases
    }

    struct Report: Encodable {
        var tolerance: Double
        var passed: Bool
        var models: [GradientCheck.Result]
    }

    func run() throws {
        let check = GradientCheck(batch: batch, seed: seed)
        var results: [GradientCheck.Result] = []
        for (name, model) in try Self.cases() {
            results.append(try check.run(model, name: name))
        }
        let passed = results.allSatisfy { $0.maxRelativeError <= tolerance }
        if format.json {
            try JSONOutput.print(Report(tolerance: tolerance, passed: passed, models: results))
        } else {
            print("model        shape              x̄ rel. error  θ̄ rel. error")
            for r in results {
                let name = r.model.padding(toLength: 12, withPad: " ", startingAt: 0)
                let shape = "\(r.shape)".padding(toLength: 18, withPad: " ", startingAt: 0)
                print("\(name) \(shape) \(sci(r.inputRelativeError))      \(sci(r.parameterRelativeError))")
            }
            print(passed ? "all within \(sci(tolerance))" : "FAILED: some errors exceed \(sci(tolerance))")
        }
        if !passed {
            throw CLIError.software("VJP disagrees with finite differences beyond \(tolerance)")
        }
    }
}

/// `1.23e-09`-style formatting for small figures.
func sci(_ value: Double) -> String {
    guard value.isFinite, value != 0 else { return "\(value)" }
    return String(format: "%.2e", value)
}
