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
        .executable(name: "pnnd", targets: ["pnnd"]),
        .library(name: "PNNCore", targets: ["PNNCore"]),
        .library(name: "PNNPhysics", targets: ["PNNPhysics"]),
        .library(name: "PNNDevices", targets: ["PNNDevices"]),
        .library(name: "PNNProtocol", targets: ["PNNProtocol"]),
        .library(name: "PNNClient", targets: ["PNNClient"]),
        .library(name: "PNNDaemon", targets: ["PNNDaemon"]),
        .library(name: "PNNData", targets: ["PNNData"]),
        .library(name: "PNNTraining", targets: ["PNNTraining"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.0.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
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
        .systemLibrary(
            name: "CBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]
        ),
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        .target(name: "PNNCore"),
        .target(name: "PNNData", dependencies: ["PNNCore", "CZlib"]),
        .target(
            name: "PNNTraining",
            dependencies: ["PNNCore", "PNNPhysics", "PNNData", "PNNClient", "PNNProtocol", "CBLAS"]
        ),
        .target(name: "PNNPhysics", dependencies: ["PNNCore"]),
        .target(
            name: "PNNDevices",
            dependencies: [
                "PNNCore", "PNNPhysics", "CLibUSB", "CGPIOD",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "PNNProtocol",
            dependencies: [
                "PNNCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
            ]
        ),
        // The processor's CRC-32C instruction for the recorder's checksums (C: Swift has no intrinsic).
        .target(name: "CCRC32C"),
        .target(name: "PNNRecorder", dependencies: ["PNNCore", "CCRC32C"]),
        .target(name: "PNNSystemd"),
        .target(
            name: "PNNConfig",
            dependencies: [
                "PNNCore", "PNNPhysics", "PNNDevices",
                .product(name: "TOMLKit", package: "TOMLKit"),
            ]
        ),
        .target(
            name: "PNNDaemon",
            dependencies: [
                "PNNCore", "PNNPhysics", "PNNProtocol", "PNNDevices", "PNNRecorder", "PNNSystemd", "PNNConfig",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .target(
            name: "PNNClient",
            dependencies: [
                "PNNCore", "PNNProtocol",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "pnnd",
            dependencies: [
                "PNNDaemon", "PNNConfig", "PNNSystemd",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "pnn",
            dependencies: [
                "PNNCore", "PNNPhysics", "PNNDevices", "PNNProtocol", "PNNClient", "PNNRecorder",
                "PNNTraining", "PNNData", "PNNDaemon", "PNNConfig",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "pnn-bench",
            dependencies: [
                "PNNCore", "PNNPhysics", "PNNProtocol", "PNNClient", "PNNTraining", "PNNDaemon", "PNNConfig", "PNNDevices",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(name: "PNNTestSupport", path: "Tests/PNNTestSupport"),
        .testTarget(name: "PNNCoreTests", dependencies: ["PNNCore"]),
        .testTarget(name: "PNNPhysicsTests", dependencies: ["PNNCore", "PNNPhysics"]),
        .testTarget(name: "PNNDevicesTests", dependencies: ["PNNDevices"]),
        .testTarget(
            name: "PNNProtocolTests",
            dependencies: [
                "PNNProtocol",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ]
        ),
        .testTarget(name: "PNNRecorderTests", dependencies: ["PNNRecorder", "PNNCore"]),
        .testTarget(name: "PNNSystemdTests", dependencies: ["PNNSystemd", "PNNTestSupport"]),
        .testTarget(name: "PNNConfigTests", dependencies: ["PNNConfig", "PNNDevices"]),
        .testTarget(
            name: "PNNDaemonTests",
            dependencies: [
                "PNNDaemon", "PNNProtocol", "PNNDevices", "PNNPhysics", "PNNCore", "PNNRecorder",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        .testTarget(
            name: "PNNIntegrationTests",
            dependencies: [
                "PNNClient", "PNNProtocol", "PNNCore", "PNNPhysics", "PNNRecorder", "PNNTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .testTarget(name: "PNNCLITests", dependencies: ["PNNCore", "PNNTestSupport"]),
        .testTarget(name: "PNNDataTests", dependencies: ["PNNData", "PNNCore"]),
        .testTarget(
            name: "PNNTrainingTests",
            dependencies: ["PNNTraining", "PNNData", "PNNPhysics", "PNNCore", "PNNTestSupport"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
