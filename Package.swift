// swift-tools-version:6.2
import PackageDescription

let strict: [SwiftSetting] = [
    .treatAllWarnings(as: .error),
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "Faultline",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "FaultlineHTTP", targets: ["FaultlineHTTP"]),
        .executable(name: "faultline", targets: ["faultline"]),
        .library(name: "FaultProxy", targets: ["FaultProxy"]),
        .library(name: "FaultProfiles", targets: ["FaultProfiles"]),
        .library(name: "ProxyControl", targets: ["ProxyControl"]),
        .library(name: "MockComfy", targets: ["MockComfy"]),
        .library(name: "ComfyClient", targets: ["ComfyClient"]),
        .library(name: "FaultHarness", targets: ["FaultHarness"]),
        .library(name: "ChildProcess", targets: ["ChildProcess"]),
    ],
    // TLS (https:// and wss:// in the reference client) is a trait, off by default: Faultline's
    // servers are on loopback, and BoringSSL is most of a fresh build's time. `swift build --traits TLS`.
    traits: [
        .trait(name: "TLS", description: "https:// and wss:// for the reference client (swift-nio-ssl)")
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.6.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.0.0"),
        // No traits: Hummingbird's default ConfigurationSupport builds swift-configuration, unused here.
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.20.0", traits: []),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket.git", from: "2.6.0"),
        .package(url: "https://github.com/hummingbird-project/swift-websocket.git", from: "1.6.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.80.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.30.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CLibUV",
            pkgConfig: "libuv",
            providers: [.apt(["libuv1-dev"])]
        ),
        .target(
            name: "FaultProxy",
            dependencies: ["CLibUV", "FaultlineLocking", "FaultlineUnits", "FaultlineJSON"],
            swiftSettings: strict,
            plugins: ["FaultCatalogPlugin"]
        ),
        .target(
            name: "FaultlineUnits",
            swiftSettings: strict
        ),
        // Lists every type conforming to `Fault` in FaultProxy, so a new fault is one file and its test.
        .executableTarget(
            name: "fault-catalog-generator",
            path: "Plugins/FaultCatalogGenerator",
            swiftSettings: strict
        ),
        .plugin(
            name: "FaultCatalogPlugin",
            capability: .buildTool(),
            dependencies: ["fault-catalog-generator"]
        ),
        .target(
            name: "FaultProfiles",
            dependencies: ["FaultProxy", "FaultlineUnits", "FaultlineJSON", .product(name: "Yams", package: "Yams")],
            swiftSettings: strict
        ),
        .target(
            name: "FaultlineJSON",
            swiftSettings: strict
        ),
        .target(
            name: "FaultlineServing",
            dependencies: [.product(name: "Hummingbird", package: "hummingbird")],
            swiftSettings: strict
        ),
        .target(
            name: "ProxyControl",
            dependencies: [
                "FaultlineLocking",
                "FaultProxy", "FaultProfiles", "FaultlineJSON", "FaultlineServing",
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "MockComfy",
            dependencies: [
                "FaultlineLocking", "FaultlineJSON", "FaultlineServing", "ChildProcess",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "FaultlineHTTP",
            dependencies: [
                "FaultlineLocking",
                .product(name: "WSCore", package: "swift-websocket"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOSSL", package: "swift-nio-ssl", condition: .when(traits: ["TLS"])),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "ComfyClient",
            dependencies: [
                "FaultlineLocking",
                "FaultlineScope",
                "FaultlineJSON",
                "FaultlineHTTP",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "FaultlineLocking",
            swiftSettings: strict
        ),
        .target(
            name: "FaultlineScope",
            swiftSettings: strict
        ),
        .target(
            name: "ChildProcess",
            dependencies: ["FaultlineLocking", "FaultlineJSON"],
            swiftSettings: strict
        ),
        .target(
            name: "FaultHarness",
            dependencies: [
                "FaultlineLocking", "FaultlineScope", "FaultProxy", "FaultProfiles", "MockComfy", "ComfyClient",
                "ProxyControl", "ChildProcess",
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "faultline",
            dependencies: [
                "FaultProxy", "FaultProfiles", "ProxyControl", "MockComfy", "ComfyClient", "FaultHarness", "ChildProcess",
                "FaultlineJSON", "FaultlineUnits",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "faultline-bench",
            dependencies: ["FaultProxy"],
            path: "Benchmarks/FaultlineBench",
            swiftSettings: strict
        ),
        // Helpers the test targets share (polling, sockets, servers, spawned processes): one copy of each.
        .target(
            name: "FaultlineTestSupport",
            dependencies: ["ChildProcess", "FaultlineScope", "FaultProxy"],
            path: "Tests/TestSupport",
            swiftSettings: strict
        ),
        .testTarget(name: "FaultlineHTTPTests", dependencies: ["FaultlineHTTP"], swiftSettings: strict),
        .testTarget(
            name: "FaultProxyTests",
            dependencies: [
                "FaultProxy", "CLibUV", "ChildProcess", "FaultlineLocking", "FaultlineTestSupport", "FaultHarness",
            ],
            swiftSettings: strict),
        .testTarget(
            name: "FaultProfilesTests", dependencies: ["FaultProfiles", "FaultProxy", "ChildProcess"],
            exclude: ["Fixtures"], swiftSettings: strict),
        .testTarget(
            name: "ProxyControlTests",
            dependencies: [
                "ProxyControl", "FaultProxy", "FaultProfiles", "ChildProcess", "FaultlineTestSupport", "FaultHarness",
                "FaultlineScope",
            ],
            swiftSettings: strict),
        .testTarget(
            name: "MockComfyTests",
            dependencies: [
                "MockComfy", "ChildProcess", "FaultlineHTTP", "FaultlineTestSupport", "FaultlineScope", "FaultProxy",
            ],
            exclude: ["Fixtures"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "ComfyClientTests",
            dependencies: [
                "ComfyClient", "MockComfy", "ChildProcess", "FaultHarness", "FaultlineScope", "FaultlineTestSupport", "FaultProxy",
            ],
            swiftSettings: strict),
        .testTarget(
            name: "FuzzTests", dependencies: ["FaultProfiles", "FaultProxy", "ProxyControl", "MockComfy", "FaultlineJSON"],
            swiftSettings: strict),
        .testTarget(
            name: "FaultHarnessTests",
            dependencies: [
                "FaultHarness", "ComfyClient", "FaultProxy", "ChildProcess", "ProxyControl", "FaultlineTestSupport",
            ],
            swiftSettings: strict),
    ]
)
