import CJansson

/// `patternProperties`: members whose name matches a pattern meet its schema.
final class PatternPropertiesKeyword: Keyword {
    let patterns: [(ECMARegex, NodeRef)]

    init(patterns: [(ECMARegex, NodeRef)]) { self.patterns = patterns }

    override func isValid(_ instance: RawJSON, _ ctx: inout EvalContext) -> Bool {
        guard wok_json_typeof(instance) == JSON_OBJECT else { return true }
        var iter = json_object_iter(instance)
        while let current = iter {
            let key = Raw.keyBytes(current)
            for (regex, schema) in patterns {
                switch regex.search(validUTF8: key) {
                case .noMatch: continue
                case .limitExceeded: return false
                case .match: if !schema.isValid(json_object_iter_value(current)!, &ctx) { return false }
                }
            }
            iter = json_object_iter_next(instance, current)
        }
        return true
    }

    override func validate(_ instance: RawJSON, _ ctx: inout EvalContext, _ at: Location, _ sink: inout ErrorSink) {
        guard wok_json_typeof(instance) == JSON_OBJECT else { return }
        var iter = json_object_iter(instance)
        while let current = iter, !sink.isFull {
            let key = Raw.keyBytes(current)
            let value = json_object_iter_value(current)!
            for (regex, schema) in patterns {
                switch regex.search(validUTF8: key) {
                case .noMatch: continue
                case .limitExceeded:
                    sink.add(at.keyword("patternProperties"), regex.pattern, nil,
                             "pattern \"\(regex.pattern)\" was too costly to evaluate against the property name \"\(Raw.key(current))\"")
                case .match:
                    if !schema.isValid(value, &ctx) {
                        schema.validate(value, &ctx, at.child(Raw.key(current), keyword: "patternProperties", regex.pattern), &sink)
                    }
                }
            }
            iter = json_object_iter_next(instance, current)
        }
    }

    override func collectProperties(_ instance: RawJSON, _ ctx: inout EvalContext, _ into: inout Evaluated) {
        guard wok_json_typeof(instance) == JSON_OBJECT else { return }
        var iter = json_object_iter(instance)
        while let current = iter {
            let key = Raw.keyBytes(current)
            for (regex, _) in patterns where regex.search(validUTF8: key) == .match {
                into.keys.insert(Raw.key(current))
                break
            }
            iter = json_object_iter_next(instance, current)
        }
    }
}
