import Foundation
import PNNCore
import PNNDevices
import PNNPhysics
import Testing

@Suite struct DeviceSpecTests {
    @Test func defaultsComeFromTheKind() {
        let mech = DeviceSpec(name: "m", kind: .simulated(.mechanical))
        #expect(mech.shape == ModelCatalog.mnistShape(.mechanical))
        #expect(mech.gap == .default)
        #expect(mech.gapName == "default")
        #expect(mech.limits == DriveLimits(minimum: -1, maximum: 1, maxStep: 2, maxMeanPower: 1))
        #expect(mech.seed == 0 && mech.latencySeconds == 0 && mech.modelOverrides.isEmpty && mech.failAfter == nil)

        let echo = DeviceSpec(name: "e", kind: .echo)
        #expect(echo.shape == ModelShape(inputs: 64, parameters: 0, outputs: 64))
        #expect(echo.gapName == "none")
        #expect(DeviceSpec.defaultLimits(for: .simulated(.shg)) == DriveLimits(minimum: 0, maximum: 1))
        #expect(DeviceSpec.defaultLimits(for: .simulated(.electronic)).maximum == 2)
    }

    @Test(arguments: DeviceKind.allCases)
    func everyKindHasCoherentDefaultLimits(kind: DeviceKind) {
        #expect(DeviceSpec.defaultLimits(for: kind).problem == nil)
        #expect(DeviceKind(name: kind.name) == kind)
    }

    @Test func kindsAreNamedAsInConfigFiles() {
        #expect(DeviceKind.allCases.map(\.name) == ["simulated-mechanical", "simulated-electronic", "simulated-shg", "echo"])
        #expect(DeviceKind(name: "simulated-laser") == nil)
    }

    @Test func jsonRoundTripKeepsPresetsAsNames() throws {
        let specs = DeviceRegistry.simulatedDefaults() + [
            DeviceSpec(name: "custom", kind: .simulated(.electronic), gap: RealityGap(additiveNoise: 0.02, adcBits: 10),
                       seed: .max, latencySeconds: 0.25, modelOverrides: ["resistanceOhms": 12], failAfter: 3),
        ]
        for spec in specs {
            let data = try JSONEncoder().encode(spec)
            #expect(try JSONDecoder().decode(DeviceSpec.self, from: data) == spec)
            let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            #expect(object["kind"] as? String == spec.kind.name)
            if spec.gapName != "custom" { #expect(object["gap"] as? String == spec.gapName) }
        }
    }

    @Test func aMinimalFileGetsTheKindsDefaults() throws {
        let json = #"{"name": "shg1", "kind": "simulated-shg", "gap": "none", "seed": 5}"#
        let spec = try JSONDecoder().decode(DeviceSpec.self, from: Data(json.utf8))
        #expect(spec == DeviceSpec(name: "shg1", kind: .simulated(.shg), gap: RealityGap.none, seed: 5))
    }

    @Test func unknownKindsAndGapsAreNamedInTheError() {
        for (json, word) in [(#"{"name": "x", "kind": "laser"}"#, "laser"),
                             (#"{"name": "x", "kind": "echo", "gap": "small"}"#, "small")] {
            do {
                _ = try JSONDecoder().decode(DeviceSpec.self, from: Data(json.utf8))
                Issue.record("decoded \(json)")
            } catch let DecodingError.dataCorrupted(context) {
                #expect(context.debugDescription.contains("'\(word)'"))
            } catch {
                Issue.record("unexpected \(error)")
            }
        }
    }

    // MARK: Validation

    @Test func goodSpecsValidate() throws {
        for spec in DeviceRegistry.simulatedDefaults() { try spec.validate() }
    }

    @Test(arguments: [
        (DeviceSpec(name: "", kind: .echo), "device name"),
        (DeviceSpec(name: "mech 0", kind: .echo), "device name"),
        (DeviceSpec(name: String(repeating: "a", count: 65), kind: .echo), "device name"),
        (DeviceSpec(name: "m", kind: .simulated(.mechanical), shape: ModelShape(inputs: 0, parameters: 1, outputs: 1)), "N ≥ 1"),
        (DeviceSpec(name: "m", kind: .simulated(.mechanical), limits: DriveLimits(minimum: 0, maximum: 1, maxStep: 0)), "maxStep"),
        (DeviceSpec(name: "m", kind: .simulated(.mechanical), latencySeconds: -1), "latencySeconds"),
        (DeviceSpec(name: "m", kind: .simulated(.mechanical), failAfter: -1), "failAfter"),
        (DeviceSpec(name: "m", kind: .simulated(.mechanical), modelOverrides: ["springiness": 1]), "'springiness'"),
        (DeviceSpec(name: "e", kind: .echo, shape: ModelShape(inputs: 3, parameters: 0, outputs: 2)), "outputs must equal inputs"),
        (DeviceSpec(name: "e", kind: .echo, modelOverrides: ["detectorGain": 1]), "no model overrides"),
        (DeviceSpec(name: "e", kind: .echo, gap: .default), "no reality gap"),
    ])
    func badSpecsAreRejectedWithTheField(spec: DeviceSpec, words: String) {
        let error = #expect(throws: DeviceError.self) { try spec.validate() }
        #expect(error?.code == .invalidConfiguration)
        #expect(error?.message.contains(words) == true, "\(error?.message ?? "")")
    }
}
