import Foundation
import PNNCore
import PNNData
import PNNPhysics
import Synchronization
import Testing
@testable import PNNTraining

/// A run stopped after an epoch and resumed from its `TrainingState` ends where the run straight
/// through ends, to the bit (on a device that reads the same drive the same way: the gap-free one).
@Suite struct ResumeTests {
    @Test func stoppedAndResumedTrainingEndsWhereTrainingStraightThroughEnds() async throws {
        let experiment = ExperimentCatalog.vowelsSHG
        let vowels = try PATTests.vowels()
        // A fifth of the training set keeps the three runs quick; the test set stays whole.
        let data = ExperimentData(train: vowels.train.subset(first: 42), test: vowels.test)
        var settings = experiment.settings
        settings.epochs = 4
        settings.schedule = .cosine(epochs: 4, floor: 0.05)
        func device() throws -> SimulatorBackend {
            SimulatorBackend(simulator: try Simulator(model: experiment.nominalModel(), gap: .none, seed: 1),
                             limits: DriveLimits(minimum: 0, maximum: 1))
        }
        func run() throws -> ExperimentRun {
            try ExperimentRun(experiment: experiment, mode: .pat, settings: settings, device: try device(),
                              twin: PhysicsTwin(model: experiment.nominalModel()), trainBaseline: false)
        }
        let straight = try await run().run(train: data.train, test: data.test, gapName: "none")

        // Stopped right after the last batch of epoch 2, as Ctrl-C there would.
        let batchesPerEpoch = (data.train.count + settings.batchSize - 1) / settings.batchSize
        let batches = Mutex(0)
        let stopped = try await run().run(train: data.train, test: data.test, gapName: "none", shouldStop: {
            batches.withLock { $0 += 1; return $0 == 2 * batchesPerEpoch }
        })
        #expect(stopped.summary.stoppedInEpoch == 2)
        let state = try #require(stopped.trainingState)
        #expect(state.epochsDone == 2 && state.history.count == 2)

        // Through the checkpoint's JSON, as `pnn train --resume` reads it.
        let stored = try JSONDecoder().decode(TrainingState.self, from: try JSONEncoder().encode(state))
        #expect(stored == state)
        let resumed = try await run().run(train: data.train, test: data.test, gapName: "none", resumingFrom: stored)
        #expect(resumed.parameters == straight.parameters, "the same parameters, to the bit")
        #expect(resumed.history.count == 4 && resumed.summary.resumedFromEpoch == 2)
        #expect(resumed.history.map(\.trainLoss) == straight.history.map(\.trainLoss))
        #expect(resumed.summary.testAccuracy == straight.summary.testAccuracy)
        // …having trained only epochs 3 and 4 (a run from scratch would end in the same place too).
        #expect(resumed.summary.deviceCalls < straight.summary.deviceCalls * 2 / 3,
                "\(resumed.summary.deviceCalls) device calls against \(straight.summary.deviceCalls)")

        // A state from other data is refused, not trained on.
        let fewer = data.train.subset(first: 20)
        await #expect(throws: TrainingError.self) {
            _ = try await run().run(train: fewer, test: data.test, gapName: "none", resumingFrom: stored)
        }
    }
}
