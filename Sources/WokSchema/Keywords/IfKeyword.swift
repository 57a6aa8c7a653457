/// `if` / `then` / `else`.
final class IfKeyword: Keyword {
    let condition: NodeRef
    let then: NodeRef?
    let otherwise: NodeRef?

    init(condition: NodeRef, then: NodeRef?, otherwise: NodeRef?) {
        self.condition = condition
        self.then = then
        self.otherwise = otherwise
    }

    override func isValid(_ instance: RawJSON, _ ctx: inout EvalContext) -> Bool {
        if then == nil && otherwise == nil { return true }
        if condition.isValid(instance, &ctx) { return then?.isValid(instance, &ctx) ?? true }
        return otherwise?.isValid(instance, &ctx) ?? true
    }

    override func validate(_ instance: RawJSON, _ ctx: inout EvalContext, _ at: Location, _ sink: inout ErrorSink) {
        if then == nil && otherwise == nil { return }
        if condition.isValid(instance, &ctx) {
            if let then, !then.isValid(instance, &ctx) { then.validate(instance, &ctx, at.keyword("then"), &sink) }
        } else if let otherwise, !otherwise.isValid(instance, &ctx) {
            otherwise.validate(instance, &ctx, at.keyword("else"), &sink)
        }
    }

    override func collectProperties(_ instance: RawJSON, _ ctx: inout EvalContext, _ into: inout Evaluated) {
        if condition.isValid(instance, &ctx) {
            condition.collectProperties(instance, &ctx, &into)
            then?.collectProperties(instance, &ctx, &into)
        } else {
            otherwise?.collectProperties(instance, &ctx, &into)
        }
    }

    override func collectItems(_ instance: RawJSON, _ ctx: inout EvalContext, _ into: inout Evaluated) {
        if condition.isValid(instance, &ctx) {
            condition.collectItems(instance, &ctx, &into)
            then?.collectItems(instance, &ctx, &into)
        } else {
            otherwise?.collectItems(instance, &ctx, &into)
        }
    }
}
