import CJansson

/// A compiled schema: its keywords, and where it sits.
final class SchemaNode: @unchecked Sendable {
    /// Strong references to the keywords (set once while compiling).
    private var owned: [Keyword] = []
    /// Strong references to the keywords of the fast path.
    private var fastOwned: [Keyword] = []
    /// The keywords as unretained references, read on the hot path without ARC or
    /// exclusivity checks.
    private let table: UnsafeMutablePointer<UnsafeMutableBufferPointer<Unmanaged<Keyword>>>
    /// The resource the schema belongs to (dynamic scope).
    unowned(unsafe) let resource: SchemaResource
    /// `uri#/pointer` of this schema, for `absoluteKeywordLocation`; nil for anonymous documents.
    let absolute: String?
    /// WoK's `error` keyword: the code given to every error this schema produces.
    var errorCode: String?

    init(resource: SchemaResource, absolute: String?) {
        self.resource = resource
        self.absolute = absolute
        table = .allocate(capacity: 1)
        table.initialize(to: UnsafeMutableBufferPointer(start: nil, count: 0))
    }

    deinit {
        table.pointee.deallocate()
        table.deallocate()
    }

    /// The keywords in schema order (errors and annotations come from these).
    var keywords: [Keyword] {
        get { owned }
        set { setKeywords(newValue, fast: newValue) }
    }

    /// Sets the keywords once while compiling; `fast` are those `isValid` runs (the same
    /// checks, possibly fused).
    func setKeywords(_ all: [Keyword], fast: [Keyword]) {
        owned = all
        fastOwned = fast
        table.pointee.deallocate()
        let buffer = UnsafeMutableBufferPointer<Unmanaged<Keyword>>.allocate(capacity: fast.count)
        for (i, keyword) in fast.enumerated() { buffer.initializeElement(at: i, to: .passUnretained(keyword)) }
        table.pointee = buffer
    }

    /// The target when the schema is a bare `$ref` (for `$ref` cycle detection).
    var refOnly: SchemaNode? { owned.count == 1 ? (owned[0] as? RefKeyword)?.target.node : nil }

    @inline(__always) func isValid(_ instance: RawJSON, _ ctx: inout EvalContext) -> Bool {
        if ctx.tracksScope { return isValidTracking(instance, &ctx) }
        let list = table.pointee
        for i in 0..<list.count where !list[i]._withUnsafeGuaranteedRef({ $0.isValid(instance, &ctx) }) { return false }
        return true
    }

    private func isValidTracking(_ instance: RawJSON, _ ctx: inout EvalContext) -> Bool {
        let pushed = enterScope(&ctx)
        defer { if pushed { ctx.scope.removeLast() } }
        for keyword in fastOwned where !keyword.isValid(instance, &ctx) { return false }
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
        for keyword in owned where !sink.isFull { keyword.validate(instance, &ctx, at, &sink) }
        if let errorCode { sink.setCode(errorCode, from: start) }
    }

    /// The members evaluated by this schema's keywords, except `excluding`.
    func collectProperties(_ instance: RawJSON, _ ctx: inout EvalContext, _ into: inout Evaluated, excluding: Keyword? = nil) {
        let pushed = enterScope(&ctx)
        defer { if pushed { ctx.scope.removeLast() } }
        for keyword in owned where keyword !== excluding {
            keyword.collectProperties(instance, &ctx, &into)
            if into.all { return }
        }
    }

    /// The items evaluated by this schema's keywords, except `excluding`.
    func collectItems(_ instance: RawJSON, _ ctx: inout EvalContext, _ into: inout Evaluated, excluding: Keyword? = nil) {
        let pushed = enterScope(&ctx)
        defer { if pushed { ctx.scope.removeLast() } }
        for keyword in owned where keyword !== excluding {
            keyword.collectItems(instance, &ctx, &into)
            if into.all { return }
        }
    }
}
