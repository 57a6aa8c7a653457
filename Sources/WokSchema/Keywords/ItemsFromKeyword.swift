import CJansson

/// `items` (schema form), `additionalItems`, and 2020-12 `items` after `prefixItems`:
/// every item from `start` on.
final class ItemsFromKeyword: Keyword {
    let schema: NodeRef
    let start: Int
    let name: String
    let absolute: String?

    init(schema: NodeRef, start: Int, name: String, absolute: String?) {
        self.schema = schema
        self.start = start
        self.name = name
        self.absolute = absolute
    }

    override func isValid(_ instance: RawJSON, _ ctx: inout EvalContext) -> Bool {
        guard wok_json_typeof(instance) == JSON_ARRAY else { return true }
        let n = json_array_size(instance)
        var i = start
        while i < n {
            if !schema.isValid(json_array_get(instance, i)!, &ctx) { return false }
            i += 1
        }
        return true
    }

    override func validate(_ instance: RawJSON, _ ctx: inout EvalContext, _ at: Location, _ sink: inout ErrorSink) {
        guard wok_json_typeof(instance) == JSON_ARRAY else { return }
        let n = json_array_size(instance)
        var i = start
        while i < n && !sink.isFull {
            let item = json_array_get(instance, i)!
            if !schema.isValid(item, &ctx) { schema.validate(item, &ctx, at.child(i, keyword: name), &sink) }
            i += 1
        }
    }

    override func collectItems(_ instance: RawJSON, _ ctx: inout EvalContext, _ into: inout Evaluated) {
        guard wok_json_typeof(instance) == JSON_ARRAY else { return }
        into.all = true
    }
}
