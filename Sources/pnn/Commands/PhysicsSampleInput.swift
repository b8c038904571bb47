import ArgumentParser
import PNNCore
import PNNPhysics

/// `pnn physics sample-input`: a seeded random input batch (and parameters) for `simulate`.
struct PhysicsSampleInput: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sample-input",
        abstract: "Write a seeded random input batch X [B×N] in [0, 1] and, if asked, parameters θ [P] in [−1, 1].",
        discussion: "N and P default to the model's MNIST layer sizes (see `pnn physics models`).")

    @Argument(help: "Physical model.")
    var model: ModelKind

    @Option(help: ArgumentHelp("Batch size B.", valueName: "B"))
    var batch: Int

    @Option(help: ArgumentHelp("Inputs per sample N (default: the model's MNIST N).", valueName: "N"))
    var inputs: Int?

    @Option(help: ArgumentHelp("Parameter count P (default: the model's MNIST P); needs --params-output.", valueName: "P"))
    var params: Int?

    @Option(help: ArgumentHelp("Where to write X [B×N].", valueName: "X.npy"))
    var output: String

    @Option(name: .customLong("params-output"), help: ArgumentHelp("Where to write θ [P].", valueName: "P.npy"))
    var paramsOutput: String?

    @Option(help: "Seed; the same seed gives the same files.")
    var seed: UInt64 = 1

    @Option(help: "Element type of the written files.")
    var dtype: ScalarType = .f32

    @OptionGroup var format: OutputOptions

    func validate() throws {
        guard batch >= 1 else { throw ValidationError("--batch must be at least 1, got \(batch)") }
        if let inputs, inputs < 1 { throw ValidationError("--inputs must be at least 1, got \(inputs)") }
        if let params, params < 0 { throw ValidationError("--params must be at least 0, got \(params)") }
        if params != nil, paramsOutput == nil {
            throw ValidationError("--params sets the size of θ, which is only written with --params-output")
        }
    }

    struct FileReport: Encodable {
        var path: String
        var shape: [Int]
    }

    struct Report: Encodable {
        var model: String
        var seed: UInt64
        var dtype: String
        var input: FileReport
        var params: FileReport?
    }

    func run() throws {
        let mnist = ModelCatalog.mnistShape(model)
        let n = inputs ?? mnist.inputs
        let p = params ?? mnist.parameters

        // Separate streams so θ does not depend on the batch size.
        var rng = SeededGenerator(seed: seed)
        var xStream = rng.split()
        var thetaStream = rng.split()

        let x = try Tensor<Double>(shape: [batch, n], scalars: (0 ..< batch * n).map { _ in xStream.nextUniform() })
        try NPYFile.write(x, as: dtype, to: output)
        var report = Report(model: model.rawValue, seed: seed, dtype: dtype.numpyName,
                            input: FileReport(path: output, shape: x.shape))
        if let paramsOutput {
            let theta = Tensor<Double>((0 ..< p).map { _ in thetaStream.nextUniform(in: -1 ... 1) })
            try NPYFile.write(theta, as: dtype, to: paramsOutput)
            report.params = FileReport(path: paramsOutput, shape: theta.shape)
        }

        if format.json {
            try JSONOutput.print(report)
        } else {
            print("wrote X \(x.shapeText) \(dtype.numpyName) to \(output)")
            if let params = report.params {
                print("wrote θ [\(params.shape[0])] \(dtype.numpyName) to \(params.path)")
            }
        }
    }
}
