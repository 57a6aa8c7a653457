// swift-tools-version: 6.0
// Group-commit benchmark of the SQLite history store: publishers that wait for their own commit,
// one at a time versus many at once. Its own package, so it never slows the main build.
import Foundation
import PackageDescription

/// SwiftPM names a path dependency after its folder, whatever the clone is called.
let rootIdentity = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().lastPathComponent.lowercased()

let package = Package(
    name: "history-store-bench",
    platforms: [.macOS(.v14)],
    dependencies: [.package(path: "../..")],
    targets: [
        .executableTarget(
            name: "history-store-bench",
            dependencies: [
                .product(name: "WokRouterCore", package: rootIdentity),
                .product(name: "WokHistorySQLite", package: rootIdentity),
                .product(name: "WokJSON", package: rootIdentity),
            ]
        ),
    ]
)
