// swift-tools-version: 6.0
// Cairn's coverage-guided fuzzers (libFuzzer). Not part of the main build: every target
// here is compiled with -sanitize=fuzzer, which provides `main`. Run them with
// scripts/fuzz.sh; see docs/reliability.md.
import PackageDescription

let package = Package(
    name: "CairnFuzz",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(name: "Cairn", path: ".."),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    ],
    targets: [
        // Hands control to libFuzzer's driver from each target's entry point.
        .target(name: "CFuzzDriver"),
        // RESP requests, whole and split at a point the input chooses: the same requests
        // and the same protocol error must come out either way.
        .executableTarget(name: "fuzz-request-decoder",
                          dependencies: ["CFuzzDriver", .product(name: "CairnProtocol", package: "Cairn"),
                                         .product(name: "NIOCore", package: "swift-nio")]),
        // A log file's bytes through LogReader, and a manifest's through Manifest.parse.
        .executableTarget(name: "fuzz-log-reader",
                          dependencies: ["CFuzzDriver", .product(name: "CairnLog", package: "Cairn"),
                                         .product(name: "CairnProtocol", package: "Cairn")]),
        // Requests decoded from the input and run against a live engine, in and out of MULTI.
        .executableTarget(name: "fuzz-commands",
                          dependencies: ["CFuzzDriver", .product(name: "CairnCommands", package: "Cairn"),
                                         .product(name: "CairnConfig", package: "Cairn"),
                                         .product(name: "CairnProtocol", package: "Cairn"),
                                         .product(name: "NIOCore", package: "swift-nio")]),
    ],
    swiftLanguageModes: [.v6]
)
