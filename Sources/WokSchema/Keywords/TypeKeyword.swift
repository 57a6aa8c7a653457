import CJansson

/// The JSON Schema primitive types as a bit set.
struct TypeSet: OptionSet, Sendable {
    let rawValue: UInt8
    static let null = TypeSet(rawValue: 1), boolean = TypeSet(rawValue: 2), object = TypeSet(rawValue: 4)
    static let array = TypeSet(rawValue: 8), number = TypeSet(rawValue: 16), string = TypeSet(rawValue: 32)
    static let integer = TypeSet(rawValue: 64)
    static let any: TypeSet = [.null, .boolean, .object, .array, .number, .string, .integer]

    init(rawValue: UInt8) { self.rawValue = rawValue }

    init?(name: String) {
        switch name {
        case "null": self = .null
        case "boolean": self = .boolean
        case "object": self = .object
        case "array": self = .array
        case "number": self = .number
        case "string": self = .string
        case "integer": self = .integer
        case "any": self = .any
        default: return nil
        }
    }

    /// Whether `v` is one of these types. `wholeRealsAreIntegers`: draft 6+ counts 1.0 as an integer.
    @inline(__always) func contains(_ v: RawJSON, wholeRealsAreIntegers: Bool) -> Bool {
        switch wok_json_typeof(v) {
        case JSON_OBJECT: return contains(.object)
        case JSON_ARRAY: return contains(.array)
        case JSON_STRING: return contains(.string)
        case JSON_INTEGER: return !isDisjoint(with: [.integer, .number])
        case JSON_REAL:
            if contains(.number) { return true }
            guard contains(.integer) else { return false }
            let d = json_real_value(v)
            guard d.isFinite, d == d.rounded(.towardZero) else { return false }
            return wholeRealsAreIntegers || abs(d) >= 9.2e18
        case JSON_TRUE, JSON_FALSE: return contains(.boolean)
        default: return contains(.null)
        }
    }
}

/// `type`: the instance is one of the named types.
final class TypeKeyword: Keyword {
    let types: TypeSet
    let names: [String]
    let wholeRealsAreIntegers: Bool
    let absolute: String?

    init(types: TypeSet, names: [String], wholeRealsAreIntegers: Bool, absolute: String?) {
        self.types = types
        self.names = names
        self.wholeRealsAreIntegers = wholeRealsAreIntegers
        self.absolute = absolute
    }

    override func isValid(_ instance: RawJSON, _ ctx: inout EvalContext) -> Bool {
        types.contains(instance, wholeRealsAreIntegers: wholeRealsAreIntegers)
    }

    override func validate(_ instance: RawJSON, _ ctx: inout EvalContext, _ at: Location, _ sink: inout ErrorSink) {
        guard !isValid(instance, &ctx) else { return }
        let expected = names.map { "\"\($0)\"" }.joined(separator: ", ")
        sink.add(at, "type", absolute, "\(Raw.describe(instance)) is not of type \(expected)")
    }
}
