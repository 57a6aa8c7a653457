/// `$ref`: the referenced schema holds. Recursion is bounded by `maxRefDepth` per instance
/// location and `maxEvaluationDepth` overall.
final class RefKeyword: Keyword {
    /// The target, owned by the validator's arena (references may form cycles).
    let target: NodeRef
    let name: String
    let absolute: String?

    init(target: NodeRef, name: String, absolute: String?) {
        self.target = target
        self.name = name
        self.absolute = absolute
    }

    override func isValid(_ instance: RawJSON, _ ctx: inout EvalContext) -> Bool {
        let saved = ctx.enterRef(instance)
        defer { ctx.leaveRef(saved) }
        guard saved.0 else { return false }
        return target.isValid(instance, &ctx)
    }

    override func validate(_ instance: RawJSON, _ ctx: inout EvalContext, _ at: Location, _ sink: inout ErrorSink) {
        let saved = ctx.enterRef(instance)
        defer { ctx.leaveRef(saved) }
        guard saved.0 else {
            sink.add(at, name, absolute, "\(name) recursion went deeper than the configured bound (maxRefDepth \(ctx.maxRefDepth) per location, maxEvaluationDepth \(ctx.maxEvaluationDepth))")
            return
        }
        if !target.isValid(instance, &ctx) { target.validate(instance, &ctx, at.keyword(name), &sink) }
    }

    override func collectProperties(_ instance: RawJSON, _ ctx: inout EvalContext, _ into: inout Evaluated) {
        let saved = ctx.enterRef(instance)
        defer { ctx.leaveRef(saved) }
        guard saved.0 else { return }
        target.collectProperties(instance, &ctx, &into)
    }

    override func collectItems(_ instance: RawJSON, _ ctx: inout EvalContext, _ into: inout Evaluated) {
        let saved = ctx.enterRef(instance)
        defer { ctx.leaveRef(saved) }
        guard saved.0 else { return }
        target.collectItems(instance, &ctx, &into)
    }
}
