/// One compiled keyword (or keyword family) of a schema: precomputed data, a fast check,
/// and an error-reporting path that builds locations.
///
/// A class rather than a protocol so that the hot path dispatches through the vtable on
/// unretained references (`Unmanaged`), without reference-counting traffic.
class Keyword {
    /// Whether `instance` passes this keyword. Builds no locations, allocates nothing.
    func isValid(_ instance: RawJSON, _ ctx: inout EvalContext) -> Bool { true }
    /// Appends the errors of `instance` under this keyword; `at` locates the owning schema.
    func validate(_ instance: RawJSON, _ ctx: inout EvalContext, _ at: Location, _ sink: inout ErrorSink) {}
    /// Adds the object members this keyword evaluated (for `unevaluatedProperties`),
    /// assuming the owning schema is valid.
    func collectProperties(_ instance: RawJSON, _ ctx: inout EvalContext, _ into: inout Evaluated) {}
    /// Adds the array items this keyword evaluated (for `unevaluatedItems`).
    func collectItems(_ instance: RawJSON, _ ctx: inout EvalContext, _ into: inout Evaluated) {}
}

/// The members or items that keywords evaluated, for the `unevaluated*` keywords.
struct Evaluated {
    var all = false
    var keys: Set<String> = []
    var indexes: Set<Int> = []

    mutating func addPrefix(_ n: Int) { for i in 0..<n { indexes.insert(i) } }
}

/// An unretained reference to a compiled schema; the validator's arena keeps it alive.
typealias NodeRef = Unmanaged<SchemaNode>

extension Unmanaged where Instance == SchemaNode {
    @inline(__always) var node: SchemaNode { takeUnretainedValue() }

    @inline(__always) func isValid(_ instance: RawJSON, _ ctx: inout EvalContext) -> Bool {
        _withUnsafeGuaranteedRef { $0.isValid(instance, &ctx) }
    }

    func validate(_ instance: RawJSON, _ ctx: inout EvalContext, _ at: Location, _ sink: inout ErrorSink) {
        takeUnretainedValue().validate(instance, &ctx, at, &sink)
    }

    func collectProperties(_ instance: RawJSON, _ ctx: inout EvalContext, _ into: inout Evaluated) {
        takeUnretainedValue().collectProperties(instance, &ctx, &into)
    }

    func collectItems(_ instance: RawJSON, _ ctx: inout EvalContext, _ into: inout Evaluated) {
        takeUnretainedValue().collectItems(instance, &ctx, &into)
    }
}
