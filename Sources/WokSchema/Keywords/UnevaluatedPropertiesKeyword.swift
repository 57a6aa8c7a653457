import CJansson

/// `unevaluatedProperties`: members that no sibling or nested applicator evaluated meet the schema.
final class UnevaluatedPropertiesKeyword: Keyword {
    let schema: NodeRef
    /// The schema this keyword belongs to (owned by the arena).
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
        parent.node.collectProperties(instance, &ctx, &evaluated, excluding: self)
        return evaluated
    }

    override func isValid(_ instance: RawJSON, _ ctx: inout EvalContext) -> Bool {
        guard wok_json_typeof(instance) == JSON_OBJECT, json_object_size(instance) > 0 else { return true }
        let done = evaluated(instance, &ctx)
        if done.all { return true }
        var iter = json_object_iter(instance)
        while let current = iter {
            if !done.keys.contains(Raw.key(current)) {
                if forbids || !schema.isValid(json_object_iter_value(current)!, &ctx) { return false }
            }
            iter = json_object_iter_next(instance, current)
        }
        return true
    }

    override func validate(_ instance: RawJSON, _ ctx: inout EvalContext, _ at: Location, _ sink: inout ErrorSink) {
        guard wok_json_typeof(instance) == JSON_OBJECT, json_object_size(instance) > 0 else { return }
        let done = evaluated(instance, &ctx)
        if done.all { return }
        var iter = json_object_iter(instance)
        while let current = iter, !sink.isFull {
            let key = Raw.key(current)
            if !done.keys.contains(key) {
                let value = json_object_iter_value(current)!
                if forbids {
                    sink.add(at, "unevaluatedProperties", absolute, "unevaluated property \"\(key)\" is not allowed")
                } else if !schema.isValid(value, &ctx) {
                    schema.validate(value, &ctx, at.child(key, keyword: "unevaluatedProperties"), &sink)
                }
            }
            iter = json_object_iter_next(instance, current)
        }
    }

    override func collectProperties(_ instance: RawJSON, _ ctx: inout EvalContext, _ into: inout Evaluated) {
        into.all = true
    }
}
