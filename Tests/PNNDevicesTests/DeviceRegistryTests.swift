import PNNCore
import PNNDevices
import PNNPhysics
import Testing

@Suite struct DeviceRegistryTests {
    @Test func theSimulateSetIsThreeModelsAndAnEcho() {
        let specs = DeviceRegistry.simulatedDefaults()
        #expect(specs.map(\.name) == ["mech0", "elec0", "shg0", "echo0"])
        #expect(specs.map(\.kind) == [.simulated(.mechanical), .simulated(.electronic), .simulated(.shg), .echo])
        #expect(specs.map(\.gapName) == ["default", "default", "default", "none"])
        #expect(Set(specs.map(\.seed)).count == 4)
        for spec in specs {
            if let model = spec.kind.model { #expect(spec.shape == ModelCatalog.mnistShape(model)) }
        }
        #expect(specs[3].shape == ModelShape(inputs: 64, parameters: 0, outputs: 64))
    }

    @Test func itBuildsAndRunsEveryDefault() async throws {
        for spec in DeviceRegistry.simulatedDefaults() {
            let system = try DeviceRegistry.make(spec, logger: quietLogger)
            let d = system.description
            #expect(system.name == spec.name)
            #expect(d.name == spec.name)
            #expect(d.kind == spec.kind.name)
            #expect(d.model == spec.kind.model)
            #expect(d.shape == spec.shape)
            #expect(d.limits == spec.limits)
            #expect(d.driveOrder == spec.kind.driveOrder)
            #expect(d.gap == spec.gapName)
            #expect(!d.summary.isEmpty && d.notes.count >= 3)
            if spec.kind.model != nil {
                #expect((d.secondsPerSample ?? 0) > 0 && (d.secondsPerSample ?? 0) < 1, "\(spec.name)")
            }
            // A batch inside every default limit: mean power ≤ 1/3, steps ≤ 1.
            let (x, theta) = point(d.shape, batch: 2, seed: 11)
            #expect(d.limits.check(input: x, parameters: theta, order: d.driveOrder) == nil)
            let y = try await system.run(input: x, parameters: theta)
            #expect(y.shape == [2, d.outputs])
            #expect(y.firstNonFiniteIndex == nil)
            #expect(await system.health() == DeviceHealth(state: .ready, measurements: 1))
            await system.close()
            #expect(await system.health().state == .closed)
        }
    }

    @Test func aBadSpecIsRejectedBeforeAnythingIsBuilt() {
        let spec = DeviceSpec(name: "m", kind: .simulated(.mechanical), modelOverrides: ["warp": 9])
        #expect(throws: DeviceError(.invalidConfiguration, "")) { try DeviceRegistry.make(spec, logger: quietLogger) }
    }

    @Test func specFieldsReachTheSystem() async throws {
        let spec = DeviceSpec(name: "e1", kind: .echo, shape: ModelShape(inputs: 2, parameters: 1, outputs: 2),
                              limits: DriveLimits(minimum: -3, maximum: 3), latencySeconds: 0.001, failAfter: 1)
        let system = try DeviceRegistry.make(spec, logger: quietLogger)
        #expect(system.description.limits.maximum == 3)
        #expect(try await system.run(input: batch([[1, 2]]), parameters: Tensor([0])) == batch([[1, 2]]))
        await #expect(throws: DeviceError(.fault, "")) { try await system.run(input: batch([[1, 2]]), parameters: Tensor([0])) }
    }
}
