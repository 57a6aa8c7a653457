import CJansson

/// `prefixItems` (and the array form of `items` before 2020-12): one schema per position.
final class PrefixItemsKeyword: Keyword {
    let schemas: [NodeRef]
    let name: String

    init(schemas: [NodeRef], name: String) {
        self.schemas = schemas
        self.name = name
    }

    override func isValid(_ instance: RawJSON, _ ctx: inout EvalContext) -> Bool {
        guard wok_json_typeof(instance) == JSON_ARRAY else { return true }
        let n = min(json_array_size(instance), schemas.count)
        for i in 0..<n where !schemas[i].isValid(json_array_get(instance, i)!, &ctx) { return false }
        return true
    }

    override func validate(_ instance: RawJSON, _ ctx: inout EvalContext, _ at: Location, _ sink: inout ErrorSink) {
        guard wok_json_typeof(instance) == JSON_ARRAY else { return }
        let n = min(json_array_size(instance), schemas.count)
        for i in 0..<n {
            let item = json_array_get(instance, i)!
            if !schemas[i].isValid(item, &ctx) { schemas[i].validate(item, &ctx, at.child(i, keyword: name, String(i)), &sink) }
        }
    }

    override func collectItems(_ instance: RawJSON, _ ctx: inout EvalContext, _ into: inout Evaluated) {
        guard wok_json_typeof(instance) == JSON_ARRAY else { return }
        into.addPrefix(min(json_array_size(instance), schemas.count))
    }
}
