import Foundation
import Testing
import WokJSON

/// `wok-router validate --schema ...`: every option, both outputs, exit statuses 0, 1 and 2.
@Suite struct ValidateOptionsTests {
    static let schema = """
    {
      "type": "object",
      "properties": {
        "user": {"type": "string", "pattern": "^[a-z]+$"},
        "n": {"type": "integer", "maximum": 5}
      },
      "required": ["user"]
    }
    """

    @Test func validInstanceExitsZero() throws {
        let cli = try CLIRunner()
        try cli.write("s.json", Self.schema)
        try cli.write("ok.json", #"{"user": "bob", "n": 1}"#)
        let result = try cli.run(["validate", "--schema", "s.json", "ok.json"])
        #expect(result.status == 0)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains("1 instance: 1 valid, 0 invalid"))
    }

    @Test func invalidInstanceExitsOneNamingFileLineLocationAndKeyword() throws {
        let cli = try CLIRunner()
        try cli.write("s.json", Self.schema)
        try cli.write("bad.json", "{\n  \"user\": \"Bob\",\n  \"n\": 9\n}\n")
        let result = try cli.run(["validate", "--schema", "s.json", "bad.json"])
        #expect(result.status == 1)
        #expect(result.lines.count == 2)
        #expect(result.lines.first { $0.hasPrefix("bad.json:2: /user: ") && $0.hasSuffix("[/properties/user/pattern]") } != nil, "\(result.stdout)")
        #expect(result.lines.first { $0.hasPrefix("bad.json:3: /n: ") && $0.hasSuffix("[/properties/n/maximum]") } != nil, "\(result.stdout)")
    }

    @Test func rootErrorsPointAtTheFirstLine() throws {
        let cli = try CLIRunner()
        try cli.write("s.json", Self.schema)
        try cli.write("bad.json", "\n\n{\"n\": 1}")
        let result = try cli.run(["validate", "--schema", "s.json", "bad.json"])
        #expect(result.status == 1)
        #expect(result.stdout.hasPrefix("bad.json:3: (root): "), "\(result.stdout)")
        #expect(result.stdout.contains("[/required]"))
    }

    @Test func jsonOutputPrintsOneLinePerInstance() throws {
        let cli = try CLIRunner()
        try cli.write("s.json", Self.schema)
        try cli.write("ok.json", #"{"user": "bob"}"#)
        try cli.write("bad.json", #"{"user": 5}"#)
        let result = try cli.run(["validate", "--schema", "s.json", "--output", "json", "ok.json", "bad.json"])
        #expect(result.status == 1)
        #expect(result.lines.count == 2)
        let first = try JSON.parse(result.lines[0])
        let second = try JSON.parse(result.lines[1])
        #expect(first["valid"] == JSON.bool(true))
        #expect(first["errors"]?.count == 0)
        #expect(first["file"]?.string == "ok.json")
        #expect(second["valid"] == JSON.bool(false))
        let error = try #require(second["errors"]?[0])
        #expect(error["instanceLocation"]?.string == "/user")
        #expect(error["keywordLocation"]?.string == "/properties/user/type")
        #expect(error["message"]?.string?.isEmpty == false)
        #expect(result.stderr.isEmpty)
    }

    @Test func wokErrorCodesAppearInBothOutputs() throws {
        let cli = try CLIRunner()
        try cli.write("d3.json", #"""
        {"$schema": "http://json-schema.org/draft-03/schema#", "type": "object",
         "properties": {"user": {"type": "string", "required": true, "error": "WOKAUTH0003E"}}}
        """#)
        try cli.write("x.json", #"{"user": 5}"#)
        let text = try cli.run(["validate", "--schema", "d3.json", "x.json"])
        #expect(text.status == 1)
        #expect(text.stdout.contains("(WOKAUTH0003E) [/properties/user/type]"), "\(text.stdout)")
        let json = try cli.run(["validate", "--schema", "d3.json", "--output", "json", "x.json"])
        #expect(try JSON.parse(json.lines[0])["errors"]?[0]?["code"]?.string == "WOKAUTH0003E")
    }

    @Test func jsonOutputReportsInstancesThatAreNotJSON() throws {
        let cli = try CLIRunner()
        try cli.write("s.json", Self.schema)
        try cli.write("data.ndjson", "{\"user\": \"a\"}\n{\"user\": \n")
        let result = try cli.run(["validate", "--schema", "s.json", "--ndjson", "--output", "json", "data.ndjson"])
        #expect(result.status == 2)
        #expect(result.lines.count == 2)
        let broken = try JSON.parse(result.lines[1])
        #expect(broken["line"]?.int == 2)
        #expect(broken["valid"]?.bool == false)
        #expect(broken["parseError"]?.string?.hasPrefix("data.ndjson:2:") == true)
    }

    @Test func ndjsonChecksEachLineAndNamesIt() throws {
        let cli = try CLIRunner()
        try cli.write("s.json", Self.schema)
        try cli.write("data.ndjson", "{\"user\": \"a\"}\n\n{\"user\": \"B\"}\n{\"user\": \"c\", \"n\": 7}\n")
        let result = try cli.run(["validate", "--schema", "s.json", "--ndjson", "data.ndjson"])
        #expect(result.status == 1)
        #expect(result.lines.count == 2)
        #expect(result.lines[0].hasPrefix("data.ndjson:3: /user: "))
        #expect(result.lines[1].hasPrefix("data.ndjson:4: /n: "))
        #expect(result.stderr.contains("3 instances: 1 valid, 2 invalid"))
    }

    @Test func ndjsonJSONOutputGivesEachLine() throws {
        let cli = try CLIRunner()
        try cli.write("s.json", Self.schema)
        try cli.write("data.ndjson", "{\"user\": \"a\"}\n{\"user\": \"B\"}\n")
        let result = try cli.run(["validate", "--schema", "s.json", "--ndjson", "--output", "json", "data.ndjson"])
        #expect(result.status == 1)
        #expect(try result.lines.map { try JSON.parse($0)["line"]?.int } == [1, 2])
        #expect(try result.lines.map { try JSON.parse($0)["valid"]?.bool } == [true, false])
    }

    @Test func ndjsonReadsStandardInputForDash() throws {
        let cli = try CLIRunner()
        try cli.write("s.json", Self.schema)
        let ok = try cli.run(["validate", "--schema", "s.json", "--ndjson", "-"], stdin: "{\"user\":\"a\"}\n{\"user\":\"b\"}")
        #expect(ok.status == 0)
        #expect(ok.stderr.contains("2 instances: 2 valid"))
        let bad = try cli.run(["validate", "--schema", "s.json", "--ndjson", "-"], stdin: "{\"user\":\"a\"}\n{}\n")
        #expect(bad.status == 1)
        #expect(bad.stdout.hasPrefix("-:2: (root): "))
    }

    @Test func singleDocumentFromStandardInput() throws {
        let cli = try CLIRunner()
        try cli.write("s.json", Self.schema)
        let result = try cli.run(["validate", "--schema", "s.json", "-"], stdin: "{\"user\": 1}")
        #expect(result.status == 1)
        #expect(result.stdout.hasPrefix("-:1: /user: "))
    }

    @Test func defaultDraftAppliesToSchemasWithoutDollarSchema() throws {
        let cli = try CLIRunner()
        try cli.write("s.json", #"{"divisibleBy": 2}"#)        // a draft-03 keyword
        try cli.write("three.json", "3")
        let draft3 = try cli.run(["validate", "--schema", "s.json", "--default-draft", "3", "three.json"])
        #expect(draft3.status == 1)
        #expect(draft3.stdout.contains("[/divisibleBy]"))
        let latest = try cli.run(["validate", "--schema", "s.json", "three.json"])
        #expect(latest.status == 0)
        try cli.write("s7.json", #"{"$schema": "http://json-schema.org/draft-07/schema#", "divisibleBy": 2}"#)
        let declared = try cli.run(["validate", "--schema", "s7.json", "--default-draft", "3", "three.json"])
        #expect(declared.status == 0)   // $schema wins over --default-draft
    }

    @Test func assertFormatTurnsFormatIntoAnAssertion() throws {
        let cli = try CLIRunner()
        try cli.write("s.json", #"{"format": "email"}"#)
        try cli.write("x.json", #""not an address""#)
        #expect(try cli.run(["validate", "--schema", "s.json", "x.json"]).status == 0)
        let asserted = try cli.run(["validate", "--schema", "s.json", "--assert-format", "x.json"])
        #expect(asserted.status == 1)
        #expect(asserted.stdout.contains("[/format]"))
    }

    @Test func refMapResolvesPrefixesToFolders() throws {
        let cli = try CLIRunner()
        try cli.write("defs/ids.json", #"{"$defs": {"id": {"type": "integer", "minimum": 1}}}"#)
        try cli.write("s.json", #"{"properties": {"id": {"$ref": "https://schemas.example/wok/ids.json#/$defs/id"}}}"#)
        try cli.write("ok.json", #"{"id": 3}"#)
        try cli.write("bad.json", #"{"id": 0}"#)
        let mapped = try cli.run(["validate", "--schema", "s.json", "--ref-map", "https://schemas.example/wok/=defs", "ok.json", "bad.json"])
        #expect(mapped.status == 1)
        #expect(mapped.lines.count == 1)
        #expect(mapped.stdout.hasPrefix("bad.json:1: /id: "))
        let unmapped = try cli.run(["validate", "--schema", "s.json", "ok.json"])
        #expect(unmapped.status == 1, "an unresolvable $ref: the schema is invalid")
        #expect(unmapped.stderr.contains("https://schemas.example/wok/ids.json"))
    }

    @Test func refMapIsRepeatable() throws {
        let cli = try CLIRunner()
        try cli.write("a/one.json", #"{"type": "string"}"#)
        try cli.write("b/two.json", #"{"maxLength": 3}"#)
        try cli.write("s.json", #"{"allOf": [{"$ref": "urn:one/one.json"}, {"$ref": "http://two.example/two.json"}]}"#)
        try cli.write("x.json", #""abcd""#)
        let result = try cli.run(["validate", "--schema", "s.json", "--ref-map", "urn:one/=a", "--ref-map", "http://two.example/=b", "x.json"])
        #expect(result.status == 1)
        #expect(result.stdout.contains("maxLength"))
    }

    @Test func relativeRefsReadTheSchemasOwnFolder() throws {
        let cli = try CLIRunner()
        try cli.write("schemas/defs.json", #"{"$defs": {"name": {"type": "string"}}}"#)
        try cli.write("schemas/s.json", #"{"properties": {"name": {"$ref": "defs.json#/$defs/name"}}}"#)
        try cli.write("x.json", #"{"name": 1}"#)
        let result = try cli.run(["validate", "--schema", "schemas/s.json", "x.json"])
        #expect(result.status == 1)
        #expect(result.stdout.hasPrefix("x.json:1: /name: "))
    }

    @Test func schemaAloneIsCheckedForCompiling() throws {
        let cli = try CLIRunner()
        try cli.write("s.json", Self.schema)
        let result = try cli.run(["validate", "--schema", "s.json"])
        #expect(result.status == 0)
    }

    @Test func usageErrorsExitTwo() throws {
        let cli = try CLIRunner()
        try cli.write("s.json", Self.schema)
        try cli.write("x.json", "{}")
        let cases: [[String]] = [
            ["validate", "x.json"],                                          // no schema, no topic
            ["validate", "--schema", "s.json", "--topic", "wok.userlog", "x.json"],
            ["validate", "--schema", "s.json", "--output", "yaml", "x.json"],
            ["validate", "--schema", "s.json", "--default-draft", "5", "x.json"],
            ["validate", "--schema", "s.json", "--ref-map", "nodir", "x.json"],
            ["validate", "--schema", "s.json", "--ref-map", "urn:x/=does-not-exist", "x.json"],
            ["validate", "--schema", "s.json", "--no-such-option", "x.json"],
        ]
        for args in cases {
            let result = try cli.run(args)
            #expect(result.status == 2, "\(args): \(result.stderr)")
            #expect(!result.stderr.isEmpty, "\(args)")
            #expect(result.stdout.isEmpty, "\(args)")
        }
    }

    /// The tree check (`--root`, no --schema or --topic) compiles as the router does; it ignored
    /// --default-draft and --assert-format without a word, so `validate --root . --default-draft 4`
    /// looked like a draft-04 check of the tree. They are usage errors there now.
    @Test func draftAndFormatOptionsAreRefusedByTheTreeCheck() throws {
        let cli = try CLIRunner()
        try cli.write("root/schemas/topics/wok.userlog.json", #"{"type": "object"}"#)
        #expect(try cli.run(["validate", "--root", "root"]).status == 0)
        for extra in [["--default-draft", "4"], ["--assert-format"]] {
            let result = try cli.run(["validate", "--root", "root"] + extra)
            #expect(result.status == 2, "\(extra): \(result.stderr)")
            #expect(result.stderr.contains("need --schema or --topic"), "\(extra): \(result.stderr)")
        }
    }

    @Test func missingFilesExitTwoAndTheRestIsStillChecked() throws {
        let cli = try CLIRunner()
        try cli.write("s.json", Self.schema)
        try cli.write("bad.json", #"{"user": 1}"#)
        let result = try cli.run(["validate", "--schema", "s.json", "nope.json", "bad.json"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("nope.json: cannot read: No such file"))
        #expect(result.stdout.hasPrefix("bad.json:1: /user: "))
        let missingSchema = try cli.run(["validate", "--schema", "nope.json", "bad.json"])
        #expect(missingSchema.status == 2)
        #expect(missingSchema.stderr.contains("nope.json: cannot read the schema"))
    }
}

/// The line each error is reported on, found in the source text.
@Suite struct ValidateLineTests {
    @Test func everyErrorOfALargeDocumentGetsItsOwnLine() throws {
        let cli = try CLIRunner()
        try cli.write("s.json", #"{"type": "array", "items": {"properties": {"n": {"type": "integer"}}}}"#)
        let count = 2_000
        var text = "[\n"
        for k in 0..<count { text += "  {\"s\": \"x\\\"y]}\", \"n\": \"\(k)\"}" + (k + 1 < count ? ",\n" : "\n") }
        text += "]\n"
        try cli.write("big.json", text)
        let result = try cli.run(["validate", "--schema", "s.json", "big.json"])
        #expect(result.status == 1)
        #expect(result.lines.count == count)
        #expect(result.lines.first?.hasPrefix("big.json:2: /0/n: ") == true, "\(result.lines.first ?? "")")
        #expect(result.lines.first?.hasSuffix("[/items/properties/n/type]") == true)
        #expect(result.lines.last?.hasPrefix("big.json:\(count + 1): /\(count - 1)/n: ") == true, "\(result.lines.last ?? "")")
    }

    @Test func escapedKeysAreFound() throws {
        let cli = try CLIRunner()
        try cli.write("s.json", #"{"properties": {"a/b": {"type": "string"}, "c~d": {"type": "string"}, "é\n": {"type": "string"}}}"#)
        try cli.write("x.json", "{\n\"a\\/b\": 1,\n\"c~d\": 2,\n\"\\u00e9\\n\": 3}")
        let result = try cli.run(["validate", "--schema", "s.json", "x.json"])
        #expect(result.status == 1)
        #expect(result.lines.contains { $0.hasPrefix("x.json:2: /a~1b: ") }, "\(result.stdout)")
        #expect(result.lines.contains { $0.hasPrefix("x.json:3: /c~0d: ") }, "\(result.stdout)")
        #expect(result.lines.contains { $0.hasPrefix("x.json:4: /é\\n: ") }, "\(result.stdout)")   // escaped: one error, one line
        #expect(result.lines.count == 3)
    }
}
