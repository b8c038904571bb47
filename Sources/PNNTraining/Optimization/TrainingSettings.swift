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

    public init(epochs: Int, batchSize: Int, learningRate: Double, optimizer: OptimizerKind = .adam(),
                schedule: LearningRateSchedule = .constant, loss: Loss = .crossEntropy, seed: UInt64 = 1,
                inputNoise: Double = 0, evaluationBatchSize: Int = 512) {
        self.epochs = epochs
        self.batchSize = batchSize
        self.learningRate = learningRate
        self.optimizer = optimizer
        self.schedule = schedule
        self.loss = loss
        self.seed = seed
        self.inputNoise = inputNoise
        self.evaluationBatchSize = evaluationBatchSize
    }

    public func validate() throws(TrainingError) {
        guard epochs >= 0, batchSize >= 1, evaluationBatchSize >= 1 else {
            throw TrainingError(.invalidArgument, "epochs must be ≥ 0 and batch sizes ≥ 1")
        }
        guard learningRate > 0, learningRate.isFinite, inputNoise >= 0, inputNoise.isFinite else {
            throw TrainingError(.invalidArgument, "learning rate must be positive and input noise ≥ 0")
        }
    }
}
