import PNNCore
import PNNDevices
import PNNPhysics
import Testing

@Suite struct SimulatedSystemTests {
    /// Small sizes keep the physics fast; SHG needs M ≤ 2K − 1 pixels.
    static func model(_ kind: ModelKind) throws -> any PhysicalModel {
        switch kind {
        case .mechanical: try MechanicalModel(.init(shape: ModelShape(inputs: 12, parameters: 6, outputs: 6)))
        case .electronic: try ElectronicModel(.init(shape: ModelShape(inputs: 12, parameters: 6, outputs: 6)))
        case .shg: try SHGModel(.init(shape: ModelShape(inputs: 12, parameters: 6, outputs: 8)))
        }
    }

    static func system(
        _ kind: ModelKind, gap: RealityGap = .none, seed: UInt64 = 1, failAfter: Int? = nil, latencySeconds: Double = 0
    ) throws -> SimulatedSystem {
        try SimulatedSystem(name: "sim-\(kind)", model: model(kind), gap: gap, seed: seed,
                            latencySeconds: latencySeconds, failAfter: failAfter, logger: quietLogger)
    }

    @Test(arguments: ModelKind.allCases)
    func withoutAGapItIsTheModelInFloat32(kind: ModelKind) async throws {
        let model = try Self.model(kind)
        let system = try Self.system(kind)
        let (x, theta) = point(model.shape, batch: 5, seed: 3)
        let expected: Tensor<Float> = try model.forward(x, theta)
        #expect(try await system.run(input: x, parameters: theta) == expected)
        #expect(try await system.run(input: x, parameters: theta) == expected, "no drift without a gap")
        #expect(await system.health() == DeviceHealth(state: .ready, measurements: 2))
    }

    /// Averaging in the device is one measurement of every sample repeated in a row, averaged: the
    /// same drive, hence the same noise draws, as a client repeating the rows itself and averaging.
    @Test(arguments: ModelKind.allCases)
    func averagedAcquisitionsAreTheMeanOfTheRepeatedBatch(kind: ModelKind) async throws {
        let inDevice = try Self.system(kind, gap: .default, seed: 9)
        let onClient = try Self.system(kind, gap: .default, seed: 9)
        let (x, theta) = point(inDevice.description.shape, batch: 4, seed: 5)
        let averaged = try await inDevice.run(input: x, parameters: theta, acquisitions: 4)
        let readings = try await onClient.run(input: x.repeatingEachRow(4), parameters: theta)
        #expect(readings.shape == [16, inDevice.description.outputs])
        #expect(averaged == readings.meanOfConsecutiveRows(4))
        #expect(averaged.shape == [4, inDevice.description.outputs])
        // One measurement, not four; and the acquisitions differ (the noise is averaged, not copied).
        #expect(await inDevice.health().measurements == 1)
        #expect(readings.scalars[0 ..< readings.shape[1]] != readings.scalars[readings.shape[1] ..< 2 * readings.shape[1]])
        // One acquisition is a plain run.
        let once = try Self.system(kind, gap: .default, seed: 9)
        let plain = try Self.system(kind, gap: .default, seed: 9)
        #expect(try await once.run(input: x, parameters: theta, acquisitions: 1) == (try await plain.run(input: x, parameters: theta)))
    }

    @Test(arguments: ModelKind.allCases)
    func theSameSeedRepeatsTheSameMeasurements(kind: ModelKind) async throws {
        let a = try Self.system(kind, gap: .default, seed: 42)
        let b = try Self.system(kind, gap: .default, seed: 42)
        let c = try Self.system(kind, gap: .default, seed: 43)
        let (x, theta) = point(a.description.shape, batch: 3, seed: 4)
        for _ in 0 ..< 3 {
            let ya = try await a.run(input: x, parameters: theta)
            #expect(ya == (try await b.run(input: x, parameters: theta)))
            #expect(ya != (try await c.run(input: x, parameters: theta)))
        }
    }

    @Test func concurrentRunsAreSerialisedAndLoseNoMeasurement() async throws {
        // Same seed, same input: concurrent calls must produce exactly the outputs of sequential calls
        // (in some order), i.e. no two calls shared a noise draw.
        let (x, theta) = point(ModelShape(inputs: 12, parameters: 6, outputs: 6), batch: 2, seed: 5)
        let sequential = try Self.system(.electronic, gap: .default, seed: 9)
        var expected: [Tensor<Float>] = []
        for _ in 0 ..< 4 { expected.append(try await sequential.run(input: x, parameters: theta)) }

        let concurrent = try Self.system(.electronic, gap: .default, seed: 9)
        let outputs = try await withThrowingTaskGroup(of: Tensor<Float>.self) { group in
            for _ in 0 ..< 4 { group.addTask { try await concurrent.run(input: x, parameters: theta) } }
            var outputs: [Tensor<Float>] = []
            for try await y in group { outputs.append(y) }
            return outputs
        }
        let positions = outputs.compactMap { expected.firstIndex(of: $0) }
        #expect(Set(positions) == [0, 1, 2, 3], "each sequential measurement exactly once")
        #expect(await concurrent.health().measurements == 4)
    }

    @Test func anInjectedFaultStaysUntilReset() async throws {
        let system = try Self.system(.mechanical, failAfter: 2)
        let (x, theta) = point(system.description.shape, batch: 1, seed: 6)
        _ = try await system.run(input: x, parameters: theta)
        _ = try await system.run(input: x, parameters: theta)
        let first = await #expect(throws: DeviceError.self) { try await system.run(input: x, parameters: theta) }
        #expect(first?.code == .fault)
        #expect(first?.message == "the device faulted: injected fault after 2 measurements")
        let later = await #expect(throws: DeviceError.self) { try await system.run(input: x, parameters: theta) }
        #expect(later?.code == .fault)
        #expect(later?.message == "the device is faulted: injected fault after 2 measurements")
        let health = await system.health()
        #expect(health.state == .faulted)
        #expect(health.measurements == 2)
        #expect(health.message == "injected fault after 2 measurements")

        await system.resetFault()
        _ = try await system.run(input: x, parameters: theta)
        #expect(await system.health() == DeviceHealth(state: .ready, measurements: 3))
    }

    @Test func failAfterZeroFaultsOnTheFirstRun() async throws {
        let system = try Self.system(.shg, failAfter: 0)
        let (x, theta) = point(system.description.shape, batch: 1, seed: 6)
        await #expect(throws: DeviceError(.fault, "")) { try await system.run(input: x, parameters: theta) }
    }

    @Test func batchesOutsideTheLimitsNeverReachThePhysics() async throws {
        let system = try Self.system(.mechanical)
        var (x, theta) = point(system.description.shape, batch: 2, seed: 7)
        x[1, 3] = 1.5
        let error = await #expect(throws: DeviceError.self) { try await system.run(input: x, parameters: theta) }
        #expect(error?.code == .invalidInput)
        #expect(error?.message == "input sample 1 feature 3 = 1.5 exceeds the maximum drive 1.0")
        theta = .zeros([5])
        let shape = await #expect(throws: DeviceError.self) { try await system.run(input: .zeros([1, 12]), parameters: theta) }
        #expect(shape?.code == .invalidInput)
        #expect(await system.health().measurements == 0)
    }

    @Test func closingIsIdempotentAndRefusesRuns() async throws {
        let system = try Self.system(.electronic)
        let (x, theta) = point(system.description.shape, batch: 1, seed: 8)
        _ = try await system.run(input: x, parameters: theta)
        await system.close()
        await system.close()
        #expect(await system.health() == DeviceHealth(state: .closed, message: "closed", measurements: 1))
        await #expect(throws: DeviceError(.unavailable, "")) { try await system.run(input: x, parameters: theta) }
    }

    @Test func latencyKeepsTheDeviceBusyAndCancellationEndsTheWait() async throws {
        let system = try Self.system(.mechanical, latencySeconds: 30)
        let (x, theta) = point(system.description.shape, batch: 1, seed: 9)
        let run = Task { try await system.run(input: x, parameters: theta) }
        while await system.health().state != .busy { await Task.yield() }
        run.cancel()
        let result = await run.result
        #expect(throws: DeviceError(.cancelled, "")) { try result.get() }
        #expect(await system.health() == DeviceHealth(state: .ready, measurements: 0))
    }

    @Test func aShortLatencyStillMeasures() async throws {
        let system = try Self.system(.shg, latencySeconds: 0.001)
        let (x, theta) = point(system.description.shape, batch: 2, seed: 10)
        let y = try await system.run(input: x, parameters: theta)
        #expect(y.shape == [2, 8])
    }

    @Test func aBadGapOrLimitIsAConfigurationError() throws {
        #expect(throws: DeviceError(.invalidConfiguration, "")) {
            try SimulatedSystem(name: "m", model: Self.model(.mechanical), gap: RealityGap(additiveNoise: -1),
                                seed: 0, logger: quietLogger)
        }
        #expect(throws: DeviceError(.invalidConfiguration, "")) {
            try SimulatedSystem(name: "m", model: Self.model(.mechanical), gap: .none, seed: 0,
                                limits: DriveLimits(minimum: 1, maximum: -1), logger: quietLogger)
        }
    }

    // MARK: Descriptions

    @Test func descriptionsCarryTimingUnitsAndOrder() throws {
        let mech = try SimulatedSystem(name: "mech0", model: ModelCatalog.make(.mechanical, shape: ModelCatalog.mnistShape(.mechanical)),
                                       gap: .default, seed: 1, logger: quietLogger).description
        // (196 θ + 196 x + 16 tail) segments × 0.5 ms.
        #expect(abs((mech.secondsPerSample ?? 0) - 0.204) < 1e-12)
        #expect(mech.summary == "8-mode plate, voice coil in, microphone out (simulated, default reality gap)")
        #expect(mech.kind == "simulated-mechanical")
        #expect(mech.model == .mechanical)
        #expect(mech.driveOrder == .parametersFirst)
        #expect(mech.gap == "default")
        #expect(mech.limits == DeviceSpec.defaultLimits(for: .simulated(.mechanical)))
        #expect(mech.notes.contains { $0.hasPrefix("x [B×196]: voice-coil drive in volts, one 0.5 ms segment") })

        let elec = try SimulatedSystem(name: "elec0", model: ModelCatalog.make(.electronic, shape: ModelCatalog.mnistShape(.electronic)),
                                       gap: .none, seed: 1, logger: quietLogger).description
        #expect(abs((elec.secondsPerSample ?? 0) - 408 * 20e-6) < 1e-12)
        #expect(elec.summary.hasSuffix("(simulated, no reality gap)"))
        #expect(elec.summary.hasPrefix("15.9 kHz RLC oscillator"))
        #expect(elec.notes.contains { $0.contains("20 µs") })

        let shg = try SimulatedSystem(name: "shg0", model: ModelCatalog.make(.shg, shape: ModelCatalog.mnistShape(.shg)),
                                      gap: RealityGap(additiveNoise: 0.01), seed: 1, logger: quietLogger).description
        #expect(shg.secondsPerSample == 0.02)
        #expect(shg.driveOrder == .inputsFirst)
        #expect(shg.gap == "custom")
        #expect(shg.summary == "pulse shaper → χ² crystal → spectrometer, 64 shaper bins, 32 pixels (simulated, custom reality gap)")
        #expect(shg.notes.first == "x [B×48]: amplitude transmission 0 … 1 of shaper bins 0 … 47")
        #expect((shg.inputs, shg.parameters, shg.outputs) == (48, 16, 32))
    }
}
