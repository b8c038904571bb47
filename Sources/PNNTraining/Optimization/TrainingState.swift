import PNNCore

/// Where training stood at the end of an epoch: everything `Trainer.train` needs to go on exactly as
/// if it had not stopped — the parameters, the optimiser's moments, the random stream (shuffling and
/// input noise) and the step sizes fixed at the start. Stored in the checkpoint, so a run stopped by
/// Ctrl-C or a lost pnnd can be resumed (`pnn train --resume`).
///
/// The device is not part of it: a resumed run measures on the device as it is now.
public struct TrainingState: Codable, Sendable, Equatable {
    /// Epochs completed (all their batches).
    public var epochsDone: Int
    public var parameters: [[Double]]
    public var optimizer: Optimizer.State
    /// `SeededGenerator.words` of the trainer's stream.
    public var generator: [UInt64]
    /// Per layer, the step-size scales computed from the starting parameters.
    public var scales: [[Double]?]
    /// The records of the completed epochs.
    public var history: [EpochRecord]
    /// Training samples the run used (a resumed run must use the same ones).
    public var trainSamples: Int
}
