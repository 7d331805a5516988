// swift-tools-version:6.1
import PackageDescription

import class Foundation.ProcessInfo

let package = Package(
    name: "Armory",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "armory", targets: ["armory"]),
        .library(name: "ArmoryCore", targets: ["ArmoryCore"]),
        .library(name: "ArmoryLedger", targets: ["ArmoryLedger"]),
        .library(name: "ArmoryStore", targets: ["ArmoryStore"]),
        .library(name: "ArmoryDelivery", targets: ["ArmoryDelivery"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
    ],
    targets: [
        // Pure domain: people, firearms, lots, the rules engine. No I/O, no clock, no globals.
        .target(name: "ArmoryCore"),
        // The tamper-evident log: entries, Merkle tree, checkpoints, proofs, bundles.
        .target(
            name: "ArmoryLedger",
            dependencies: [
                "ArmoryCore",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // Durable storage of productions' logs: SQLite (embedded default) and PostgreSQL.
        .target(
            name: "ArmoryStore",
            dependencies: [
                "ArmoryCore",
                "ArmoryLedger",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // libqrencode (Debian's libqrencode-dev) for the QR labels.
        .systemLibrary(name: "CQRencode", pkgConfig: "libqrencode", providers: [.apt(["libqrencode-dev"])]),
        // One writer per production: the log cache, group commit and live events. No HTTP.
        .target(
            name: "ArmoryHub",
            dependencies: [
                "ArmoryCore",
                "ArmoryLedger",
                "ArmoryStore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // Alarm delivery channels: webhooks (Alertmanager format), e-mail over SMTP, and Web
        // Push to phones (RFC 8030, its encryption RFC 8291, the server's VAPID identity RFC 8292).
        .target(
            name: "ArmoryDelivery",
            dependencies: [
                "ArmoryCore",
                "ArmoryLedger",
                "ArmoryStore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The JSON API: its routes, sign-in and roles, the recorder every step goes through,
        // metrics, and the OpenAPI document (a resource file).
        .target(
            name: "ArmoryAPI",
            dependencies: [
                "ArmoryCore",
                "ArmoryLedger",
                "ArmoryStore",
                "ArmoryHub",
                "ArmoryDelivery",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ],
            resources: [.copy("Resources/openapi.json")]
        ),
        // The pages: templates, stylesheet and script (resource files), QR labels, the
        // timeline drawing and the tablet's forms. They use the API's services (the
        // recorder, the sign-in book), never its handlers.
        .target(
            name: "ArmoryPages",
            dependencies: [
                "ArmoryCore",
                "ArmoryLedger",
                "ArmoryStore",
                "ArmoryHub",
                "ArmoryAPI",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Mustache", package: "swift-mustache"),
                "CQRencode",
            ],
            resources: [.copy("Templates"), .copy("Static")]
        ),
        // The server `armory serve` runs: the API and the pages on one router, one
        // `buildApplication`. Only wiring: it sees both, and neither sees it.
        .target(
            name: "ArmoryServer",
            dependencies: [
                "ArmoryAPI",
                "ArmoryPages",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // The command-line tool.
        .executableTarget(
            name: "armory",
            dependencies: [
                "ArmoryCore",
                "ArmoryLedger",
                "ArmoryStore",
                "ArmoryHub",
                "ArmoryAPI",
                "ArmoryServer",
                "ArmoryDelivery",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "ArmoryCoreTests",
            dependencies: [
                "ArmoryCore",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ]
        ),
        .testTarget(
            name: "ArmoryDeliveryTests",
            dependencies: [
                "ArmoryDelivery",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "ArmoryLedgerTests",
            dependencies: ["ArmoryLedger"],
            // Bundles written by earlier mains, read by path (OldBundleTests, tests/e2e).
            exclude: ["Fixtures"]
        ),
        .testTarget(
            name: "ArmoryServerTests",
            dependencies: [
                "ArmoryHub", "ArmoryAPI", "ArmoryPages", "ArmoryServer",
                .product(name: "HummingbirdTesting", package: "hummingbird"), .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        .testTarget(
            name: "ArmoryStoreTests",
            dependencies: ["ArmoryStore", .product(name: "GRDB", package: "GRDB.swift")],
            // Databases written by earlier mains, read by path (ReadOnlyOpeningTests, ArmoryServerTests).
            exclude: ["Fixtures"]
        ),
    ]
)

// Benchmarks (ordo-one/benchmark) build in release and take minutes, so they are added only
// when asked for: `ARMORY_BENCHMARKS=1 swift package benchmark` (see scripts/bench).
// CI's single debug build never sees them.
if ProcessInfo.processInfo.environment["ARMORY_BENCHMARKS"] != nil {
    package.dependencies.append(
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"])
    )
    package.targets.append(contentsOf: [
        .executableTarget(
            name: "EngineBenchmarks",
            dependencies: ["ArmoryCore", .product(name: "Benchmark", package: "benchmark")],
            path: "Benchmarks/EngineBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "LedgerBenchmarks",
            dependencies: [
                "ArmoryCore", "ArmoryLedger",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/LedgerBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "HelloServer",
            dependencies: [.product(name: "Hummingbird", package: "hummingbird"), .product(name: "GRDB", package: "GRDB.swift")],
            path: "Benchmarks/HelloServer"
        ),
        .executableTarget(
            name: "StoreBenchmarks",
            dependencies: [
                "ArmoryCore", "ArmoryLedger", "ArmoryStore", "ArmoryHub",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/StoreBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ])
}

// Fuzz targets (libFuzzer, one executable per parser that reads outside input) are added
// only when asked for: `scripts/fuzz` builds them with ARMORY_FUZZ=1 in .build-fuzz with
// `-sanitize=fuzzer,address -parse-as-library` (docs/FUZZING.md). CI's single debug build
// never sees them.
if ProcessInfo.processInfo.environment["ARMORY_FUZZ"] != nil {
    let fuzzTargets = [
        "FuzzJSON", "FuzzStep", "FuzzScenario", "FuzzSignedNote", "FuzzCheckpoint", "FuzzTlogProof",
        "FuzzLogEntry", "FuzzLogReplay", "FuzzBundleArchive", "FuzzBundleMutation", "FuzzMerkleProof", "FuzzCallSheet",
        "FuzzWitnessRequest", "FuzzTilePath", "FuzzMirrorRequest",
    ]
    package.targets.append(
        .target(
            name: "FuzzSupport",
            dependencies: ["ArmoryCore", "ArmoryLedger"],
            path: "Fuzz/FuzzSupport"
        )
    )
    package.targets.append(contentsOf: fuzzTargets.map { name in
        .executableTarget(name: name, dependencies: ["ArmoryCore", "ArmoryLedger", "FuzzSupport"], path: "Fuzz/\(name)")
    })
}
