/// `$dynamicRef` (2020-12) and `$recursiveRef` (2019-09): a reference whose target depends
/// on the dynamic scope.
final class DynamicRefKeyword: Keyword {
    /// The statically resolved target.
    let initial: NodeRef
    /// 2020-12: the `$dynamicAnchor` name to look for in the dynamic scope (nil: static).
    let anchor: String?
    /// 2019-09 `$recursiveRef`: follow `$recursiveAnchor: true` resources outward.
    let recursive: Bool
    let name: String
    let absolute: String?

    init(initial: NodeRef, anchor: String?, recursive: Bool, name: String, absolute: String?) {
        self.initial = initial
        self.anchor = anchor
        self.recursive = recursive
        self.name = name
        self.absolute = absolute
    }

    private func target(_ ctx: EvalContext) -> NodeRef {
        if recursive {
            guard initial.node.resource.recursiveAnchor else { return initial }
            var target = initial
            for resource in ctx.scope.reversed() {
                if !resource.recursiveAnchor { break }
                if let root = resource.root { target = NodeRef.passUnretained(root) }
            }
            return target
        }
        if let anchor {
            for resource in ctx.scope {
                if let node = resource.dynamicAnchors[anchor] { return node }
            }
        }
        return initial
    }

    override func isValid(_ instance: RawJSON, _ ctx: inout EvalContext) -> Bool {
        let saved = ctx.enterRef(instance)
        defer { ctx.leaveRef(saved) }
        guard saved.0 else { return false }
        return target(ctx).isValid(instance, &ctx)
    }

    override func validate(_ instance: RawJSON, _ ctx: inout EvalContext, _ at: Location, _ sink: inout ErrorSink) {
        let saved = ctx.enterRef(instance)
        defer { ctx.leaveRef(saved) }
        guard saved.0 else {
            sink.add(at, name, absolute, "\(name) recursion went deeper than the configured bound")
            return
        }
        let node = target(ctx)
        if !node.isValid(instance, &ctx) { node.validate(instance, &ctx, at.keyword(name), &sink) }
    }

    override func collectProperties(_ instance: RawJSON, _ ctx: inout EvalContext, _ into: inout Evaluated) {
        let saved = ctx.enterRef(instance)
        defer { ctx.leaveRef(saved) }
        guard saved.0 else { return }
        target(ctx).collectProperties(instance, &ctx, &into)
    }

    override func collectItems(_ instance: RawJSON, _ ctx: inout EvalContext, _ into: inout Evaluated) {
        let saved = ctx.enterRef(instance)
        defer { ctx.leaveRef(saved) }
        guard saved.0 else { return }
        target(ctx).collectItems(instance, &ctx, &into)
    }
}
