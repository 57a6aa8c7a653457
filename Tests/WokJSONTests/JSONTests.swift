import Testing
import WokJSON

@Suite struct JSONParsingTests {
    @Test func parsesIntegersAndRealsApart() throws {
        let value = try JSON.parse(#"{"a": 1, "b": 1.0, "c": [true, null, "x"]}"#)
        #expect(value["a"]?.kind == .integer)
        #expect(value["b"]?.kind == .real)
        #expect(value["a"] == value["b"])
        #expect(value["c"]?[2]?.string == "x")
        #expect(value["c"]?.count == 3)
        #expect(value.keys == ["a", "b", "c"])
    }

    @Test func reportsLineAndColumnOfSyntaxErrors() {
        #expect(throws: JSONParseError.self) { try JSON.parse("{\n  \"a\": tru\n}") }
        do {
            _ = try JSON.parse("{\n  \"a\": tru\n}")
        } catch {
            #expect(error.line == 2)
            #expect(error.column > 1)
        }
    }

    @Test func keepsNULInsideStringValues() throws {
        let value = try JSON.parse(#"{"s": "a\u0000b"}"#)
        #expect(value["s"]?.string == "a\u{0}b")
        #expect(value["s"]?.string?.utf8.count == 3)
        #expect(try JSON.parse(value.serialized()) == value)
    }

    @Test func refusesInvalidUTF8() {
        #expect(throws: JSONParseError.self) { try JSON.parse([0x22, 0xFF, 0x22] as [UInt8]) }
    }

    @Test func refusesDeepNestingWithoutCrashing() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: JSONParseError.self) { try JSON.parse(deep) }
    }

    @Test func refusesIntegersBeyond64Bits() {
        #expect(throws: JSONParseError.self) { try JSON.parse("123456789012345678901234567890") }
        let real = try? JSON.parse("123456789012345678901234567890", options: .init(integersAsReals: true))
        #expect(real?.kind == .real)
    }

    @Test func serializesCompactlyAndDeterministically() throws {
        let value = try JSON.parse(#"{"b": [1, 2.5, 0.1], "a": "é\n\"", "c": {}}"#)
        #expect(value.serializedString() == #"{"b":[1,2.5,0.1],"a":"é\n\"","c":{}}"#)
        #expect(value.serializedString(sortKeys: true) == #"{"a":"é\n\"","b":[1,2.5,0.1],"c":{}}"#)
        #expect(try JSON.parse("1.0").serializedString() == "1.0")
    }

    @Test func resolvesJSONPointers() throws {
        let value = try JSON.parse(#"{"a/b": {"c~d": [10, 20]}}"#)
        let pointer = try #require(JSONPointer("/a~1b/c~0d/1"))
        #expect(value.resolve(pointer)?.int == 20)
        #expect(pointer.description == "/a~1b/c~0d/1")
        #expect(value.resolve(JSONPointer("/a~1b/c~0d/01")!) == nil)
        #expect(JSONPointer("a") == nil)
    }

    @Test func equalityIgnoresMemberOrderAndNumberForm() throws {
        #expect(try JSON.parse(#"{"a":1,"b":[1.0]}"#) == JSON.parse(#"{"b":[1],"a":1.0}"#))
        #expect(try JSON.parse("1.5") != JSON.parse("1"))
        #expect(try JSON.parse("[1]") != JSON.parse("[true]"))
    }

    @Test func buildsValues() {
        let value: JSON = ["type": "notification", "id": 42, "ok": true, "list": [1, nil]]
        #expect(value.serializedString() == #"{"type":"notification","id":42,"ok":true,"list":[1,null]}"#)
    }
}
