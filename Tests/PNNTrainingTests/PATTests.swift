import PNNCore
import PNNData
import PNNPhysics
import Testing
@testable import PNNTraining

/// Physics-aware training on a simulated device with a reality gap the twin does not know.
@Suite struct PATTests {
    static func vowels() throws -> ExperimentData {
        try ExperimentData.load(ExperimentCatalog.vowelsSHG)
    }

    static func gappedDevice(_ experiment: Experiment) throws -> SimulatorBackend {
        SimulatorBackend(simulator: try Simulator(model: experiment.nominalModel(), gap: .default, seed: experiment.deviceSeed),
                         limits: DriveLimits(minimum: 0, maximum: 1))
    }

    @Test func patLowersTheLossOnAGappedDevice() async throws {
        let experiment = ExperimentCatalog.vowelsSHG
        let data = try Self.vowels()
        var settings = experiment.settings
        settings.epochs = 25
        settings.schedule = .cosine(epochs: 25, floor: 0.05)
        let device = try Self.gappedDevice(experiment)
        let run = try ExperimentRun(experiment: experiment, mode: .pat, settings: settings, device: device,
                                    twin: PhysicsTwin(model: experiment.nominalModel()), trainBaseline: false)
        let result = try await run.run(train: data.train, test: data.test, gapName: "default")
        let first = try #require(result.history.first), last = try #require(result.history.last)
        #expect(last.trainLoss < 0.75 * first.trainLoss, "loss \(first.trainLoss) → \(last.trainLoss)")
        #expect(result.summary.testAccuracy > 0.5)
        // Every training batch and every evaluation went to the device.
        #expect(device.calls == result.summary.deviceCalls)
        #expect(device.calls > 25 * 10 * experiment.depth)
    }

    @Test func sameSeedSameResult() async throws {
        let experiment = ExperimentCatalog.vowelsSHG
        let data = try Self.vowels()
        var settings = experiment.settings
        settings.epochs = 3
        func once() async throws -> [[Double]] {
            let run = try ExperimentRun(experiment: experiment, mode: .pat, settings: settings,
                                        device: try Self.gappedDevice(experiment),
                                        twin: PhysicsTwin(model: experiment.nominalModel()), trainBaseline: false)
            return try await run.run(train: data.train, test: data.test, gapName: "default").parameters
        }
        let a = try await once(), b = try await once()
        #expect(a == b)
    }

    @Test func baselineReplacesPhysicalLayersByIdentity() throws {
        let baseline = try ExperimentCatalog.vowelsSHG.baselineNetwork()
        #expect(baseline.physicalLayers.isEmpty)
        #expect(baseline.layers.contains { $0 is IdentityLayer })
        #expect(!baseline.layers.contains { $0 is Linear })
    }

    @Test func physicsOnlyExperimentsHaveNoDigitalLinearLayers() throws {
        let echo = TwinBackend(twin: PhysicsTwin(model: try ModelCatalog.make(.shg, shape: ModelCatalog.mnistShape(.shg))),
                               limits: DriveLimits(minimum: 0, maximum: 1))
        for experiment in ExperimentCatalog.all where !experiment.hybrid {
            let model = try experiment.nominalModel()
            let backend: any PhysicalBackend = experiment.model == .shg
                ? echo : TwinBackend(twin: PhysicsTwin(model: model), limits: DriveLimits(minimum: -1, maximum: 1))
            let net = try experiment.network(backend: backend, twin: PhysicsTwin(model: model))
            #expect(!net.layers.contains { $0 is Linear }, "\(experiment.name)")
            // Between and after the physical layers only wiring, fixed averages and elementwise affines.
            let digital = net.layers.filter { Network.physicalLayers(in: $0).isEmpty }
            #expect(digital.allSatisfy { $0 is ElementwiseAffine || $0 is FeatureMap },
                    "\(experiment.name): \(digital.map { String(describing: type(of: $0)) })")
            #expect(net.layers.filter { !Network.physicalLayers(in: $0).isEmpty }.count == experiment.depth)
        }
    }

    /// The circuit's readout: 9 bins per class, 3 on each channel, and no bin shared by two classes
    /// (a shared bin would tie them).
    @Test func circuitClassesReadDisjointBinsOnEveryChannel() {
        let groups = ExperimentCatalog.classBinGroups(10, perChannel: 3, channels: 3, outputs: 196)
        #expect(groups.count == 10)
        #expect(groups.allSatisfy { $0.count == 9 })
        #expect(Set(groups.joined()).count == 90)
        for group in groups {
            #expect((0 ..< 3).allSatisfy { k in group.filter { $0 / 196 == k }.count == 3 })
        }
    }

    /// The circuit's readings average 4 acquisitions (its detector noise is what PAT loses most to);
    /// the plate's are single acquisitions.
    @Test func circuitAveragesFourAcquisitionsPerReading() throws {
        for (kind, expected) in [(ModelKind.electronic, 4), (.mechanical, 1)] {
            let experiment = ExperimentCatalog.mnist(kind)
            let model = try experiment.nominalModel()
            let net = try experiment.network(backend: TwinBackend(twin: PhysicsTwin(model: model),
                                                                  limits: DriveLimits(minimum: -1, maximum: 1)),
                                             twin: PhysicsTwin(model: model))
            let physical = net.layers.flatMap { Network.physicalLayers(in: $0) }
            #expect(physical.count == 3 * (kind == .electronic ? 3 : 2))
            #expect(physical.allSatisfy { $0.acquisitions == expected }, "\(kind)")
        }
    }

    @Test func deviceOfTheWrongShapeIsRefused() throws {
        let experiment = ExperimentCatalog.vowelsSHG
        let other = try ModelCatalog.make(.shg, shape: ModelShape(inputs: 12, parameters: 4, outputs: 12))
        let device = TwinBackend(twin: PhysicsTwin(model: other), limits: DriveLimits(minimum: 0, maximum: 1))
        #expect(throws: TrainingError.self) {
            _ = try ExperimentRun(experiment: experiment, mode: .pat, settings: experiment.settings, device: device,
                                  twin: PhysicsTwin(model: other))
        }
    }
}
