/// Hyper-parameters of one training run; stored in checkpoints and reports so a run can be repeated.
public struct TrainingSettings: Sendable, Codable, Equatable {
    public var epochs: Int
    public var batchSize: Int
    public var learningRate: Double
    public var optimizer: OptimizerKind
    public var schedule: LearningRateSchedule
    public var loss: Loss
    /// Seed of the parameter initialisation, the shuffling and the input noise.
    public var seed: UInt64
    /// Standard deviation of Gaussian noise added to the network's input features while training
    /// (augmentation that also makes the trained network tolerate the device's own noise).
    public var inputNoise: Double
    /// Batch size of evaluation passes (only throughput; no effect on results).
    public var evaluationBatchSize: Int
    /// Slices each batch is cut into on its way through the physical layers, interleaved so the device
    /// measures one while the others travel (`Network.forward(_:parameters:microBatches:)`). 1 = whole
    /// batches. More slices hide pnnd's round trip; they also mean more, smaller device calls, so a
    /// noisy, drifting device's readings fall differently (results are reproducible per setting).
    public var microBatches: Int
    /// The slice counts `validate` accepts.
    public static let microBatchLimits = 1 ... 64

    public init(epochs: Int, batchSize: Int, learningRate: Double, optimizer: OptimizerKind = .adam(),
                schedule: LearningRateSchedule = .constant, loss: Loss = .crossEntropy, seed: UInt64 = 1,
                inputNoise: Double = 0, evaluationBatchSize: Int = 512, microBatches: Int = 1) {
        self.epochs = epochs
        self.batchSize = batchSize
        self.learningRate = learningRate
        self.optimizer = optimizer
        self.schedule = schedule
        self.loss = loss
        self.seed = seed
        self.inputNoise = inputNoise
        self.evaluationBatchSize = evaluationBatchSize
        self.microBatches = microBatches
    }

    public func validate() throws(TrainingError) {
        guard epochs >= 0, batchSize >= 1, evaluationBatchSize >= 1 else {
            throw TrainingError(.invalidArgument, "epochs must be ≥ 0 and batch sizes ≥ 1")
        }
        guard Self.microBatchLimits.contains(microBatches) else {
            throw TrainingError(.invalidArgument,
                                "micro-batches must be \(Self.microBatchLimits.lowerBound)…\(Self.microBatchLimits.upperBound), got \(microBatches)")
        }
        guard learningRate > 0, learningRate.isFinite, inputNoise >= 0, inputNoise.isFinite else {
            throw TrainingError(.invalidArgument, "learning rate must be positive and input noise ≥ 0")
        }
    }
}

extension TrainingSettings {
    private enum CodingKeys: String, CodingKey {
        case epochs, batchSize, learningRate, optimizer, schedule, loss, seed, inputNoise, evaluationBatchSize, microBatches
    }

    /// Checkpoints written before `microBatches` existed trained whole batches.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(epochs: try c.decode(Int.self, forKey: .epochs), batchSize: try c.decode(Int.self, forKey: .batchSize),
                  learningRate: try c.decode(Double.self, forKey: .learningRate),
                  optimizer: try c.decode(OptimizerKind.self, forKey: .optimizer),
                  schedule: try c.decode(LearningRateSchedule.self, forKey: .schedule),
                  loss: try c.decode(Loss.self, forKey: .loss), seed: try c.decode(UInt64.self, forKey: .seed),
                  inputNoise: try c.decode(Double.self, forKey: .inputNoise),
                  evaluationBatchSize: try c.decode(Int.self, forKey: .evaluationBatchSize),
                  microBatches: try c.decodeIfPresent(Int.self, forKey: .microBatches) ?? 1)
    }
}
