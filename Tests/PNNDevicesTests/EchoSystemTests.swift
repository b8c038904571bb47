import PNNCore
import PNNDevices
import PNNPhysics
import Testing

@Suite struct EchoSystemTests {
    @Test func itReturnsItsInput() async throws {
        let echo = try EchoSystem(name: "echo0", inputs: 3, parameters: 2, logger: quietLogger)
        let x = batch([[1, -2, 3e5], [0, .leastNonzeroMagnitude, -1e6]])
        #expect(try await echo.run(input: x, parameters: Tensor([7, 8])) == x)
        #expect(await echo.health() == DeviceHealth(state: .ready, measurements: 1))
    }

    @Test func itDescribesItselfAsNxN() throws {
        let echo = try EchoSystem(name: "echo0", inputs: 64, logger: quietLogger)
        let d = echo.description
        #expect((d.inputs, d.parameters, d.outputs) == (64, 0, 64))
        #expect(d.kind == "echo")
        #expect(d.model == nil)
        #expect(d.secondsPerSample == nil)
        #expect(d.gap == "none")
        #expect(d.limits == DriveLimits(minimum: -1e6, maximum: 1e6))
    }

    @Test func shapesAreStillChecked() async throws {
        let echo = try EchoSystem(name: "echo0", inputs: 3, logger: quietLogger)
        await #expect(throws: DeviceError(.invalidInput, "")) {
            try await echo.run(input: .zeros([1, 4]), parameters: .zeros([0]))
        }
        await #expect(throws: DeviceError(.invalidInput, "")) {
            try await echo.run(input: .zeros([1, 3]), parameters: .zeros([1]))
        }
        #expect(try await echo.run(input: .zeros([2, 3]), parameters: .zeros([0])).shape == [2, 3])
    }

    @Test func faultsAndCloseBehaveLikeASimulatedSystem() async throws {
        let echo = try EchoSystem(name: "echo0", inputs: 1, failAfter: 1, logger: quietLogger)
        _ = try await echo.run(input: .zeros([1, 1]), parameters: .zeros([0]))
        await #expect(throws: DeviceError(.fault, "")) { try await echo.run(input: .zeros([1, 1]), parameters: .zeros([0])) }
        #expect(await echo.health().state == .faulted)
        await echo.resetFault()
        _ = try await echo.run(input: .zeros([1, 1]), parameters: .zeros([0]))
        await echo.close()
        await #expect(throws: DeviceError(.unavailable, "")) { try await echo.run(input: .zeros([1, 1]), parameters: .zeros([0])) }
        #expect(await echo.health() == DeviceHealth(state: .closed, message: "closed", measurements: 2))
    }

    @Test func outputsMustEqualInputs() {
        let spec = DeviceSpec(name: "e", kind: .echo, shape: ModelShape(inputs: 4, parameters: 0, outputs: 5))
        #expect(throws: DeviceError(.invalidConfiguration, "")) { try EchoSystem(spec: spec, logger: quietLogger) }
    }
}
