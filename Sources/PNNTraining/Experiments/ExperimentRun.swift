import PNNCore
import PNNData
import PNNPhysics
import Synchronization

/// One training run of an experiment in one mode, end to end: build the networks, calibrate the
/// start, train, evaluate on the device, train the digital-only baseline, and summarise.
public struct ExperimentRun: Sendable {
    public let experiment: Experiment
    public let mode: TrainingMode
    public let settings: TrainingSettings
    /// The device (through pnnd, or in process). For `ideal` it must be the gap-free device.
    public let device: any PhysicalBackend
    /// The twin for backward passes (and in-silico forward passes).
    public let twin: any Twin
    /// Also train the digital-only baseline (cheap: no device calls).
    public let trainBaseline: Bool

    public init(experiment: Experiment, mode: TrainingMode, settings: TrainingSettings, device: any PhysicalBackend,
                twin: any Twin, trainBaseline: Bool = true) throws(TrainingError) {
        guard device.shape == experiment.deviceShape else {
            throw TrainingError(.shapeMismatch,
                                "\(experiment.name) needs a \(experiment.model.rawValue) device of shape \(experiment.deviceShape); \(device.label) has \(device.shape)")
        }
        guard mode != .baseline else {
            throw TrainingError(.invalidArgument, "the baseline is trained alongside every run; choose pat, insilico or ideal")
        }
        self.experiment = experiment
        self.mode = mode
        self.settings = settings
        self.device = device
        self.twin = twin
        self.trainBaseline = trainBaseline
    }

    public struct Result: Sendable {
        public var summary: RunSummary
        public var history: [EpochRecord]
        public var baselineHistory: [EpochRecord]
        public var parameters: [[Double]]
        public var deviceNetwork: Network
        public var test: Evaluation
        /// At the end of the last complete epoch, for `--resume` (nil when none completed).
        public var trainingState: TrainingState?
    }

    /// Training that failed part-way (pnnd gone for good, the device faulted): what it had reached.
    public struct Partial: Sendable {
        /// The parameters after the last optimiser step that completed.
        public var parameters: [[Double]]
        public var layerNames: [String]
        /// At the end of the last complete epoch, for `--resume` (nil when none completed).
        public var trainingState: TrainingState?
        /// The epochs it completed (an epoch cut short by the failure leaves no record).
        public var history: [EpochRecord] { trainingState?.history ?? [] }
    }

    /// `shouldStop` ends the training early (see `Trainer.train`); the run is then evaluated and
    /// summarised as it stands, and its baseline trained for the same number of epochs. When training
    /// fails part-way, `keepPartial` gets what it had reached before the error is thrown, so hours of
    /// training are not lost with the device.
    ///
    /// `resumingFrom` continues a stopped run from its last complete epoch (see `TrainingState`)
    /// instead of initialising and calibrating the parameters; the baseline is trained in full.
    public func run(train: Dataset, test: Dataset, gapName: String,
                    progress: @Sendable (TrainingProgress) -> Void = { _ in },
                    shouldStop: @Sendable () -> Bool = { false },
                    resumingFrom resumed: TrainingState? = nil,
                    keepPartial: (Partial) -> Void = { _ in }) async throws(TrainingError) -> Result {
        let clock = ContinuousClock()
        let start = clock.now
        let deviceNetwork = try experiment.network(backend: device, twin: twin)
        let trainingNetwork: Network
        switch mode {
        case .pat, .ideal, .baseline:
            trainingNetwork = deviceNetwork
        case .insilico:
            trainingNetwork = try experiment.network(backend: TwinBackend(twin: twin, limits: device.limits), twin: twin)
        }
        let trainer = try Trainer(settings: settings)
        var parameters: [[Double]]
        if let resumed {
            parameters = resumed.parameters
        } else {
            parameters = trainingNetwork.initialParameters(seed: settings.seed)
            try await trainingNetwork.calibrate(&parameters, sample: calibrationSample(train))
        }
        let device = self.device
        // Set only when the trainer asked and was told to stop, i.e. training did end early (a signal
        // during the evaluation or the baseline afterwards stops nothing).
        let stopped = Mutex(false)
        var lastState: TrainingState? = resumed
        let newEpochs: [EpochRecord]
        do {
            newEpochs = try await trainer.train(
                trainingNetwork, parameters: &parameters, on: train, test: test, evaluation: deviceNetwork,
                deviceCalls: { device.calls }, progress: progress,
                shouldStop: {
                    let stop = shouldStop()
                    if stop { stopped.withLock { $0 = true } }
                    return stop
                },
                resumingFrom: resumed, epochEnded: { lastState = $0 })
        } catch {
            keepPartial(Partial(parameters: parameters, layerNames: trainingNetwork.layers.map(\.name),
                                trainingState: lastState))
            throw error
        }
        let history = (resumed?.history ?? []) + newEpochs
        let stoppedInEpoch = stopped.withLock { $0 } ? history.count : nil
        let evaluation = try await trainer.evaluate(deviceNetwork, parameters: parameters, on: test)
        let trainEvaluation = history.last.map { $0.trainAccuracy } ?? 0
        var twinAccuracy: Double?
        if mode == .insilico {
            twinAccuracy = try await trainer.evaluate(trainingNetwork, parameters: parameters, on: test).accuracy
        }
        let elapsed = clock.now - start
        var baselineHistory: [EpochRecord] = []
        var baselineAccuracy: Double?
        if trainBaseline {
            let baseline = try experiment.baselineNetwork()
            var p = baseline.initialParameters(seed: settings.seed)
            try await baseline.calibrate(&p, sample: calibrationSample(train))
            var baselineSettings = settings
            if let stoppedInEpoch { baselineSettings.epochs = max(1, stoppedInEpoch) }
            let baselineTrainer = try Trainer(settings: baselineSettings)
            baselineHistory = try await baselineTrainer.train(baseline, parameters: &p, on: train, test: test,
                                                              evaluation: baseline)
            baselineAccuracy = try await baselineTrainer.evaluate(baseline, parameters: p, on: test).accuracy
        }
        let summary = RunSummary(
            experiment: experiment.name, mode: mode, device: device.label, gap: gapName, seed: settings.seed,
            epochs: settings.epochs, trainSamples: train.count, testSamples: test.count,
            trainAccuracy: trainEvaluation, testAccuracy: evaluation.accuracy, testLoss: evaluation.loss,
            baselineTestAccuracy: baselineAccuracy, twinTestAccuracy: twinAccuracy,
            wallSeconds: elapsed.seconds,
            deviceCalls: device.calls, outputDirectory: nil, stoppedInEpoch: stoppedInEpoch,
            resumedFromEpoch: resumed?.epochsDone,
            reconnections: (device as? DaemonBackend).map(\.reconnections).flatMap { $0 > 0 ? $0 : nil })
        return Result(summary: summary, history: history, baselineHistory: baselineHistory, parameters: parameters,
                      deviceNetwork: deviceNetwork, test: evaluation, trainingState: lastState)
    }

    /// The first (up to) 512 training samples: enough to set the affine layers' ranges.
    func calibrationSample(_ train: Dataset) -> Tensor<Double> {
        train.subset(first: 512).features
    }
}
