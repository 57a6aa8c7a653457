import WokJSON

/// Compiles JSON Schemas into `Validator`s.
///
/// Documents added with `addDocument(_:uri:)` (and those a `SchemaRetriever` supplies) can
/// be reached by `$ref`, by their URI or any `$id` or `$anchor` inside them. Compiling is
/// done once; the resulting validators are immutable and `Sendable`.
///
/// TODO(schema engine): the real compiler.
public final class SchemaCompiler: @unchecked Sendable {
    public let options: SchemaOptions
    let retriever: (any SchemaRetriever)?
    var documents: [String: JSON] = [:]

    public init(options: SchemaOptions = .init(), retriever: (any SchemaRetriever)? = nil) {
        self.options = options
        self.retriever = retriever
    }

    /// Makes `document` reachable by `$ref` under `uri` (absolute, no fragment).
    public func addDocument(_ document: JSON, uri: String) throws(SchemaError) {
        documents[uri] = document
    }

    /// Compiles `schema`; `uri` is its retrieval URI (the base for relative `$ref`s).
    /// - Throws: `SchemaError` when the schema, or anything it references, does not compile.
    public func compile(_ schema: JSON, uri: String? = nil) throws(SchemaError) -> Validator {
        Validator(draft: options.defaultDraft, uri: uri, schema: schema)
    }
}
