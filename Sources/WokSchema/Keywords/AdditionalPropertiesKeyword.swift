import CJansson

/// `additionalProperties`: members not named by `properties` nor matched by
/// `patternProperties` meet this schema.
final class AdditionalPropertiesKeyword: Keyword {
    let schema: NodeRef
    /// The sibling `properties` object of the schema document, used as a hash set of names.
    let properties: RawJSON?
    let patterns: [ECMARegex]
    /// The subschema is `false`: report "additional property not allowed".
    let forbids: Bool
    let absolute: String?

    init(schema: NodeRef, properties: RawJSON?, patterns: [ECMARegex], forbids: Bool, absolute: String?) {
        self.schema = schema
        self.properties = properties
        self.patterns = patterns
        self.forbids = forbids
        self.absolute = absolute
    }

    /// Whether the member is additional; a pattern too costly to evaluate counts as matching
    /// (`patternProperties` reports it).
    @inline(__always) private func isAdditional(_ iter: UnsafeMutableRawPointer) -> Bool {
        if let properties, json_object_getn(properties, json_object_iter_key(iter), json_object_iter_key_len(iter)) != nil { return false }
        if !patterns.isEmpty {
            let key = Raw.keyBytes(iter)
            for regex in patterns where regex.search(validUTF8: key) != .noMatch { return false }
        }
        return true
    }

    override func isValid(_ instance: RawJSON, _ ctx: inout EvalContext) -> Bool {
        guard wok_json_typeof(instance) == JSON_OBJECT else { return true }
        var iter = json_object_iter(instance)
        while let current = iter {
            if isAdditional(current) {
                if forbids || !schema.isValid(json_object_iter_value(current)!, &ctx) { return false }
            }
            iter = json_object_iter_next(instance, current)
        }
        return true
    }

    override func validate(_ instance: RawJSON, _ ctx: inout EvalContext, _ at: Location, _ sink: inout ErrorSink) {
        guard wok_json_typeof(instance) == JSON_OBJECT else { return }
        var iter = json_object_iter(instance)
        while let current = iter, !sink.isFull {
            if isAdditional(current) {
                let key = Raw.key(current)
                if forbids {
                    sink.add(at, "additionalProperties", absolute, "additional property \"\(key)\" is not allowed")
                } else {
                    let value = json_object_iter_value(current)!
                    if !schema.isValid(value, &ctx) { schema.validate(value, &ctx, at.child(key, keyword: "additionalProperties"), &sink) }
                }
            }
            iter = json_object_iter_next(instance, current)
        }
    }

    override func collectProperties(_ instance: RawJSON, _ ctx: inout EvalContext, _ into: inout Evaluated) {
        guard wok_json_typeof(instance) == JSON_OBJECT else { return }
        into.all = true
    }
}
