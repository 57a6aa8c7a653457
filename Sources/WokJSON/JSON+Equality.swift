import CJansson
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension JSON: Equatable {
    /// JSON Schema's equality: numbers compare by value (`1 == 1.0`), objects ignore member
    /// order, arrays compare element by element, strings by their code points.
    public static func == (lhs: JSON, rhs: JSON) -> Bool {
        JSON.equal(lhs.raw, rhs.raw)
    }

    /// JSON Schema equality on raw jansson values; `==` and the schema engine's `enum`, `const`
    /// and `uniqueItems` share it.
    package static func equal(_ a: UnsafeMutablePointer<json_t>, _ b: UnsafeMutablePointer<json_t>) -> Bool {
        if a == b { return true }
        let ta = wok_json_typeof(a), tb = wok_json_typeof(b)
        switch (ta, tb) {
        case (JSON_INTEGER, JSON_INTEGER):
            return json_integer_value(a) == json_integer_value(b)
        case (JSON_INTEGER, JSON_REAL), (JSON_REAL, JSON_INTEGER), (JSON_REAL, JSON_REAL):
            return numericEqual(a, b)
        case (JSON_STRING, JSON_STRING):
            let la = json_string_length(a)
            guard la == json_string_length(b) else { return false }
            return memcmp(json_string_value(a), json_string_value(b), la) == 0
        case (JSON_ARRAY, JSON_ARRAY):
            let n = json_array_size(a)
            guard n == json_array_size(b) else { return false }
            for i in 0..<n where !equal(json_array_get(a, i)!, json_array_get(b, i)!) { return false }
            return true
        case (JSON_OBJECT, JSON_OBJECT):
            guard json_object_size(a) == json_object_size(b) else { return false }
            var iter = json_object_iter(a)
            while let current = iter {
                let key = json_object_iter_key(current)!
                let length = json_object_iter_key_len(current)
                guard let other = json_object_getn(b, key, length),
                      equal(json_object_iter_value(current)!, other) else { return false }
                iter = json_object_iter_next(a, current)
            }
            return true
        default:
            return ta == tb  // true, false, null
        }
    }

    /// Compares an integer and a real, or two reals, exactly (no rounding of large integers).
    private static func numericEqual(_ a: UnsafeMutablePointer<json_t>, _ b: UnsafeMutablePointer<json_t>) -> Bool {
        func value(_ v: UnsafeMutablePointer<json_t>) -> (Int64?, Double) {
            wok_json_typeof(v) == JSON_INTEGER
                ? (Int64(json_integer_value(v)), Double(json_integer_value(v)))
                : (nil, json_real_value(v))
        }
        let (ia, da) = value(a), (ib, db) = value(b)
        if let ia, ib == nil { return Int64(exactly: db) == ia }
        if let ib, ia == nil { return Int64(exactly: da) == ib }
        return da == db
    }
}

extension JSON: Hashable {
    /// Consistent with `==`: whole reals hash like the equal integer, object members in any order.
    public func hash(into hasher: inout Hasher) {
        switch kind {
        case .null: hasher.combine(0)
        case .true: hasher.combine(1)
        case .false: hasher.combine(2)
        case .integer: hasher.combine(3); hasher.combine(Double(int!))
        case .real: hasher.combine(3); hasher.combine(double!)
        case .string: hasher.combine(4); hasher.combine(string!)
        case .array:
            hasher.combine(5)
            for element in elements { hasher.combine(element) }
        case .object:
            hasher.combine(6)
            var combined = 0
            for member in members {
                var h = Hasher()
                h.combine(member.key)
                h.combine(member.value)
                combined ^= h.finalize()
            }
            hasher.combine(combined)
        }
    }
}
