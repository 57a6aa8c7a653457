// swift-tools-version: 6.0
// The validation benchmark: wok-router's JSON parse and schema validation, timed in a release build.
// Run through ./run.sh, which also runs ajv and jsonschema-rs on the same data and prints ratios.
import PackageDescription

let package = Package(
    name: "validation-bench",
    platforms: [.macOS(.v14)],
    dependencies: [
        // run.sh links .deps/wok-router to the repository root, so the identity is the same in every checkout.
        .package(path: ".deps/wok-router"),
    ],
    targets: [
        .executableTarget(
            name: "validation-bench",
            dependencies: [
                .product(name: "WokJSON", package: "wok-router"),
                .product(name: "WokSchema", package: "wok-router"),
            ]
        ),
    ]
)
