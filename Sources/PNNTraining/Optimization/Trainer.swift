#if canImport(Glibc)
import Glibc
#endif
import PNNCore
import PNNData

/// What a training run reports as it goes (drives the CLI's progress bar and metrics.csv).
public enum TrainingProgress: Sendable {
    /// After each mini-batch: running means over the epoch so far.
    case batch(epoch: Int, batch: Int, of: Int, loss: Double, accuracy: Double)
    /// After each epoch, with the held-out evaluation.
    case epoch(EpochRecord)
}

/// One epoch's figures. Train loss/accuracy are on the outputs the training forward actually
/// produced (measured ones in PAT); test figures come from the evaluation network (the device).
public struct EpochRecord: Sendable, Codable, Equatable {
    public var epoch: Int
    public var learningRate: Double
    public var trainLoss: Double
    public var trainAccuracy: Double
    public var testLoss: Double?
    public var testAccuracy: Double?
    /// Seconds since training started, at the end of this epoch.
    public var elapsedSeconds: Double
    /// Device measurements so far (training + evaluation).
    public var deviceCalls: Int
}

/// Held-out figures of one network on one dataset.
public struct Evaluation: Sendable, Codable, Equatable {
    public var loss: Double
    public var accuracy: Double
    /// confusion[true][predicted] counts.
    public var confusion: [[Int]]
}

/// Mini-batch training of a `Network`: forward on the training network (device in PAT, twin in
/// silico), loss on its outputs, backward through each layer's VJP (twins for physical layers),
/// optimiser step, projection into parameter ranges.
public struct Trainer: Sendable {
    public let settings: TrainingSettings

    public init(settings: TrainingSettings) throws(TrainingError) {
        try settings.validate()
        self.settings = settings
    }

    /// Trains `parameters` in place. `evaluation` is the network the test set is measured on (the
    /// device) — it shares the training network's structure and parameters.
    ///
    /// `shouldStop` is asked after every batch; once it says yes, training ends there (a person pressed
    /// Ctrl-C). The epoch it ended in is then the last record, with its train figures over the batches
    /// it got and no test figures.
    ///
    /// `epochEnded` gets the `TrainingState` after every epoch whose batches all ran; `resumingFrom`
    /// continues from one (its parameters replace `parameters`), so that training stopped and resumed
    /// ends exactly where training straight through would (on a device that reads the same). The
    /// records returned are the new epochs'.
    public func train(
        _ network: Network, parameters: inout [[Double]], on train: Dataset, test: Dataset?,
        evaluation: Network, deviceCalls: @Sendable () -> Int = { 0 },
        progress: @Sendable (TrainingProgress) -> Void = { _ in },
        shouldStop: @Sendable () -> Bool = { false },
        resumingFrom resumed: TrainingState? = nil,
        epochEnded: (TrainingState) -> Void = { _ in }
    ) async throws(TrainingError) -> [EpochRecord] {
        guard train.featureCount == network.inputCount else {
            throw TrainingError(.shapeMismatch, "data has \(train.featureCount) features, network takes \(network.inputCount)")
        }
        var optimizer: Optimizer
        let scales: [[Double]?]
        var rng: SeededGenerator
        var history: [EpochRecord]
        if let resumed {
            guard resumed.trainSamples == train.count else {
                throw TrainingError(.invalidArgument,
                                    "the run being resumed trained on \(resumed.trainSamples) samples, this one has \(train.count): give the same --subset")
            }
            guard resumed.parameters.map(\.count) == network.layers.map(\.parameterCount),
                  resumed.scales.count == network.layers.count,
                  let generator = SeededGenerator(words: resumed.generator) else {
                throw TrainingError(.file, "the stored training state does not fit this network")
            }
            parameters = resumed.parameters
            optimizer = try Optimizer(settings.optimizer, shapes: parameters.map(\.count), state: resumed.optimizer)
            scales = resumed.scales
            rng = generator
            history = resumed.history
        } else {
            optimizer = Optimizer(settings.optimizer, shapes: parameters.map(\.count))
            // Natural sizes of the (calibrated) starting parameters fix each one's step size.
            scales = zip(network.layers, parameters).map { $0.learningRateScales($1) }
            rng = SeededGenerator(seed: settings.seed &+ 0x5EED)
            history = []
        }
        let clock = ContinuousClock()
        let start = clock.now
        var records: [EpochRecord] = []
        let batches = (train.count + settings.batchSize - 1) / settings.batchSize
        var stopped = false
        for epoch in (resumed?.epochsDone ?? 0) ..< settings.epochs {
            var batchesRun = 0
            var order = Array(0 ..< train.count)
            order.shuffle(using: &rng)
            var lossSum = 0.0, correct = 0, seen = 0
            var rate = settings.learningRate
            for b in 0 ..< batches {
                let indices = order[b * settings.batchSize ..< min((b + 1) * settings.batchSize, train.count)]
                var (x, labels) = train.batch(indices)
                if settings.inputNoise > 0 {
                    for i in x.scalars.indices { x.scalars[i] += settings.inputNoise * rng.nextGaussian() }
                }
                rate = settings.schedule.rate(base: settings.learningRate,
                                              epoch: Double(epoch) + Double(b) / Double(batches))
                let tape = try await network.forward(x, parameters: parameters, microBatches: settings.microBatches)
                let (loss, g) = try settings.loss.evaluate(tape.output, labels: labels)
                let (gradients, penalty) = try network.backward(tape, parameters: parameters, outputGradient: g)
                let bad = gradients.indices.filter { !gradients[$0].allSatisfy(\.isFinite) }
                if !bad.isEmpty {
                    throw TrainingError(.diverged,
                                        "non-finite gradient for \(bad.map { network.layers[$0].name }.joined(separator: ", ")) in epoch \(epoch + 1), batch \(b + 1): lower the learning rate or check the twin")
                }
                optimizer.step(&parameters, gradients: gradients, learningRate: rate, scales: scales)
                for (l, layer) in network.layers.enumerated() { layer.project(&parameters[l]) }
                let predicted = tape.output.argmaxRows()
                correct += zip(predicted, labels).filter { $0 == $1 }.count
                lossSum += (loss + penalty) * Double(labels.count)
                seen += labels.count
                progress(.batch(epoch: epoch + 1, batch: b + 1, of: batches, loss: lossSum / Double(seen),
                                accuracy: Double(correct) / Double(seen)))
                batchesRun += 1
                if shouldStop() {
                    stopped = true
                    break
                }
            }
            var record = EpochRecord(
                epoch: epoch + 1, learningRate: rate, trainLoss: lossSum / Double(max(seen, 1)),
                trainAccuracy: Double(correct) / Double(max(seen, 1)), testLoss: nil, testAccuracy: nil,
                elapsedSeconds: 0, deviceCalls: 0)
            if let test, !stopped {
                let result = try await evaluate(evaluation, parameters: parameters, on: test)
                record.testLoss = result.loss
                record.testAccuracy = result.accuracy
            }
            let elapsed = clock.now - start
            record.elapsedSeconds = elapsed.seconds
            record.deviceCalls = deviceCalls()
            records.append(record)
            progress(.epoch(record))
            if batchesRun == batches {
                history.append(record)
                epochEnded(TrainingState(epochsDone: epoch + 1, parameters: parameters, optimizer: optimizer.state,
                                         generator: rng.words, scales: scales, history: history,
                                         trainSamples: train.count))
            }
            if stopped { break }
        }
        return records
    }

    /// Loss, accuracy and confusion matrix of `network` on `data` (no noise, no updates).
    public func evaluate(_ network: Network, parameters: [[Double]], on data: Dataset)
        async throws(TrainingError) -> Evaluation
    {
        var confusion = [[Int]](repeating: [Int](repeating: 0, count: data.classCount), count: data.classCount)
        var lossSum = 0.0, correct = 0
        var start = 0
        while start < data.count {
            let end = min(start + settings.evaluationBatchSize, data.count)
            let (x, labels) = data.batch(start ..< end)
            let tape = try await network.forward(x, parameters: parameters, microBatches: settings.microBatches)
            let (loss, _) = try settings.loss.evaluate(tape.output, labels: labels)
            lossSum += loss * Double(labels.count)
            for (p, t) in zip(tape.output.argmaxRows(), labels) {
                confusion[t][p] += 1
                if p == t { correct += 1 }
            }
            start = end
        }
        let n = Double(max(data.count, 1))
        return Evaluation(loss: lossSum / n, accuracy: Double(correct) / n, confusion: confusion)
    }
}
