import CJansson

extension JSON {
    /// JSON `null`.
    public static var null: JSON { JSON(adopting: json_null()) }

    /// A JSON boolean.
    public static func bool(_ value: Bool) -> JSON { JSON(adopting: wok_json_boolean(value ? 1 : 0)) }

    /// A JSON integer.
    public static func int(_ value: Int64) -> JSON { JSON(adopting: json_integer(json_int_t(value))) }

    /// A JSON real. Non-finite values cannot be represented and become `null`.
    public static func double(_ value: Double) -> JSON {
        guard value.isFinite, let real = json_real(value) else { return .null }
        return JSON(adopting: real)
    }

    /// A JSON string.
    public static func string(_ value: String) -> JSON {
        var value = value
        return value.withUTF8 { bytes in
            bytes.withMemoryRebound(to: CChar.self) { chars in
                JSON(adopting: json_stringn_nocheck(chars.baseAddress ?? emptyCString, chars.count)!)
            }
        }
    }

    /// A JSON array of the given values (shared, not copied).
    public static func array(_ values: [JSON]) -> JSON {
        let array = json_array()!
        for value in values { _ = json_array_append(array, value.raw) }
        return JSON(adopting: array)
    }

    /// A JSON object with the given members in order; a repeated key keeps its last value.
    public static func object(_ members: KeyValuePairs<String, JSON>) -> JSON {
        object(members.map { ($0.key, $0.value) })
    }

    /// A JSON object with the given members in order; a repeated key keeps its last value.
    public static func object(_ members: [(String, JSON)]) -> JSON {
        let object = json_object()!
        for (key, value) in members {
            var key = key
            key.withUTF8 { bytes in
                bytes.withMemoryRebound(to: CChar.self) { chars in
                    _ = json_object_setn_nocheck(object, chars.baseAddress ?? emptyCString, chars.count, value.raw)
                }
            }
        }
        return JSON(adopting: object)
    }

    /// A copy of this object with `key` set to `value` (this value is left as it is).
    public func setting(_ key: String, to value: JSON) -> JSON {
        precondition(isObject, "setting(_:to:) needs a JSON object")
        var members = Array(self.members.map { ($0.key, $0.value) }.filter { $0.0 != key })
        members.append((key, value))
        return .object(members)
    }
}

extension JSON: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByNilLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(nilLiteral: ()) { self = .null }
    public init(arrayLiteral elements: JSON...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSON)...) { self = .object(elements) }
}
