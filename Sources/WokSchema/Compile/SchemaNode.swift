import CJansson

/// A compiled schema: its keywords, and where it sits.
final class SchemaNode: @unchecked Sendable {
    /// The keywords in schema order. Set once while compiling, then never changed.
    var keywords: ContiguousArray<any Keyword> = []
    /// The resource the schema belongs to (dynamic scope).
    unowned(unsafe) var resource: SchemaResource
    /// `uri#/pointer` of this schema, for `absoluteKeywordLocation`; nil for anonymous documents.
    let absolute: String?
    /// WoK's `error` keyword: the code given to every error this schema produces.
    var errorCode: String?
    /// Whether the schema is a bare `$ref` (for `$ref` cycle detection).
    var refOnly: SchemaNode? { keywords.count == 1 ? (keywords[0] as? RefKeyword)?.target : nil }

    init(resource: SchemaResource, absolute: String?) {
        self.resource = resource
        self.absolute = absolute
    }

    @inline(__always) func isValid(_ instance: RawJSON, _ ctx: inout EvalContext) -> Bool {
        if ctx.tracksScope { return isValidTracking(instance, &ctx) }
        for keyword in keywords where !keyword.isValid(instance, &ctx) { return false }
        return true
    }

    private func isValidTracking(_ instance: RawJSON, _ ctx: inout EvalContext) -> Bool {
        let pushed = enterScope(&ctx)
        defer { if pushed { ctx.scope.removeLast() } }
        for keyword in keywords where !keyword.isValid(instance, &ctx) { return false }
        return true
    }

    @inline(__always) private func enterScope(_ ctx: inout EvalContext) -> Bool {
        guard ctx.tracksScope, ctx.scope.last !== resource else { return false }
        ctx.scope.append(resource)
        return true
    }

    /// Appends every error of `instance`; `at` is this schema's location.
    func validate(_ instance: RawJSON, _ ctx: inout EvalContext, _ at: Location, _ sink: inout ErrorSink) {
        let pushed = enterScope(&ctx)
        defer { if pushed { ctx.scope.removeLast() } }
        let start = sink.errors.count
        for keyword in keywords { keyword.validate(instance, &ctx, at, &sink) }
        if let errorCode {
            for i in start..<sink.errors.count where sink.errors[i].code == nil { sink.errors[i].code = errorCode }
        }
    }

    /// The members evaluated by this schema's keywords, except `excluding`.
    func collectProperties(_ instance: RawJSON, _ ctx: inout EvalContext, _ into: inout Evaluated, excluding: (any Keyword)? = nil) {
        let pushed = enterScope(&ctx)
        defer { if pushed { ctx.scope.removeLast() } }
        for keyword in keywords where keyword !== excluding {
            keyword.collectProperties(instance, &ctx, &into)
            if into.all { return }
        }
    }

    /// The items evaluated by this schema's keywords, except `excluding`.
    func collectItems(_ instance: RawJSON, _ ctx: inout EvalContext, _ into: inout Evaluated, excluding: (any Keyword)? = nil) {
        let pushed = enterScope(&ctx)
        defer { if pushed { ctx.scope.removeLast() } }
        for keyword in keywords where keyword !== excluding {
            keyword.collectItems(instance, &ctx, &into)
            if into.all { return }
        }
    }
}
