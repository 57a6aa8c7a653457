import CJansson
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A property name's bytes in the schema document (kept alive by the validator).
struct PropertyKey: @unchecked Sendable {
    let key: UnsafePointer<CChar>
    let length: Int

    @inline(__always) func matches(_ other: UnsafePointer<CChar>, _ otherLength: Int) -> Bool {
        guard length == otherLength else { return false }
        if length > 16 { return memcmp(key, other, length) == 0 }
        // Short names (the usual case): compare in place rather than call memcmp.
        var i = 0
        while i < length {
            if key[i] != other[i] { return false }
            i &+= 1
        }
        return true
    }
}

/// The fast path for `properties` together with `required` and `additionalProperties`
/// (when no `patternProperties` is present): one pass over the instance's members.
///
/// Used only by `isValid`; errors and annotations still come from the separate keywords.
/// Members are looked up first at the position after the previous match, since documents
/// usually list their members in the schema's order; a miss falls back to a scan.
final class ObjectShapeKeyword: Keyword {
    let keys: [PropertyKey]
    let schemas: [NodeRef]
    /// Bit i: property i is required.
    let requiredMask: UInt64
    /// Required names that `properties` does not list.
    let otherRequired: [PropertyKey]
    /// `additionalProperties`, when fused: nil schema with `forbids` for `false`.
    let additional: NodeRef?
    let forbidsAdditional: Bool

    init(keys: [PropertyKey], schemas: [NodeRef], requiredMask: UInt64, otherRequired: [PropertyKey],
         additional: NodeRef?, forbidsAdditional: Bool) {
        precondition(keys.count <= 64 && keys.count == schemas.count)
        self.keys = keys
        self.schemas = schemas
        self.requiredMask = requiredMask
        self.otherRequired = otherRequired
        self.additional = additional
        self.forbidsAdditional = forbidsAdditional
    }

    @inline(__always) private func index(of key: UnsafePointer<CChar>, _ length: Int, after cursor: Int) -> Int {
        if cursor < keys.count && keys[cursor].matches(key, length) { return cursor }
        for i in 0..<keys.count where keys[i].matches(key, length) { return i }
        return -1
    }

    override func isValid(_ instance: RawJSON, _ ctx: inout EvalContext) -> Bool {
        guard wok_json_typeof(instance) == JSON_OBJECT else { return true }
        var seen: UInt64 = 0
        var cursor = 0
        var iter = json_object_iter(instance)
        while let current = iter {
            let key = json_object_iter_key(current)!
            let length = json_object_iter_key_len(current)
            let i = index(of: key, length, after: cursor)
            if i >= 0 {
                seen |= 1 << UInt64(i)
                cursor = i + 1
                if !schemas[i].isValid(json_object_iter_value(current)!, &ctx) { return false }
            } else if forbidsAdditional {
                return false
            } else if let additional, !additional.isValid(json_object_iter_value(current)!, &ctx) {
                return false
            }
            iter = json_object_iter_next(instance, current)
        }
        if seen & requiredMask != requiredMask { return false }
        for name in otherRequired where json_object_getn(instance, name.key, name.length) == nil { return false }
        return true
    }
}
