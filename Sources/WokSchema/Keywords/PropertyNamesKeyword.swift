import CJansson

/// `propertyNames`: every member name, as a string, meets the schema.
final class PropertyNamesKeyword: Keyword {
    let schema: NodeRef
    init(schema: NodeRef) { self.schema = schema }

    private func forEachName(_ instance: RawJSON, _ body: (RawJSON, UnsafeMutableRawPointer) -> Bool) -> Bool {
        var iter = json_object_iter(instance)
        while let current = iter {
            let name = json_stringn_nocheck(json_object_iter_key(current), json_object_iter_key_len(current))!
            let keep = body(name, current)
            json_decref(name)
            if !keep { return false }
            iter = json_object_iter_next(instance, current)
        }
        return true
    }

    override func isValid(_ instance: RawJSON, _ ctx: inout EvalContext) -> Bool {
        guard wok_json_typeof(instance) == JSON_OBJECT else { return true }
        return forEachName(instance) { name, _ in schema.isValid(name, &ctx) }
    }

    override func validate(_ instance: RawJSON, _ ctx: inout EvalContext, _ at: Location, _ sink: inout ErrorSink) {
        guard wok_json_typeof(instance) == JSON_OBJECT else { return }
        _ = forEachName(instance) { name, _ in
            if !schema.isValid(name, &ctx) {
                var nested = ErrorSink()
                schema.validate(name, &ctx, at.keyword("propertyNames"), &nested)
                for var error in nested.errors {
                    error.message = "property name \(Raw.describe(name)): " + error.message
                    sink.append(error)
                }
            }
            return true
        }
    }
}
