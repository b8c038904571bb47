// swift-tools-version:6.0
import PackageDescription

// Module split and dependency direction: see docs/architecture.md.
// PNNCore ← PNNPhysics ← PNNDevices ← executables. System libraries enter only through
// the CLibUSB / CGPIOD systemLibrary targets (pkg-config), imported by PNNDevices alone.
let package = Package(
    name: "pnn",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "pnn", targets: ["pnn"]),
        .executable(name: "pnn-bench", targets: ["pnn-bench"]),
        .library(name: "PNNCore", targets: ["PNNCore"]),
        .library(name: "PNNPhysics", targets: ["PNNPhysics"]),
        .library(name: "PNNDevices", targets: ["PNNDevices"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CLibUSB",
            pkgConfig: "libusb-1.0",
            providers: [.apt(["libusb-1.0-0-dev"])]
        ),
        .systemLibrary(
            name: "CGPIOD",
            pkgConfig: "libgpiod",
            providers: [.apt(["libgpiod-dev"])]
        ),
        .target(name: "PNNCore"),
        .target(name: "PNNPhysics", dependencies: ["PNNCore"]),
        .target(name: "PNNDevices", dependencies: ["PNNCore", "PNNPhysics", "CLibUSB", "CGPIOD"]),
        .executableTarget(
            name: "pnn",
            dependencies: [
                "PNNCore", "PNNPhysics", "PNNDevices",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "pnn-bench",
            dependencies: [
                "PNNCore", "PNNPhysics",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "PNNCoreTests", dependencies: ["PNNCore"]),
        .testTarget(name: "PNNPhysicsTests", dependencies: ["PNNCore", "PNNPhysics"]),
        .testTarget(name: "PNNDevicesTests", dependencies: ["PNNDevices"]),
        .testTarget(name: "PNNCLITests", dependencies: ["PNNCore"]),
    ],
    swiftLanguageModes: [.v6]
)
