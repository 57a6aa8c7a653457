import CJansson
import WokJSON

/// A borrowed jansson value, valid while the instance being validated lives.
typealias RawJSON = UnsafeMutablePointer<json_t>

/// Allocation-free helpers over jansson values for the hot path.
enum Raw {
    /// The instance's JSON Schema type name, as messages print it.
    static func typeName(_ v: RawJSON) -> String {
        switch wok_json_typeof(v) {
        case JSON_OBJECT: "object"
        case JSON_ARRAY: "array"
        case JSON_STRING: "string"
        case JSON_INTEGER: "integer"
        case JSON_REAL: "number"
        case JSON_TRUE, JSON_FALSE: "boolean"
        default: "null"
        }
    }

    @inline(__always) static func isNumber(_ v: RawJSON) -> Bool {
        let t = wok_json_typeof(v)
        return t == JSON_INTEGER || t == JSON_REAL
    }

    /// The value's compact JSON text, shortened for messages.
    static func describe(_ v: RawJSON, limit: Int = 80) -> String {
        switch wok_json_typeof(v) {
        case JSON_INTEGER: return String(json_integer_value(v))
        case JSON_TRUE: return "true"
        case JSON_FALSE: return "false"
        case JSON_NULL: return "null"
        case JSON_STRING where json_string_length(v) <= limit:
            let bytes = stringBytes(v)
            if !bytes.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C || $0 == 0x7F }) {
                return "\"" + String(decoding: bytes, as: UTF8.self) + "\""
            }
        default: break
        }
        let text = JSON(retaining: v).serializedString()
        guard text.count > limit else { return text }
        return String(text.prefix(limit)) + "…"
    }

    /// The string's UTF-8 bytes, no copy.
    @inline(__always) static func stringBytes(_ v: RawJSON) -> UnsafeBufferPointer<UInt8> {
        let length = json_string_length(v)
        let base = UnsafeRawPointer(json_string_value(v)!).assumingMemoryBound(to: UInt8.self)
        return UnsafeBufferPointer(start: base, count: length)
    }

    static func string(_ v: RawJSON) -> String { String(decoding: stringBytes(v), as: UTF8.self) }

    /// The number of Unicode code points of a string (UTF-8 bytes that are not continuation bytes).
    @inline(__always) static func codePointCount(_ v: RawJSON) -> Int {
        let bytes = stringBytes(v)
        var n = 0
        for b in bytes where b & 0xC0 != 0x80 { n &+= 1 }
        return n
    }

    /// JSON Schema equality: numbers by value, objects regardless of member order.
    @inline(__always) static func equal(_ a: RawJSON, _ b: RawJSON) -> Bool { JSON.equal(a, b) }

    /// A hash consistent with `equal`.
    static func hash(_ v: RawJSON, into hasher: inout Hasher) {
        switch wok_json_typeof(v) {
        case JSON_INTEGER, JSON_REAL:
            hasher.combine(3)
            let n = Number(v)
            switch n {
            case .int(let i): hasher.combine(Double(i))
            case .real(let d): hasher.combine(d)
            }
        case JSON_STRING:
            hasher.combine(4)
            hasher.combine(bytes: UnsafeRawBufferPointer(stringBytes(v)))
        case JSON_ARRAY:
            hasher.combine(5)
            for i in 0..<json_array_size(v) { hash(json_array_get(v, i)!, into: &hasher) }
        case JSON_OBJECT:
            hasher.combine(6)
            var combined = 0
            var iter = json_object_iter(v)
            while let current = iter {
                var h = Hasher()
                h.combine(bytes: UnsafeRawBufferPointer(start: json_object_iter_key(current), count: json_object_iter_key_len(current)))
                hash(json_object_iter_value(current)!, into: &h)
                combined ^= h.finalize()
                iter = json_object_iter_next(v, current)
            }
            hasher.combine(combined)
        case JSON_TRUE: hasher.combine(1)
        case JSON_FALSE: hasher.combine(2)
        default: hasher.combine(0)
        }
    }

    /// The key of an object iterator as a `String`.
    static func key(_ iter: UnsafeMutableRawPointer) -> String {
        let length = json_object_iter_key_len(iter)
        let base = UnsafeRawPointer(json_object_iter_key(iter)!).assumingMemoryBound(to: UInt8.self)
        return String(decoding: UnsafeBufferPointer(start: base, count: length), as: UTF8.self)
    }

    /// The key of an object iterator as bytes, no copy.
    @inline(__always) static func keyBytes(_ iter: UnsafeMutableRawPointer) -> UnsafeBufferPointer<UInt8> {
        let length = json_object_iter_key_len(iter)
        let base = UnsafeRawPointer(json_object_iter_key(iter)!).assumingMemoryBound(to: UInt8.self)
        return UnsafeBufferPointer(start: base, count: length)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
