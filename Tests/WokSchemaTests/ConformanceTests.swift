import Foundation
import Testing
import WokJSON
@testable import WokSchema

/// Runs every file of the official JSON-Schema-Test-Suite (required and `optional/`, all six
/// drafts) through `SchemaCompiler`/`Validator`, with `http://localhost:1234/` served from the
/// suite's `remotes/`. Known failures are listed, each with its reason, in
/// `conformance-expectations.txt`: the run fails on any unlisted failure and on any listed case
/// that now passes. Set `WOK_SUITE_WRITE_FAILURES=PATH` to write the current failures there.
@Suite struct ConformanceTests {
    static let drafts: [(folder: String, draft: Draft)] = [
        ("draft3", .draft3), ("draft4", .draft4), ("draft6", .draft6), ("draft7", .draft7),
        ("draft2019-09", .draft2019_09), ("draft2020-12", .draft2020_12),
    ]

    @Test func officialSuitePassesExceptListedCases() throws {
        let suite = try ConformanceSuite.root()
        let expectations = try ConformanceSuite.expectations()
        let retriever = try DirectoryRetriever(mappings: [("http://localhost:1234/", suite.appendingPathComponent("remotes").path)])
        var failures: [String: String] = [:]
        var summary: [String] = []
        var totalRequired = (0, 0)

        for (folder, draft) in Self.drafts {
            let base = suite.appendingPathComponent("tests").appendingPathComponent(folder)
            var counts = ["required": (0, 0), "optional": (0, 0)]
            for file in ConformanceSuite.files(under: base) {
                let relative = folder + "/" + file
                let kind = file.hasPrefix("optional/") ? "optional" : "required"
                // Format-like assertions (format, draft-7 content) are what the optional files test.
                let asserts = file.hasPrefix("optional/format/") || file == "optional/content.json"
                var options = SchemaOptions(defaultDraft: draft, assertFormat: asserts)
                options.regexMatchLimit = 1_000_000
                let groups = try ConformanceSuite.load(base.appendingPathComponent(file))
                for group in groups.elements {
                    let groupName = group["description"]?.string ?? "?"
                    let compiler = SchemaCompiler(options: options, retriever: retriever)
                    let compiled = Result { () throws(SchemaError) -> Validator in try compiler.compile(group["schema"]!) }
                    for test in group["tests"]!.elements {
                        let key = "\(relative) | \(groupName) | \(test["description"]?.string ?? "?")"
                        let expected = test["valid"]?.bool ?? false
                        let data = test["data"] ?? .null
                        var reason: String? = nil
                        switch compiled {
                        case .failure(let error):
                            reason = "does not compile: \(error)"
                        case .success(let validator):
                            let valid = validator.isValid(data)
                            let errors = validator.validate(data)
                            if valid != expected {
                                reason = "expected \(expected ? "valid" : "invalid"), got \(valid ? "valid" : "invalid")"
                                    + (errors.first.map { ": \($0)" } ?? "")
                            } else if valid != errors.isEmpty {
                                reason = "isValid says \(valid) but validate returned \(errors.count) errors"
                            } else if let bad = errors.first(where: { JSONPointer($0.instanceLocation).flatMap { data.resolve($0) } == nil }) {
                                reason = "instanceLocation \"\(bad.instanceLocation)\" is not in the instance"
                            }
                        }
                        var count = counts[kind]!
                        count.1 += 1
                        if let reason { failures[key] = reason } else { count.0 += 1 }
                        counts[kind] = count
                    }
                }
            }
            let r = counts["required"]!, o = counts["optional"]!
            totalRequired.0 += r.0
            totalRequired.1 += r.1
            summary.append("\(folder): required \(r.0)/\(r.1) (\(percent(r))), optional \(o.0)/\(o.1) (\(percent(o)))")
        }
        print("JSON-Schema-Test-Suite:\n  " + summary.joined(separator: "\n  "))

        if let path = ProcessInfo.processInfo.environment["WOK_SUITE_WRITE_FAILURES"] {
            let lines = failures.keys.sorted().map { "\($0) | \(failures[$0]!)" }
            try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        }
        for key in failures.keys.sorted() where expectations[key] == nil {
            Issue.record("unexpected failure: \(key): \(failures[key]!)")
        }
        for key in expectations.keys.sorted() where failures[key] == nil {
            Issue.record("listed as failing but passes now (remove it from conformance-expectations.txt): \(key)")
        }
    }

    private func percent(_ c: (Int, Int)) -> String {
        c.1 == 0 ? "-" : String(format: "%.1f%%", Double(c.0) * 100 / Double(c.1))
    }
}

/// Finds and reads the suite and the expectations file.
enum ConformanceSuite {
    struct NotFound: Error, CustomStringConvertible {
        var description: String { "json-schema-test-suite not found: expected <repo>/../shared/json-schema-test-suite (or set JSON_SCHEMA_TEST_SUITE)" }
    }

    static func root() throws -> URL {
        if let env = ProcessInfo.processInfo.environment["JSON_SCHEMA_TEST_SUITE"] { return URL(fileURLWithPath: env) }
        // <repo>/Tests/WokSchemaTests/ConformanceTests.swift → <repo>/../shared/json-schema-test-suite
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let candidate = repo.deletingLastPathComponent().appendingPathComponent("shared/json-schema-test-suite")
        guard FileManager.default.fileExists(atPath: candidate.appendingPathComponent("tests").path) else { throw NotFound() }
        return candidate
    }

    /// Known failures: `draft/file.json | group | test` → reason.
    static func expectations() throws -> [String: String] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("conformance-expectations.txt")
        let text = try String(contentsOf: url, encoding: .utf8)
        var out: [String: String] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") && !line.trimmingCharacters(in: .whitespaces).isEmpty {
            let parts = line.components(separatedBy: " | ")
            guard parts.count >= 4 else { continue }
            out[parts[0..<3].joined(separator: " | ")] = parts[3...].joined(separator: " | ")
        }
        return out
    }

    /// Every `.json` file under `base`, relative paths, sorted.
    static func files(under base: URL) -> [String] {
        guard let enumerator = FileManager.default.enumerator(atPath: base.path) else { return [] }
        return enumerator.compactMap { $0 as? String }.filter { $0.hasSuffix(".json") }.sorted()
    }

    /// Reads a suite file. Files jansson refuses are read explicitly: integers beyond 64 bits
    /// (`bignum.json`) as reals; strings holding U+0000 through Foundation.
    static func load(_ url: URL) throws -> JSON {
        let data = try Data(contentsOf: url)
        if let json = try? JSON.parse(data) { return json }
        if let json = try? JSON.parse(data, options: .init(integersAsReals: true)) { return json }
        return convert(try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]))
    }

    private static func convert(_ value: Any) -> JSON {
        switch value {
        case let s as String: return .string(s)
        case let n as NSNumber:
            let type = String(cString: n.objCType)
            if type == "c" || type == "B" { return .bool(n.boolValue) }
            if type == "d" || type == "f" { return .double(n.doubleValue) }
            return .int(n.int64Value)
        case let a as [Any]: return .array(a.map(convert))
        case let o as [String: Any]: return .object(o.map { ($0.key, convert($0.value)) })
        default: return .null
        }
    }
}
