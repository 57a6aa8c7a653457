import Foundation
import Testing
import WokJSON
@testable import WokSchema

/// Runs the official suite's `optional/format/*.json` cases whose schema is a lone `format`
/// straight through `FormatChecker`, and its `ecmascript-regex.json` and `non-bmp-regex.json`
/// cases whose schema is a lone `pattern` through `ECMARegex`: the formats and the regex engine
/// tested apart from the schema engine.
@Suite struct FormatSuiteTests {
    /// Cases known to fail, by "draft/file: group / test", each with the reason.
    static let expectedFailures: [String: String] = [:]

    static let drafts: [(folder: String, draft: Draft)] = [
        ("draft3", .draft3), ("draft4", .draft4), ("draft6", .draft6), ("draft7", .draft7),
        ("draft2019-09", .draft2019_09), ("draft2020-12", .draft2020_12),
    ]

    @Test(arguments: drafts.map(\.folder))
    func formatCasesOfTheOfficialSuite(folder: String) throws {
        let draft = Self.drafts.first { $0.folder == folder }!.draft
        let dir = try TestSuiteLocation.tests().appendingPathComponent(folder).appendingPathComponent("optional/format")
        var checked = 0
        var failures: [String] = []
        for file in try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() where file.hasSuffix(".json") {
            let groups = try TestSuiteLocation.load(dir.appendingPathComponent(file))
            for group in groups.elements {
                let schema = group["schema"]!
                guard let format = schema["format"]?.string, schema.keys.allSatisfy({ $0 == "format" || $0 == "$schema" }) else { continue }
                for test in group["tests"]!.elements {
                    let expected = test["valid"]!.bool!
                    let actual = FormatChecker.check(format, test["data"]!, draft: draft) ?? true
                    let name = "\(folder)/\(file): \(group["description"]!.string!) / \(test["description"]!.string!)"
                    checked += 1
                    if actual != expected, Self.expectedFailures[name] == nil { failures.append(name) }
                }
            }
        }
        #expect(checked > 20)
        #expect(failures.isEmpty, "\(failures.count) of \(checked) failed:\n\(failures.joined(separator: "\n"))")
    }

    @Test(arguments: drafts.map(\.folder))
    func patternCasesOfTheOfficialSuite(folder: String) throws {
        let dir = try TestSuiteLocation.tests().appendingPathComponent(folder).appendingPathComponent("optional")
        var failures: [String] = []
        var checked = 0
        for file in ["ecmascript-regex.json", "non-bmp-regex.json"] {
            let url = dir.appendingPathComponent(file)
            guard FileManager.default.fileExists(atPath: url.path) else { continue }
            for group in try TestSuiteLocation.load(url).elements {
                let schema = group["schema"]!
                guard let pattern = schema["pattern"]?.string,
                      schema.keys.allSatisfy({ ["pattern", "$schema", "type"].contains($0) }) else { continue }
                let regex = try ECMARegex(pattern)
                for test in group["tests"]!.elements {
                    guard let text = test["data"]!.string else { continue }
                    checked += 1
                    if (regex.search(text) == .match) != test["valid"]!.bool! {
                        failures.append("\(folder)/\(file): \(group["description"]!.string!) / \(test["description"]!.string!)")
                    }
                }
            }
        }
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
        if folder != "draft3" { #expect(checked > 0) }
    }
}

/// Where the official JSON Schema test suite is: `$JSON_SCHEMA_TEST_SUITE`, or
/// `../shared/json-schema-test-suite` next to the repository.
enum TestSuiteLocation {
    static func tests() throws -> URL {
        if let env = ProcessInfo.processInfo.environment["JSON_SCHEMA_TEST_SUITE"] {
            return URL(fileURLWithPath: env).appendingPathComponent("tests")
        }
        var dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        for _ in 0..<5 {
            let candidate = dir.appendingPathComponent("shared/json-schema-test-suite/tests")
            if FileManager.default.fileExists(atPath: candidate.path) { return candidate }
            let sibling = dir.appendingPathComponent("../shared/json-schema-test-suite/tests").standardized
            if FileManager.default.fileExists(atPath: sibling.path) { return sibling }
            dir.deleteLastPathComponent()
        }
        throw SuiteNotFound()
    }

    /// Loads a suite file the way the conformance run does.
    static func load(_ url: URL) throws -> JSON { try ConformanceSuite.load(url) }

    struct SuiteNotFound: Error, CustomStringConvertible {
        var description: String { "the JSON Schema test suite was not found: set JSON_SCHEMA_TEST_SUITE" }
    }
}
