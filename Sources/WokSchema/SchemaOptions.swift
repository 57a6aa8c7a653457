/// How schemas are compiled and instances validated. Every bound is explicit.
public struct SchemaOptions: Sendable {
    /// The draft of schemas that have no `$schema`.
    public var defaultDraft: Draft = .draft2020_12
    /// Treat `format` as an assertion rather than an annotation (and, in draft 7,
    /// `contentEncoding: base64` / `contentMediaType: application/json` too).
    public var assertFormat = false
    /// The most `$ref`s followed in a row while validating one instance location
    /// (guards against unbounded recursion through recursive schemas).
    public var maxRefDepth = 128
    /// The most `$ref`s being followed at once over the whole instance (bounds the stack
    /// when a recursive schema meets a deeply nested instance).
    public var maxEvaluationDepth = 4_096
    /// The deepest nesting of subschemas accepted when compiling.
    public var maxSchemaDepth = 512
    /// PCRE2 match limit per regular-expression match: the bound on backtracking cost.
    public var regexMatchLimit: UInt32 = 1_000_000
    /// The most errors `Validator.validate(_:)` reports for one instance (a huge invalid
    /// instance cannot make it build an unbounded list); `validate(_:maxErrors:)` overrides it.
    public var maxErrors = 100_000

    public init(defaultDraft: Draft = .draft2020_12, assertFormat: Bool = false) {
        self.defaultDraft = defaultDraft
        self.assertFormat = assertFormat
    }
}
