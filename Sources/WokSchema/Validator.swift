import WokJSON

/// A compiled schema: validates many instances, safely from any thread.
///
/// Immutable after `SchemaCompiler.compile`. `isValid` walks the compiled keyword tree
/// directly on the instance's jansson values and builds no locations; `validate` builds
/// locations only for the keywords that fail.
public final class Validator: Sendable {
    /// The draft the root schema was compiled under.
    public let draft: Draft
    /// The root schema's base URI (its `$id`, or the URI it was loaded from), if any.
    public let uri: String?
    /// The schema document as loaded.
    public let schema: JSON

    private let root: SchemaNode
    /// Every compiled schema: references between them are unowned, this keeps them alive.
    private let arena: [SchemaNode]
    private let resources: [SchemaResource]
    /// The documents compiled keywords point into.
    private let documents: [JSON]
    private let tracksScope: Bool
    private let maxRefDepth: Int
    private let maxEvaluationDepth: Int
    private let maxErrors: Int

    init(draft: Draft, uri: String?, schema: JSON, root: SchemaNode, session: CompileSession) {
        self.draft = draft
        self.uri = uri
        self.schema = schema
        self.root = root
        self.arena = session.arena
        self.resources = session.resourceList
        self.documents = Array(session.usedDocuments.values)
        self.tracksScope = session.usesDynamicScope
        self.maxRefDepth = session.options.maxRefDepth
        self.maxEvaluationDepth = session.options.maxEvaluationDepth
        self.maxErrors = session.options.maxErrors
    }

    private func context() -> EvalContext {
        EvalContext(maxRefDepth: maxRefDepth, maxEvaluationDepth: maxEvaluationDepth, tracksScope: tracksScope)
    }

    /// The instance's errors, at most `SchemaOptions.maxErrors` of them (the first ones, in
    /// schema order); empty when valid.
    public func validate(_ instance: JSON) -> [ValidationError] {
        validate(instance, maxErrors: maxErrors)
    }

    /// The instance's first `maxErrors` errors in schema order (at least one when invalid);
    /// empty when valid. Validation stops once that many are found.
    public func validate(_ instance: JSON, maxErrors: Int) -> [ValidationError] {
        var ctx = context()
        if root.isValid(instance.raw, &ctx) { return [] }
        var sink = ErrorSink(limit: maxErrors)
        ctx = context()
        root.validate(instance.raw, &ctx, .root, &sink)
        if sink.errors.isEmpty {
            sink.append(ValidationError(instanceLocation: "", keywordLocation: "",
                                        message: "\(Raw.describe(instance.raw)) is not valid"))
        }
        return sink.errors
    }

    /// Whether the instance is valid. Builds no locations and allocates nothing on success
    /// (schemas with `$dynamicRef`/`$recursiveRef` keep a small scope stack).
    public func isValid(_ instance: JSON) -> Bool {
        var ctx = context()
        return root.isValid(instance.raw, &ctx)
    }
}
