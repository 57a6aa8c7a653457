import Foundation
import Testing
import WokJSON
@testable import WokSchema

/// The schema engine's behaviour on good and bad input, beyond the official suite.
@Suite struct SchemaEngineTests {
    private func compile(_ text: String, uri: String? = nil, options: SchemaOptions = .init(),
                         retriever: (any SchemaRetriever)? = nil) throws -> Validator {
        try SchemaCompiler(options: options, retriever: retriever).compile(try JSON.parse(text), uri: uri)
    }

    private func compileError(_ text: String, uri: String? = nil, options: SchemaOptions = .init(),
                              retriever: (any SchemaRetriever)? = nil) -> SchemaError? {
        do {
            _ = try compile(text, uri: uri, options: options, retriever: retriever)
            return nil
        } catch let error as SchemaError {
            return error
        } catch {
            Issue.record("unexpected error \(error)")
            return nil
        }
    }

    // MARK: Bad schemas

    @Test func unknownSchemaURIIsRefused() {
        let error = compileError(##"{"$schema": "http://example.com/my-draft", "type": "string"}"##)
        #expect(error?.isUnknownDraft == true)
        #expect(error?.description.contains("http://example.com/my-draft") == true)
    }

    @Test func unresolvableRefsAreRefused() {
        #expect(compileError(##"{"$ref": "#/$defs/missing"}"##)?.isUnresolvableRef == true)
        #expect(compileError(##"{"$ref": "other.json"}"##)?.isUnresolvableRef == true)
        #expect(compileError(##"{"$ref": "#nowhere"}"##)?.isUnresolvableRef == true)
    }

    @Test func refToTheNetworkIsNeverFetched() {
        let error = compileError(##"{"$ref": "http://example.com/x"}"##)
        #expect(error?.isUnresolvableRef == true)
        #expect(error?.description.contains("http://example.com/x") == true)
    }

    @Test func refToALocalFileIsNeverRead() throws {
        // Without a retriever nothing is read; with one confined to a folder, /etc/passwd is refused.
        #expect(compileError(##"{"$ref": "file:///etc/passwd"}"##)?.isUnresolvableRef == true)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("wok-schema-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let retriever = try DirectoryRetriever(mappings: [("file://" + folder.path + "/", folder.path)])
        let error = compileError(##"{"$ref": "file:///etc/passwd"}"##, uri: "file://" + folder.path + "/s.json", retriever: retriever)
        #expect(error?.isUnresolvableRef == true)
        let escape = compileError(##"{"$ref": "../../../../etc/passwd"}"##, uri: "file://" + folder.path + "/s.json", retriever: retriever)
        #expect(escape?.isUnresolvableRef == true)
        #expect(escape?.description.contains("root:") == false)
    }

    @Test func refCyclesThatNeverReachASchemaAreRefused() {
        #expect(compileError(##"{"$ref": "#"}"##)?.isRefCycle == true)
        #expect(compileError(##"{"$ref": "#/$defs/a", "$defs": {"a": {"$ref": "#/$defs/b"}, "b": {"$ref": "#/$defs/a"}}}"##)?.isRefCycle == true)
        #expect(compileError(##"{"$schema": "http://json-schema.org/draft-07/schema#", "definitions": {"a": {"$ref": "#/definitions/a"}}, "properties": {"x": {"$ref": "#/definitions/a"}}}"##)?.isRefCycle == true)
    }

    @Test func invalidPatternIsRefusedAtCompileTime() {
        let error = compileError(##"{"properties": {"a": {"pattern": "(unclosed"}}}"##)
        #expect(error?.isInvalidRegex == true)
        #expect(error?.schemaLocation == "/properties/a/pattern")
    }

    @Test func keywordsOfTheWrongTypeAreRefused() {
        #expect(compileError(##"{"minLength": "three"}"##) != nil)
        #expect(compileError(##"{"type": "strnig"}"##) != nil)
        #expect(compileError(##"{"required": [1]}"##) != nil)
        #expect(compileError(##"{"multipleOf": 0}"##) != nil)
        #expect(compileError(##"{"properties": {"a": 5}}"##) != nil)
    }

    @Test func schemaNestingIsBounded() {
        var options = SchemaOptions()
        options.maxSchemaDepth = 50
        let deep = String(repeating: ##"{"not": "##, count: 60) + "{}" + String(repeating: "}", count: 60)
        #expect(compileError(deep, options: options)?.isLimitExceeded == true)
        let shallow = String(repeating: ##"{"not": "##, count: 40) + "{}" + String(repeating: "}", count: 40)
        #expect(compileError(shallow, options: options) == nil)
    }

    @Test func deeplyNestedSchemasCompileOffTheCallersSmallStack() async throws {
        // From a Swift concurrency thread (small stack): the bound decides, not a stack overflow.
        let nested = String(repeating: ##"{"not": "##, count: 1_500) + "{}" + String(repeating: "}", count: 1_500)
        #expect(compileError(nested)?.isLimitExceeded == true)
        var options = SchemaOptions()
        options.maxSchemaDepth = 2_000
        #expect(compileError(nested, options: options) == nil)
    }

    // MARK: Recursion at validation time

    @Test func refRecursionWithoutProgressIsBoundedNotAHang() throws {
        // `a` refers to itself at the same instance location through anyOf: a loop that only
        // the runtime bound stops.
        let validator = try compile(##"{"$ref": "#/$defs/a", "$defs": {"a": {"anyOf": [{"$ref": "#/$defs/a"}, {"type": "null"}]}}}"##)
        #expect(validator.isValid(5) == false)
        let errors = validator.validate(5)
        #expect(!errors.isEmpty)
    }

    @Test func deepInstanceThatCannotBeParsedIsAParseError() {
        let text = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: JSONParseError.self) { _ = try JSON.parse(text) }
    }

    @Test func deepButParseableInstanceAgainstARecursiveSchema() throws {
        let schema = ##"{"$ref": "#/$defs/node", "$defs": {"node": {"type": "array", "items": {"$ref": "#/$defs/node"}}}}"##
        let depth = 2_000
        let instance = try JSON.parse(String(repeating: "[", count: depth) + String(repeating: "]", count: depth))
        let bad = try JSON.parse(String(repeating: "[", count: depth) + "1" + String(repeating: "]", count: depth))
        try onLargeStack {
            let validator = try compile(schema)
            #expect(validator.isValid(instance))
            #expect(!validator.isValid(bad))
            let errors = validator.validate(bad)
            #expect(errors.count == 1)
            #expect(errors.first?.instanceLocation == String(repeating: "/0", count: depth))
            // A tighter bound on nested $refs refuses the same instance, with an error.
            var options = SchemaOptions()
            options.maxEvaluationDepth = 500
            let bounded = try compile(schema, options: options)
            #expect(!bounded.isValid(instance))
            #expect(bounded.validate(instance).first?.message.contains("deeper than") == true)
        }
    }

    // MARK: Errors

    @Test func errorsCarryLocationsThroughRefs() throws {
        let validator = try compile(##"{"properties": {"a": {"$ref": "#/$defs/int"}}, "$defs": {"int": {"type": "integer"}}}"##,
                                    uri: "http://wok.example/s.json")
        let errors = validator.validate(try JSON.parse(##"{"a": "5"}"##))
        #expect(errors.count == 1)
        #expect(errors.first?.instanceLocation == "/a")
        #expect(errors.first?.keywordLocation == "/properties/a/$ref/type")
        #expect(errors.first?.absoluteKeywordLocation == "http://wok.example/s.json#/$defs/int/type")
        #expect(errors.first?.message == #""5" is not of type "integer""#)
    }

    @Test func requiredPropertyMessageNamesTheProperty() throws {
        let validator = try compile(##"{"required": ["foo"]}"##)
        let errors = validator.validate(try JSON.parse("{}"))
        #expect(errors.map(\.message) == [#""foo" is a required property"#])
        #expect(errors.first?.keywordLocation == "/required")
    }

    @Test func wokDraft3ErrorCodesAreReported() throws {
        let validator = try compile(##"""
        {"$schema": "http://json-schema.org/draft-03/schema#", "type": "object",
         "properties": {
          "name": {"type": "string", "required": true, "minLength": 1, "error": "KCHVM0001E"},
          "cpus": {"type": "integer", "minimum": 1, "error": "KCHVM0002E"},
          "memory": {"type": "integer"}
         }}
        """##)
        let errors = validator.validate(try JSON.parse(##"{"cpus": 0, "memory": "x"}"##))
        #expect(errors.count == 3)
        #expect(errors.first { $0.instanceLocation == "/cpus" }?.code == "KCHVM0002E")
        #expect(errors.first { $0.message.contains("\"name\" is a required") }?.code == "KCHVM0001E")
        #expect(errors.first { $0.instanceLocation == "/memory" }?.code == nil)
        #expect(validator.validate(try JSON.parse(##"{"name": ""}"##)).first?.code == "KCHVM0001E")
    }

    @Test func catastrophicPatternReportsAnErrorInsteadOfHanging() throws {
        var options = SchemaOptions()
        options.regexMatchLimit = 10_000
        let validator = try compile(##"{"pattern": "^(a+)+$"}"##, options: options)
        let evil = JSON.string(String(repeating: "a", count: 40) + "b")
        #expect(!validator.isValid(evil))
        #expect(validator.validate(evil).first?.message.contains("too costly") == true)
        #expect(validator.isValid(JSON.string(String(repeating: "a", count: 40))))
    }

    @Test func errorListsAreBounded() throws {
        let validator = try compile(##"{"type": "array", "items": {"type": "string"}}"##)
        let instance = JSON.array((0..<5_000).map { JSON.int(Int64($0)) })
        #expect(validator.validate(instance).count == 5_000)                  // under SchemaOptions.maxErrors
        #expect(validator.validate(instance, maxErrors: 100).count == 100)
        #expect(validator.validate(instance, maxErrors: 100).last?.instanceLocation == "/99")
        #expect(validator.validate(instance, maxErrors: 10_000).count == 5_000)
        #expect(validator.validate(JSON.array([1, "a"]), maxErrors: 0).count == 1)  // at least one when invalid
        var options = SchemaOptions()
        options.maxErrors = 3
        let objects = try compile(##"{"additionalProperties": false}"##, options: options)
        #expect(objects.validate(try JSON.parse(##"{"a": 1, "b": 2, "c": 3, "d": 4}"##)).count == 3)
    }

    // MARK: Referencing

    @Test func relativeRefsReachAddedDocuments() throws {
        let compiler = SchemaCompiler()
        try compiler.addDocument(try JSON.parse(##"{"$defs": {"vm": {"type": "object", "required": ["name"]}}}"##),
                                 uri: "file:///srv/plugins/kimchi/schemas/defs.json")
        let validator = try compiler.compile(try JSON.parse(##"{"properties": {"vm": {"$ref": "defs.json#/$defs/vm"}}}"##),
                                             uri: "file:///srv/plugins/kimchi/schemas/kimchi.vms.json")
        #expect(validator.isValid(try JSON.parse(##"{"vm": {"name": "a"}}"##)))
        let errors = validator.validate(try JSON.parse(##"{"vm": {}}"##))
        #expect(errors.first?.keywordLocation == "/properties/vm/$ref/required")
        #expect(errors.first?.absoluteKeywordLocation == "file:///srv/plugins/kimchi/schemas/defs.json#/$defs/vm/required")
    }

    @Test func metaSchemasAreAvailableOffline() throws {
        for draft in Draft.allCases {
            let validator = try compile(##"{"$ref": "\##(draft.metaSchemaURI)"}"##)
            #expect(validator.isValid(try JSON.parse(##"{"type": "string"}"##)), "\(draft)")
            #expect(!validator.isValid(try JSON.parse(##"{"minLength": -1}"##)), "\(draft)")
        }
    }

    @Test func draftComesFromSchemaOrTheDefault() throws {
        #expect(try compile(##"{"$schema": "http://json-schema.org/draft-04/schema#"}"##).draft == .draft4)
        #expect(try compile("{}").draft == .draft2020_12)
        #expect(try compile("{}", options: SchemaOptions(defaultDraft: .draft7)).draft == .draft7)
        #expect(try compile(##"{"$id": "http://wok.example/a.json"}"##).uri == "http://wok.example/a.json")
    }

    // MARK: The fused object fast path

    @Test func objectFastPathAgreesWithTheKeywordsInAnyMemberOrder() throws {
        let validator = try compile(##"""
        {"properties": {"a": {"type": "integer"}, "b": {"type": "string"}, "c": {"type": "boolean"}},
         "required": ["a", "c", "z"], "additionalProperties": false}
        """##)
        let cases: [(String, Bool)] = [
            (##"{"a": 1, "b": "x", "c": true, "z": null}"##, false),   // z is required but additional
            (##"{"a": 1, "c": true}"##, false),                        // z missing
            (##"{"c": true, "a": 1, "b": "x"}"##, false),
        ]
        for (text, expected) in cases {
            let instance = try JSON.parse(text)
            #expect(validator.isValid(instance) == expected, "\(text)")
            #expect(validator.validate(instance).isEmpty == expected, "\(text)")
        }
        let open = try compile(##"""
        {"properties": {"a": {"type": "integer"}, "b": {"type": "string"}, "c": {"type": "boolean"}},
         "required": ["a", "c"], "additionalProperties": {"type": "number"}}
        """##)
        let openCases: [(String, Bool)] = [
            (##"{"c": true, "b": "x", "a": 1}"##, true),
            (##"{"b": "x", "a": 1}"##, false),
            (##"{"a": 1, "c": false, "extra": 2.5}"##, true),
            (##"{"extra": "no", "a": 1, "c": false}"##, false),
            (##"{"c": 1, "a": 1}"##, false),
        ]
        for (text, expected) in openCases {
            let instance = try JSON.parse(text)
            #expect(open.isValid(instance) == expected, "\(text)")
            #expect(open.validate(instance).isEmpty == expected, "\(text)")
        }
    }

    @Test func manyPropertiesStillValidate() throws {
        let names = (0..<80).map { "p\($0)" }
        let properties = names.map { "\"\($0)\": {\"type\": \"integer\"}" }.joined(separator: ", ")
        let required = names.map { "\"\($0)\"" }.joined(separator: ", ")
        let validator = try compile("{\"properties\": {\(properties)}, \"required\": [\(required)], \"additionalProperties\": false}")
        let full = "{" + names.reversed().map { "\"\($0)\": 1" }.joined(separator: ", ") + "}"
        #expect(validator.isValid(try JSON.parse(full)))
        let missing = "{" + names.dropLast().map { "\"\($0)\": 1" }.joined(separator: ", ") + "}"
        #expect(!validator.isValid(try JSON.parse(missing)))
        #expect(validator.validate(try JSON.parse(missing)).map(\.message) == [#""p79" is a required property"#])
    }

    // MARK: Concurrency

    @Test func validatesFromManyThreadsAtOnce() throws {
        let validator = try compile(##"""
        {"type": "object", "required": ["id"], "properties": {"id": {"type": "integer", "minimum": 1},
         "tags": {"type": "array", "items": {"$ref": "#/$defs/tag"}}}, "$defs": {"tag": {"type": "string", "pattern": "^[a-z]+$"}}}
        """##)
        let good = try JSON.parse(##"{"id": 3, "tags": ["a", "bc"]}"##)
        let bad = try JSON.parse(##"{"id": 0, "tags": ["A"]}"##)
        let failures = Counter()
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            for _ in 0..<2_000 {
                if !validator.isValid(good) || validator.isValid(bad) || validator.validate(bad).count != 2 { failures.add() }
            }
        }
        #expect(failures.value == 0)
    }
}

/// A thread-safe counter for the concurrency test.
private final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func add() { lock.lock(); count += 1; lock.unlock() }
    var value: Int { lock.lock(); defer { lock.unlock() }; return count }
}

/// Runs `body` on a thread with an 8 MiB stack, as a server's request threads have
/// (the test runner's own threads may have less).
private func onLargeStack(_ body: @escaping @Sendable () throws -> Void) throws {
    final class Box: @unchecked Sendable { var error: (any Error)? }
    let box = Box()
    let done = DispatchSemaphore(value: 0)
    let thread = Thread {
        do { try body() } catch { box.error = error }
        done.signal()
    }
    thread.stackSize = 8 << 20
    thread.start()
    done.wait()
    if let error = box.error { throw error }
}
