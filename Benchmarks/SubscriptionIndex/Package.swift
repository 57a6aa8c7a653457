// swift-tools-version: 6.0
// Micro-benchmark of WokRouterCore's SubscriptionIndex against a naive matcher (every filter
// tested on every publish). Its own package, so benchmark code never slows the main build.
import Foundation
import PackageDescription

/// SwiftPM names a path dependency after its folder, whatever the clone is called.
let rootIdentity = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().lastPathComponent.lowercased()

let package = Package(
    name: "subscription-index-bench",
    platforms: [.macOS(.v14)],
    dependencies: [.package(path: "../..")],
    targets: [
        .executableTarget(
            name: "subscription-index-bench",
            dependencies: [.product(name: "WokRouterCore", package: rootIdentity)],
            swiftSettings: [.unsafeFlags(["-Ounchecked"])]
        ),
    ]
)
