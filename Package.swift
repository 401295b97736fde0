// swift-tools-version: 6.0
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
    // Exclusivity is still proven at compile time; release builds skip the run-time
    // re-check, which cost ~9% of CPU per command in profiles of the hot path.
    .unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release)),
]

let package = Package(
    name: "Cairn",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "cairn-server", targets: ["cairn-server"]),
        .executable(name: "cairn-check-aof", targets: ["cairn-check-aof"]),
        // For the libFuzzer targets in Fuzz/, a package of their own (built with -sanitize=fuzzer).
        .library(name: "CairnProtocol", targets: ["CairnProtocol"]),
        .library(name: "CairnLog", targets: ["CairnLog"]),
        .library(name: "CairnCommands", targets: ["CairnCommands"]),
        .library(name: "CairnConfig", targets: ["CairnConfig"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        // RESP2 wire format: request decoding and reply encoding. No state, no I/O.
        .target(
            name: "CairnProtocol",
            dependencies: [.product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: strict
        ),
        // Typed values, databases and expiry. No I/O.
        .target(name: "CairnKeyspace",
                dependencies: ["CCairnShims",
                               .product(name: "OrderedCollections", package: "swift-collections"),
                               .product(name: "DequeModule", package: "swift-collections")],
                swiftSettings: strict),
        // Directive definitions shared by the config file, flags and CONFIG GET/SET.
        .target(name: "CairnConfig", dependencies: ["CairnProtocol"], swiftSettings: strict),
        // Lua 5.1 from Debian (liblua5.1-0-dev), the interpreter Redis embeds.
        .systemLibrary(name: "CLua", pkgConfig: "lua5.1", providers: [.apt(["liblua5.1-0-dev"])]),
        // The C functions Lua calls: errors are raised (longjmp) only in C frames.
        .target(name: "CCairnLua", dependencies: ["CLua"], exclude: ["vendor/README.md"],
                linkerSettings: [.linkedLibrary("dl")]),
        // One sandboxed interpreter as Redis sets it up, and the conversions between Lua
        // values and RESP replies. Knows nothing of commands.
        .target(name: "CairnLua", dependencies: ["CLua", "CCairnLua", "CairnProtocol",
                                                 .product(name: "NIOCore", package: "swift-nio")],
                swiftSettings: strict),
        // The command table and every command. Reads args, touches the keyspace, writes replies. No I/O.
        .target(
            name: "CairnCommands",
            dependencies: ["CairnProtocol", "CairnKeyspace", "CairnConfig", "CairnLua", "CairnLog",
                           .product(name: "Crypto", package: "swift-crypto"),
                           .product(name: "Histogram", package: "hdrhistogram-swift"),
                           .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                           .product(name: "OrderedCollections", package: "swift-collections"),
                           .product(name: "DequeModule", package: "swift-collections"),
                           .product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: strict
        ),
        // The append-only file: format, file-system seam, manifest, reader and writer.
        .target(
            name: "CairnLog",
            dependencies: ["CCairnShims", "CairnProtocol", .product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: strict
        ),
        // A simulated file system for crash tests: loses, tears or zero-fills what was not fsynced.
        .target(name: "CairnLogTesting", dependencies: ["CairnLog", .product(name: "NIOConcurrencyHelpers", package: "swift-nio")],
                swiftSettings: strict),
        // What every test target shares (a seeded random generator).
        .target(name: "CairnTestSupport", swiftSettings: strict),
        // The few C library facts Swift's Glibc module does not expose.
        .target(name: "CCairnShims"),
        .target(name: "CairnTransport",
                dependencies: ["CCairnShims",
                               .product(name: "NIOCore", package: "swift-nio"),
                               .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                               .product(name: "DequeModule", package: "swift-collections"),
                               .product(name: "HeapModule", package: "swift-collections")],
                swiftSettings: strict),
        // glibc's malloc with a live count of the bytes allocated (INFO's used_memory).
        .target(name: "CCairnAllocator"),
        // Networking, connections, lifecycle: where I/O lives.
        .target(
            name: "CairnServer",
            dependencies: ["CCairnShims", "CCairnAllocator", "CairnProtocol", "CairnLog", "CairnKeyspace", "CairnConfig", "CairnCommands",
                           "CairnTransport",
                           .product(name: "NIOCore", package: "swift-nio"),
                           .product(name: "NIOPosix", package: "swift-nio"),
                           .product(name: "NIOSSL", package: "swift-nio-ssl"),
                           .product(name: "NIOHTTP1", package: "swift-nio"),
                           .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                           .product(name: "Logging", package: "swift-log"),
                           .product(name: "Prometheus", package: "swift-prometheus"),
                           .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "cairn-server",
            dependencies: ["CairnServer", "CairnConfig", "CairnLog",
                           .product(name: "ArgumentParser", package: "swift-argument-parser"),
                           .product(name: "CoreMetrics", package: "swift-metrics"),
                           .product(name: "Prometheus", package: "swift-prometheus"),
                           .product(name: "Logging", package: "swift-log"),
                           .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")],
            swiftSettings: strict
        ),
        // Checks and repairs append-only files, as redis-check-aof does.
        .executableTarget(
            name: "cairn-check-aof",
            dependencies: ["CairnLog", "CairnProtocol", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: strict
        ),
        // Measures the keyspace alone (lookups, updates, snapshot stalls); see docs/benchmarks.md.
        .executableTarget(name: "cairn-keyspace-bench", dependencies: ["CairnKeyspace"], swiftSettings: strict),
        // Measures the engine alone (decode, execute, reply; no network); see docs/benchmarks.md.
        .executableTarget(name: "cairn-engine-bench",
                          dependencies: ["CairnCommands", "CairnProtocol", .product(name: "NIOCore", package: "swift-nio")],
                          swiftSettings: strict),
        .testTarget(name: "CairnLogTests", dependencies: ["CairnTestSupport", "CairnLog", "CairnLogTesting", "CairnProtocol", "CairnCommands", "CairnKeyspace", "CairnConfig",
                                                         .product(name: "NIOCore", package: "swift-nio"),
                                                         .product(name: "NIOConcurrencyHelpers", package: "swift-nio")], swiftSettings: strict),
        .testTarget(name: "CairnProtocolTests", dependencies: ["CairnTestSupport", "CairnProtocol"], swiftSettings: strict),
        .testTarget(name: "CairnKeyspaceTests", dependencies: ["CairnKeyspace"], swiftSettings: strict),
        .testTarget(name: "CairnConfigTests", dependencies: ["CairnTestSupport", "CairnConfig", "CairnProtocol"], swiftSettings: strict),
        // Connections without sockets: ConnectionHandler on SwiftNIO's EmbeddedChannel.
        .testTarget(name: "CairnServerTests", dependencies: ["CairnServer", "CairnCommands", "CairnProtocol", "CairnConfig",
                                                            .product(name: "Histogram", package: "hdrhistogram-swift"),
                                                            .product(name: "NIOCore", package: "swift-nio"),
                                                            .product(name: "NIOEmbedded", package: "swift-nio"),
                                                            .product(name: "Logging", package: "swift-log")], swiftSettings: strict),
        .testTarget(name: "CairnTransportTests", dependencies: ["CairnTransport",
                                                               .product(name: "NIOCore", package: "swift-nio"),
                                                               .product(name: "NIOConcurrencyHelpers", package: "swift-nio")],
                    swiftSettings: strict),
        .testTarget(name: "CairnLuaTests", dependencies: ["CairnLua", "CairnProtocol",
                                                         .product(name: "NIOCore", package: "swift-nio")], swiftSettings: strict),
        .testTarget(name: "CairnCommandsTests", dependencies: ["CairnTestSupport", "CairnCommands", "CairnProtocol", "CairnKeyspace", "CairnConfig", "CairnLog",
                                                              .product(name: "NIOCore", package: "swift-nio")], swiftSettings: strict),
    ],
    swiftLanguageModes: [.v6]
)
