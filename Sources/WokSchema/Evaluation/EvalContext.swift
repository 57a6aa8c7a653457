/// The mutable state of one validation run: recursion bounds and the dynamic scope.
///
/// Lives on the caller's stack; nothing here allocates unless the schema uses
/// `$dynamicRef`/`$recursiveRef` (then the scope array does).
struct EvalContext {
    /// `$ref`s followed in a row at the current instance location.
    var refsHere = 0
    /// The instance location those `$ref`s were followed at.
    var refInstance: RawJSON?
    /// `$ref`s currently being followed, over all locations.
    var refDepth = 0
    let maxRefDepth: Int
    let maxEvaluationDepth: Int
    /// Set when a bound was hit; the instance is then reported invalid.
    var limitHit = false
    /// Whether to keep the dynamic scope (only schemas with dynamic references need it).
    let tracksScope: Bool
    /// Schema resources entered, outermost first.
    var scope: ContiguousArray<SchemaResource> = []

    init(maxRefDepth: Int, maxEvaluationDepth: Int, tracksScope: Bool) {
        self.maxRefDepth = maxRefDepth
        self.maxEvaluationDepth = maxEvaluationDepth
        self.tracksScope = tracksScope
    }

    /// Enters a `$ref` to be followed at `instance`; false when a bound is hit.
    @inline(__always) mutating func enterRef(_ instance: RawJSON) -> (Bool, Int, RawJSON?) {
        let saved = (refsHere, refInstance)
        if refInstance == instance { refsHere &+= 1 } else { refInstance = instance; refsHere = 1 }
        refDepth &+= 1
        if refsHere > maxRefDepth || refDepth > maxEvaluationDepth {
            limitHit = true
            return (false, saved.0, saved.1)
        }
        return (true, saved.0, saved.1)
    }

    @inline(__always) mutating func leaveRef(_ saved: (Bool, Int, RawJSON?)) {
        refsHere = saved.1
        refInstance = saved.2
        refDepth &-= 1
    }
}
