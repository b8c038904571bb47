import PNNCore
import PNNDevices
import PNNPhysics
import Testing

@Suite struct ModelOverridesTests {
    static let shape = ModelShape(inputs: 12, parameters: 6, outputs: 6)

    /// A valid non-default value per key, and where it must land in the configuration.
    static let mechanical: [String: (Double, @Sendable (MechanicalModel.Configuration) -> Double)] = [
        "cubicStiffnessPerSquareMetre": (0, { $0.cubicStiffnessPerSquareMetre }),
        "detectorFullScale": (20, { $0.detectorFullScale }),
        "detectorGain": (2, { $0.detectorGain }),
        "segmentSeconds": (1e-3, { $0.drive.segmentSeconds }),
        "substeps": (3, { Double($0.drive.substeps) }),
        "tailSegments": (8, { Double($0.drive.tailSegments) }),
    ]
    static let electronic: [String: (Double, @Sendable (ElectronicModel.Configuration) -> Double)] = [
        "capacitanceFarads": (150e-9, { $0.capacitanceFarads }),
        "inductanceHenries": (2e-3, { $0.inductanceHenries }),
        "resistanceOhms": (15, { $0.resistanceOhms }),
        "scopeFullScaleVolts": (2, { $0.scopeFullScaleVolts }),
        "segmentSeconds": (25e-6, { $0.drive.segmentSeconds }),
        "substeps": (4, { Double($0.drive.substeps) }),
        "tailSegments": (0, { Double($0.drive.tailSegments) }),
        "transistorCurrentAmps": (1e-3, { $0.transistorCurrentAmps }),
        "transistorVoltsScale": (0.3, { $0.transistorVoltsScale }),
    ]
    static let shg: [String: (Double, @Sendable (SHGModel.Configuration) -> Double)] = [
        "detectorFullScale": (5, { $0.detectorFullScale }),
        "envelopeWidthBins": (4, { $0.envelopeWidthBins }),
        "groupDelayDispersionFs2": (-200, { $0.groupDelayDispersionFs2 }),
        "phaseMatchingBandwidthBins": (10, { $0.phaseMatchingBandwidthBins }),
    ]

    @Test func theDocumentedKeysAreExactlyTheAcceptedOnes() {
        #expect(ModelOverrides.keys(for: .mechanical) == Self.mechanical.keys.sorted())
        #expect(ModelOverrides.keys(for: .electronic) == Self.electronic.keys.sorted())
        #expect(ModelOverrides.keys(for: .shg) == Self.shg.keys.sorted())
    }

    @Test func everyMechanicalKeyLands() throws {
        for (key, (value, read)) in Self.mechanical {
            let model = try ModelOverrides.model(.mechanical, shape: Self.shape, overrides: [key: value], device: "m")
            let configuration = try #require((model as? MechanicalModel)?.configuration)
            #expect(read(configuration) == value, "\(key)")
        }
    }

    @Test func everyElectronicKeyLands() throws {
        for (key, (value, read)) in Self.electronic {
            let model = try ModelOverrides.model(.electronic, shape: Self.shape, overrides: [key: value], device: "e")
            let configuration = try #require((model as? ElectronicModel)?.configuration)
            #expect(read(configuration) == value, "\(key)")
        }
    }

    @Test func everySHGKeyLands() throws {
        for (key, (value, read)) in Self.shg {
            let model = try ModelOverrides.model(.shg, shape: Self.shape, overrides: [key: value], device: "s")
            let configuration = try #require((model as? SHGModel)?.configuration)
            #expect(read(configuration) == value, "\(key)")
        }
    }

    @Test func allOverridesTogether() throws {
        let overrides = Self.electronic.mapValues(\.0)
        let model = try ModelOverrides.model(.electronic, shape: Self.shape, overrides: overrides, device: "e")
        let configuration = try #require((model as? ElectronicModel)?.configuration)
        for (key, (value, read)) in Self.electronic { #expect(read(configuration) == value, "\(key)") }
    }

    @Test func anUnknownKeyIsNamedWithTheKnownOnes() {
        let error = #expect(throws: DeviceError.self) {
            try ModelOverrides.model(.mechanical, shape: Self.shape, overrides: ["detectorGain": 2, "dampingRatio": 0.1], device: "mech0")
        }
        #expect(error?.code == .invalidConfiguration)
        #expect(error?.message == "mech0: unknown model override 'dampingRatio' for simulated-mechanical; known keys: cubicStiffnessPerSquareMetre, detectorFullScale, detectorGain, segmentSeconds, substeps, tailSegments")
    }

    @Test func keysOfAnotherModelAreUnknown() {
        #expect(throws: DeviceError(.invalidConfiguration, "")) {
            try ModelOverrides.model(.shg, shape: Self.shape, overrides: ["resistanceOhms": 10], device: "s")
        }
    }

    @Test(arguments: [("substeps", 2.5), ("substeps", 0), ("tailSegments", -1), ("tailSegments", 1e9), ("detectorGain", .nan)])
    func wholeAndFiniteNumbersAreEnforced(key: String, value: Double) {
        let error = #expect(throws: DeviceError.self) {
            try ModelOverrides.model(.mechanical, shape: Self.shape, overrides: [key: value], device: "m")
        }
        #expect(error?.message.contains(key) == true)
    }

    @Test func physicallyImpossibleValuesAreRejectedByTheModel() {
        let error = #expect(throws: DeviceError.self) {
            try ModelOverrides.model(.electronic, shape: Self.shape, overrides: ["capacitanceFarads": -1e-9], device: "elec0")
        }
        #expect(error?.code == .invalidConfiguration)
        #expect(error?.message.hasPrefix("elec0: ") == true)
    }

    @Test func overridesShowInTheDescription() throws {
        let spec = DeviceSpec(name: "slow", kind: .simulated(.mechanical), shape: Self.shape,
                              modelOverrides: ["segmentSeconds": 1e-3, "tailSegments": 2])
        let system = try DeviceRegistry.make(spec, logger: quietLogger)
        // (6 θ + 12 x + 2 tail) segments × 1 ms.
        #expect(abs((system.description.secondsPerSample ?? 0) - 0.020) < 1e-12)
    }
}
