import PNNDevices
import Testing

@Suite struct SystemLibrariesTests {
    @Test func libusbReportsItsVersion() {
        let parts = SystemLibraries.libusbVersion.split(separator: ".").compactMap { Int($0) }
        #expect(parts.count == 3)
        #expect(parts.first == 1)
    }

    @Test func libgpiodReportsItsVersion() {
        let parts = SystemLibraries.libgpiodVersion.split(separator: ".").compactMap { Int($0) }
        #expect(parts.count >= 2)
        #expect((parts.first ?? 0) >= 1)
    }
}
