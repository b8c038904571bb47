import PNNDevices
import Testing

@Suite struct DeviceErrorTests {
    @Test func equalityComparesCodesOnly() {
        #expect(DeviceError(.fault, "coil open") == DeviceError(.fault, "amplifier tripped"))
        #expect(DeviceError(.fault, "x") != DeviceError(.timeout, "x"))
    }

    @Test func descriptionIsTheMessage() {
        let error = DeviceError(.unavailable, "mech0 is closed")
        #expect(error.description == "mech0 is closed")
        #expect(error.file.hasSuffix("DeviceErrorTests.swift"))
    }

    @Test func codesHaveStableNames() {
        let codes: [DeviceError.Code] = [.invalidInput, .fault, .unavailable, .timeout, .cancelled, .invalidConfiguration]
        #expect(codes.map(\.description) == ["invalidInput", "fault", "unavailable", "timeout", "cancelled", "invalidConfiguration"])
        #expect(Set(codes).count == codes.count)
    }
}
