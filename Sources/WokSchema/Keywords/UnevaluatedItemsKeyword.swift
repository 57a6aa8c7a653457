import CJansson

/// `unevaluatedItems`: items that no sibling or nested applicator evaluated meet the schema.
final class UnevaluatedItemsKeyword: Keyword {
    let schema: NodeRef
    let parent: NodeRef
    let forbids: Bool
    let absolute: String?

    init(schema: NodeRef, parent: NodeRef, forbids: Bool, absolute: String?) {
        self.schema = schema
        self.parent = parent
        self.forbids = forbids
        self.absolute = absolute
    }

    private func evaluated(_ instance: RawJSON, _ ctx: inout EvalContext) -> Evaluated {
        var evaluated = Evaluated()
        parent.node.collectItems(instance, &ctx, &evaluated, excluding: self)
        return evaluated
    }

    override func isValid(_ instance: RawJSON, _ ctx: inout EvalContext) -> Bool {
        guard wok_json_typeof(instance) == JSON_ARRAY, json_array_size(instance) > 0 else { return true }
        let done = evaluated(instance, &ctx)
        if done.all { return true }
        for i in 0..<json_array_size(instance) where !done.indexes.contains(i) {
            if forbids || !schema.isValid(json_array_get(instance, i)!, &ctx) { return false }
        }
        return true
    }

    override func validate(_ instance: RawJSON, _ ctx: inout EvalContext, _ at: Location, _ sink: inout ErrorSink) {
        guard wok_json_typeof(instance) == JSON_ARRAY, json_array_size(instance) > 0 else { return }
        let done = evaluated(instance, &ctx)
        if done.all { return }
        for i in 0..<json_array_size(instance) where !done.indexes.contains(i) && !sink.isFull {
            let item = json_array_get(instance, i)!
            if forbids {
                sink.add(at, "unevaluatedItems", absolute, "unevaluated item \(i) is not allowed")
            } else if !schema.isValid(item, &ctx) {
                schema.validate(item, &ctx, at.child(i, keyword: "unevaluatedItems"), &sink)
            }
        }
    }

    override func collectItems(_ instance: RawJSON, _ ctx: inout EvalContext, _ into: inout Evaluated) {
        into.all = true
    }
}
