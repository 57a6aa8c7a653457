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
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        // MARK: System libraries
        .systemLibrary(name: "CJansson", pkgConfig: "jansson", providers: [.apt(["libjansson-dev"])]),
        .systemLibrary(name: "CPCRE2", pkgConfig: "libpcre2-8", providers: [.apt(["libpcre2-dev"])]),

        // MARK: Modules, in the order a notification travels through them
        .target(name: "WokJSON", dependencies: ["CJansson"], swiftSettings: swiftSettings),
        .target(name: "WokSchema", dependencies: ["WokJSON", "CPCRE2"], swiftSettings: swiftSettings),

        // MARK: The command line
        .executableTarget(
            name: "wok-router",
            dependencies: [
                "WokJSON", "WokSchema",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),

        // MARK: Tests
        .testTarget(name: "WokJSONTests", dependencies: ["WokJSON"], swiftSettings: swiftSettings),
        .testTarget(name: "WokSchemaTests", dependencies: ["WokSchema", "WokJSON"], swiftSettings: swiftSettings),
    ]
)
