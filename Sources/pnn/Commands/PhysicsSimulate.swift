import ArgumentParser
import PNNCore
import PNNPhysics

/// `pnn physics simulate`: one measurement of a simulated physical system, X.npy (+ θ.npy) → Y.npy.
struct PhysicsSimulate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Measure a batch on a simulated physical system: X [B×N] (+ θ [P]) → Y [B×M].",
        discussion: """
            N is taken from the input, P from the parameter file (0 without one), M from --outputs \
            (default: N for mechanical and electronic, N+P−1 for shg). Y is written in X's dtype; \
            the computation runs in float64.
            """)

    @Argument(help: "Physical model.")
    var model: ModelKind

    @Option(help: ArgumentHelp("Input batch X: .npy, float32 or float64, shape [B×N] ([N] = one sample).", valueName: "X.npy"))
    var input: String

    @Option(help: ArgumentHelp("Parameters θ: .npy of shape [P]. Without it P = 0.", valueName: "P.npy"))
    var params: String?

    @Option(help: ArgumentHelp("Where to write Y [B×M] (.npy, same dtype as X).", valueName: "Y.npy"))
    var output: String

    @Option(help: "Reality gap between model and simulated system: none (exact model) or default.")
    var gap: GapChoice = .default

    @Option(help: "Seed of the hidden parameter offsets and the measurement noise.")
    var seed: UInt64 = 1

    @Option(help: ArgumentHelp("Detector outputs M (default: N for mechanical/electronic, N+P−1 for shg).", valueName: "M"))
    var outputs: Int?

    @OptionGroup var format: OutputOptions

    func validate() throws {
        if let outputs, outputs < 1 {
            throw ValidationError("--outputs must be at least 1, got \(outputs)")
        }
    }

    /// Default M for `model` at N inputs and P parameters.
    static func defaultOutputs(_ model: ModelKind, inputs: Int, parameters: Int) -> Int {
        switch model {
        case .mechanical, .electronic: inputs
        case .shg: max(1, (2 * (inputs + parameters) - 1) / 2)
        }
    }

    struct Report: Encodable {
        var model: String
        var shape: ModelShape
        var gap: String
        var seed: UInt64
        var outputShape: [Int]
        var dtype: String
        var output: String
    }

    func run() throws {
        let (x, scalarType) = try readInput()
        let theta = try readParameters()
        let shape = ModelShape(
            inputs: x.shape[1], parameters: theta.count,
            outputs: outputs ?? Self.defaultOutputs(model, inputs: x.shape[1], parameters: theta.count))

        var simulator: Simulator
        do {
            simulator = try Simulator(model: try ModelCatalog.make(model, shape: shape), gap: gap.gap, seed: seed)
        } catch {
            let failure = CLIError(error)
            throw CLIError(failure.status, "cannot set up \(model.rawValue) with \(shape): \(failure.message)")
        }
        let y: Tensor<Double>
        do {
            y = try simulator.measure(x, theta)
        } catch {
            throw CLIError(error)
        }
        try NPYFile.write(y, as: scalarType, to: output)

        if format.json {
            try JSONOutput.print(Report(
                model: model.rawValue, shape: shape, gap: gap.rawValue, seed: seed,
                outputShape: y.shape, dtype: scalarType.numpyName, output: output))
        } else {
            print("\(model.rawValue) \(shape), gap \(gap.rawValue), seed \(seed): wrote Y \(y.shapeText) \(scalarType.numpyName) to \(output)")
        }
    }

    /// X as [B×N] (a rank-1 file is one sample), non-empty and finite.
    private func readInput() throws(CLIError) -> (Tensor<Double>, ScalarType) {
        let file = try NPYFile.read(input)
        var x = file.tensor
        switch x.rank {
        case 1: x = Tensor(uncheckedReshape: x, to: [1, x.count])
        case 2: break
        default: throw .dataError("'\(input)': input must have shape [B×N] (or [N] for one sample), got \(x.shapeText)")
        }
        guard x.count > 0 else { throw .dataError("'\(input)': input is empty (shape \(x.shapeText))") }
        if let i = x.firstNonFiniteIndex {
            let n = x.shape[1]
            throw .dataError("'\(input)': element \(i) (sample \(i / n), feature \(i % n)) is \(x.scalars[i]); inputs must be finite")
        }
        return (x, file.scalarType)
    }

    /// θ [P] from `--params`, or an empty vector.
    private func readParameters() throws(CLIError) -> Tensor<Double> {
        guard let params else { return Tensor<Double>([]) }
        let theta = try NPYFile.read(params).tensor
        guard theta.rank == 1 else {
            throw .dataError("'\(params)': parameters must have shape [P], got \(theta.shapeText)")
        }
        if let i = theta.firstNonFiniteIndex {
            throw .dataError("'\(params)': parameter \(i) is \(theta.scalars[i]); parameters must be finite")
        }
        return theta
    }
}

extension Tensor {
    /// Same scalars under a shape known to hold them.
    fileprivate init(uncheckedReshape tensor: Tensor, to shape: [Int]) {
        // Cannot fail: callers pass a shape with the same element count.
        self = (try? tensor.reshaped(shape)) ?? tensor
    }
}
