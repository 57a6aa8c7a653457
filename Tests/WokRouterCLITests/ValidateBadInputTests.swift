import Foundation
import Testing

/// The bad inputs of issue 2: each gets a clear message naming the file and place, and the
/// documented exit status; none crashes, hangs or takes unbounded memory.
@Suite struct ValidateBadInputTests {
    private func runSchema(_ schema: String, instance: String = "{}", extra: [String] = []) throws -> CLIRunner.Result {
        let cli = try CLIRunner()
        try cli.write("s.json", schema)
        try cli.write("x.json", instance)
        return try cli.run(["validate", "--schema", "s.json"] + extra + ["x.json"])
    }

    @Test func schemaThatIsNotJSON() throws {
        let result = try runSchema("{\n  \"type\": \"object\",\n  \"properties\": {,}\n}")
        #expect(result.status == 2)
        #expect(result.stderr.contains("s.json:3:"), "\(result.stderr)")
        #expect(result.stderr.contains("not JSON"))
    }

    @Test func instanceThatIsNotJSON() throws {
        let result = try runSchema("{}", instance: "{\"a\": 1,\n \"b\": tru}")
        #expect(result.status == 2)
        #expect(result.stdout.contains("x.json:2:"), "\(result.stdout)")
        #expect(result.stdout.contains("not JSON"))
    }

    @Test func instanceThatIsNotUTF8() throws {
        let cli = try CLIRunner()
        try cli.write("s.json", "{}")
        try cli.write("x.json", Data([0x7B, 0x22, 0x61, 0x22, 0x3A, 0x22, 0xFF, 0xFE, 0x22, 0x7D]))   // {"a":"\xff\xfe"}
        let result = try cli.run(["validate", "--schema", "s.json", "x.json"])
        #expect(result.status == 2)
        #expect(result.stdout.contains("x.json:1:"), "\(result.stdout)")
        #expect(result.stdout.contains("not UTF-8"))
    }

    @Test func schemaThatIsNotUTF8() throws {
        let cli = try CLIRunner()
        try cli.write("s.json", Data([0x7B, 0x22, 0xC3, 0x28, 0x22, 0x3A, 0x31, 0x7D]))
        try cli.write("x.json", "{}")
        let result = try cli.run(["validate", "--schema", "s.json", "x.json"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("s.json:1:"), "\(result.stderr)")
        #expect(result.stderr.contains("not UTF-8"))
    }

    /// PROTOCOL section 7: "1 some instance or schema invalid"; 2 is for usage errors and files that
    /// cannot be read or parsed. A schema file that is JSON but does not compile is invalid: 1.
    @Test func schemaThatDoesNotCompileNamesItsPlaceAndExitsOne() throws {
        let result = try runSchema("{\n  \"properties\": {\n    \"a\": {\"pattern\": \"(?i)x\"}\n  }\n}")
        #expect(result.status == 1)
        #expect(result.stderr.contains("s.json:3:"), "\(result.stderr)")
        #expect(result.stderr.contains("/properties/a/pattern"), "\(result.stderr)")
        let wrongType = try runSchema("{\"minLength\": \"three\"}")
        #expect(wrongType.status == 1)
        #expect(wrongType.stderr.contains("s.json:1:"), "\(wrongType.stderr)")
    }

    @Test func unknownDollarSchema() throws {
        let result = try runSchema(#"{"$schema": "http://example.com/my-draft#", "type": "object"}"#)
        #expect(result.status == 1)
        #expect(result.stderr.contains("s.json"))
        #expect(result.stderr.contains("http://example.com/my-draft"), "\(result.stderr)")
    }

    @Test func unresolvableRef() throws {
        let result = try runSchema(##"{"properties": {"a": {"$ref": "#/$defs/missing"}}}"##)
        #expect(result.status == 1)
        #expect(result.stderr.contains("s.json"))
        #expect(result.stderr.contains("#/$defs/missing"), "\(result.stderr)")
    }

    @Test func refCycle() throws {
        let schema = ##"{"$defs": {"a": {"$ref": "#/$defs/b"}, "b": {"$ref": "#/$defs/a"}}, "$ref": "#/$defs/a"}"##
        let result = try runSchema(schema)
        #expect(result.status == 1, "\(result.stdout) \(result.stderr)")
        #expect(result.stderr.contains("s.json"))
        #expect(result.stderr.contains("cycle"), "\(result.stderr)")
    }

    @Test func refsToOtherFilesAndTheNetworkAreRefused() throws {
        for ref in ["file:///etc/passwd", "http://example.com/schema.json", "../outside.json"] {
            let result = try runSchema("{\"$ref\": \"\(ref)\"}")
            #expect(result.status == 1, "\(ref)")
            #expect(result.stderr.contains("s.json"), "\(ref): \(result.stderr)")
            #expect(!result.stderr.contains("root:"), "\(ref): leaked /etc/passwd")
        }
    }

    @Test func deeplyNestedInstance() throws {
        let depth = 100_000
        let text = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        let result = try runSchema("{}", instance: text)
        #expect(result.status == 2)
        #expect(result.stdout.contains("x.json:1:"), "\(result.stdout.prefix(300))")
        #expect(result.stdout.contains("nested deeper"))
    }

    @Test func deeplyNestedNDJSONLine() throws {
        let cli = try CLIRunner()
        try cli.write("s.json", "{}")
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        try cli.write("x.ndjson", "{}\n" + deep + "\n{}\n")
        let result = try cli.run(["validate", "--schema", "s.json", "--ndjson", "x.ndjson"])
        #expect(result.status == 2)
        #expect(result.stdout.contains("x.ndjson:2:"))
        #expect(result.stderr.contains("3 instances: 2 valid"))
    }

    @Test func integerBeyond64Bits() throws {
        let result = try runSchema(#"{"properties": {"n": {"type": "integer"}}}"#, instance: "{\"n\": 123456789012345678901234567890}")
        #expect(result.status == 2)
        #expect(result.stdout.contains("x.json:1:"), "\(result.stdout)")
        #expect(result.stdout.contains("beyond 64 bits"))
    }

    @Test func hundredMegabyteInstance() throws {
        let cli = try CLIRunner()
        try cli.write("s.json", #"{"properties": {"id": {"type": "string"}, "blob": {"type": "string"}}}"#)
        var data = Data("{\"id\": 1,\n \"blob\": \"".utf8)
        data.append(Data(repeating: UInt8(ascii: "a"), count: 100 << 20))
        data.append(Data("\"}\n".utf8))
        try cli.write("big.json", data)
        let result = try cli.run(["validate", "--schema", "s.json", "big.json"])
        #expect(result.status == 1)
        #expect(result.stdout.hasPrefix("big.json:1: /id: "), "\(result.stdout.prefix(200))")
        #expect(result.stdout.utf8.count < 1000)
        let limited = try cli.run(["validate", "--schema", "s.json", "--max-bytes", "1000000", "big.json"])
        #expect(limited.status == 2)
        #expect(limited.stderr.contains("big.json: cannot read: "))
        #expect(limited.stderr.contains("more than the limit of 1000000 bytes"))
    }

    @Test func maxBytesIsExactAtItsEdge() throws {
        let cli = try CLIRunner()
        try cli.write("s.json", "{}")
        try cli.write("x.json", "[1,2,3]")   // 7 bytes
        #expect(try cli.run(["validate", "--schema", "s.json", "--max-bytes", "7", "x.json"]).status == 0)
        #expect(try cli.run(["validate", "--schema", "s.json", "--max-bytes", "6", "x.json"]).status == 2)
        try cli.write("x.ndjson", "[1,2,3]\n[1,2,3,4]\n")
        let lines = try cli.run(["validate", "--schema", "s.json", "--ndjson", "--max-bytes", "7", "x.ndjson"])
        #expect(lines.status == 2)
        #expect(lines.stdout.contains("x.ndjson:2: line longer than 7 bytes"))
        #expect(lines.stderr.contains("2 instances: 1 valid"))
    }

    @Test func catastrophicPatternDoesNotHang() throws {
        let schema = #"{"properties": {"s": {"type": "string", "pattern": "^(a+)+$"}}}"#
        let instance = "{\"s\": \"" + String(repeating: "a", count: 40) + "b\"}"
        let result = try runSchema(schema, instance: instance)
        #expect(result.status == 1)
        #expect(result.stdout.contains("x.json:1: /s: "))
    }
}
