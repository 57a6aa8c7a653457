// swift-tools-version: 6.0
// wok-router: a notification router and push server for WoK and its plugins.
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "wok-router",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "wok-router", targets: ["wok-router"]),
        .library(name: "WokJSON", targets: ["WokJSON"]),
        .library(name: "WokSchema", targets: ["WokSchema"]),
        .library(name: "WokRouterCore", targets: ["WokRouterCore"]),
        .library(name: "WokHistorySQLite", targets: ["WokHistorySQLite"]),
        .library(name: "WokHistoryPostgres", targets: ["WokHistoryPostgres"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/vapor/sqlite-nio", from: "1.13.2"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
        // The push server (WokServer)
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.3"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket", from: "2.8.1"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/vapor/jwt-kit", from: "5.8.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
    ],
    targets: [
        // MARK: System libraries
        .systemLibrary(name: "CJansson", pkgConfig: "jansson", providers: [.apt(["libjansson-dev"])]),
        .systemLibrary(name: "CPCRE2", pkgConfig: "libpcre2-8", providers: [.apt(["libpcre2-dev"])]),

        // MARK: Modules, in the order a notification travels through them
        .target(name: "WokJSON", dependencies: ["CJansson"], swiftSettings: swiftSettings),
        .target(name: "WokSchema", dependencies: ["WokJSON", "CPCRE2"], swiftSettings: swiftSettings),
        .target(
            name: "WokRouterCore",
            dependencies: [
                "WokJSON", "WokSchema",
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),
        // The SQLite history engine: uses the SQLite C library that sqlite-nio vendors (module VaporCSQLite).
        .target(
            name: "WokHistorySQLite",
            dependencies: [
                "WokRouterCore", "WokJSON",
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),
        // The PostgreSQL history engine: several routers share one database (LISTEN/NOTIFY).
        .target(
            name: "WokHistoryPostgres",
            dependencies: [
                "WokRouterCore", "WokJSON",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),

        // MARK: The push server: HTTP API on Hummingbird, /push on a lean NIO handler
        .target(
            name: "WokServer",
            dependencies: [
                "WokJSON", "WokSchema", "WokRouterCore", "WokHistorySQLite", "WokHistoryPostgres",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
                .product(name: "NIOExtras", package: "swift-nio-extras"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "TOMLKit", package: "TOMLKit"),
            ],
            swiftSettings: swiftSettings
        ),

        // MARK: The command line
        .executableTarget(
            name: "wok-router",
            dependencies: [
                "WokJSON", "WokSchema", "WokRouterCore", "WokHistorySQLite", "WokServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),

        // MARK: Tests
        .testTarget(name: "WokJSONTests", dependencies: ["WokJSON"], swiftSettings: swiftSettings),
        .testTarget(
            name: "WokSchemaTests", dependencies: ["WokSchema", "WokJSON"],
            exclude: ["conformance-expectations.txt"],  // read by ConformanceTests through #filePath
            swiftSettings: swiftSettings
        ),
        // Runs the built `wok-router` binary as a real process (depends on it so it is built first).
        .testTarget(name: "WokRouterCLITests", dependencies: ["wok-router", "WokJSON"], swiftSettings: swiftSettings),
        .testTarget(
            name: "WokRouterCoreTests",
            dependencies: [
                "WokRouterCore", "WokJSON", "WokSchema",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "WokHistorySQLiteTests",
            dependencies: [
                "WokHistorySQLite", "WokHistoryPostgres", "WokRouterCore", "WokJSON",
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "WokHistoryPostgresTests",
            dependencies: [
                "WokHistoryPostgres", "WokRouterCore", "WokJSON",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "WokServerTests",
            dependencies: [
                "WokServer", "WokRouterCore", "WokJSON",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
