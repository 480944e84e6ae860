// swift-tools-version:6.2
// libFuzzer targets for the parsers that take outside input. A package of its own, so that its
// instrumented build (every module compiled with -sanitize=fuzzer, in Fuzz/.build) never touches the
// main build. Build and run with Fuzz/run.sh; see Fuzz/README.md.
import PackageDescription

let package = Package(
    name: "FaultlineFuzz",
    platforms: [.macOS(.v15)],
    dependencies: [.package(name: "Faultline", path: "..")],
    targets: [
        .target(name: "FuzzDriver", path: "Targets/FuzzDriver"),
        .executableTarget(
            name: "fuzz-profile",
            dependencies: ["FuzzDriver", .product(name: "FaultProfiles", package: "Faultline")],
            path: "Targets/FuzzProfile"),
        .executableTarget(
            name: "fuzz-control",
            dependencies: ["FuzzDriver", .product(name: "ProxyControl", package: "Faultline")],
            path: "Targets/FuzzControl"),
        .executableTarget(
            name: "fuzz-prompt",
            dependencies: ["FuzzDriver", .product(name: "MockComfy", package: "Faultline")],
            path: "Targets/FuzzPrompt"),
    ]
)
