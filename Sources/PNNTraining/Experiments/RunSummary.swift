/// What `pnn train --json` prints and docs/results.md tabulates: one run's held-out figures with the
/// seed, epochs, wall time and device calls beside them.
public struct RunSummary: Codable, Sendable, Equatable {
    public var experiment: String
    public var mode: TrainingMode
    public var device: String
    public var gap: String
    public var seed: UInt64
    public var epochs: Int
    public var trainSamples: Int
    public var testSamples: Int
    public var trainAccuracy: Double
    public var testAccuracy: Double
    public var testLoss: Double
    /// The same network with every physical layer replaced by the identity, trained the same way.
    public var baselineTestAccuracy: Double?
    /// In-silico runs: test accuracy on the twin itself (what the twin promised).
    public var twinTestAccuracy: Double?
    public var wallSeconds: Double
    public var deviceCalls: Int
    public var outputDirectory: String?
    /// Set when training was stopped early (Ctrl-C): the epoch it stopped in. The figures are then
    /// those of the parameters at that point, and the baseline was trained for as many epochs.
    public var stoppedInEpoch: Int?
    /// Set for a run resumed from a checkpoint (`--resume`): the epochs it had completed. Wall time
    /// and device calls are this part's.
    public var resumedFromEpoch: Int?
    /// Set when the connection to pnnd was lost and made again during the run (a restarted pnnd):
    /// how often. The run then measured on more than one daemon instance.
    public var reconnections: Int?
}
