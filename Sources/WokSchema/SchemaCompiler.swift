import WokJSON

/// Compiles JSON Schemas into `Validator`s.
///
/// Documents added with `addDocument(_:uri:)` (and those a `SchemaRetriever` supplies) can
/// be reached by `$ref`, by their URI or any `$id` or `$anchor` inside them. The meta-schemas
/// of every supported draft are bundled. Nothing is ever fetched from the network.
/// Compiling is done once; the resulting validators are immutable and `Sendable`.
///
/// A compiler is not itself thread-safe: use one per thread, or guard it.
public final class SchemaCompiler: @unchecked Sendable {
    /// The options every schema compiles with.
    public let options: SchemaOptions
    let registry: SchemaRegistry

    /// The base URI given to schemas compiled without one.
    static let anonymousPrefix = "json-schema:///"

    /// - Parameters:
    ///   - options: drafts, format assertion and bounds.
    ///   - retriever: supplies documents that `$ref`s name and that were not added; nil for none.
    public init(options: SchemaOptions = .init(), retriever: (any SchemaRetriever)? = nil) {
        self.options = options
        self.registry = SchemaRegistry(retriever: retriever)
    }

    /// Makes `document` reachable by `$ref` under `uri` (absolute; a fragment is ignored), and
    /// under every `$id` inside it.
    public func addDocument(_ document: JSON, uri: String) throws(SchemaError) {
        let reference = URIReference(uri)
        guard reference.isAbsolute else {
            throw .invalidSchema("a document URI must be absolute, not \"\(uri)\"", at: "", uri: uri)
        }
        registry.add(document, uri: reference.withoutFragment.description, defaultDraft: options.defaultDraft)
    }

    /// Compiles `schema`; `uri` is its retrieval URI (the base for relative `$ref`s).
    /// - Throws: `SchemaError` when the schema, or anything it references, does not compile:
    ///   an unknown `$schema`, an unresolvable or forbidden `$ref`, a `$ref` cycle, an invalid
    ///   regular expression, a keyword of the wrong type, nesting beyond `maxSchemaDepth`.
    public func compile(_ schema: JSON, uri: String? = nil) throws(SchemaError) -> Validator {
        let key = uri.map { URIReference($0).withoutFragment.description } ?? SchemaCompiler.anonymousPrefix
        // Compiling recurses as deep as the schema nests: give it a stack that fits `maxSchemaDepth`.
        let result = LargeStack.run { () -> Result<Validator, SchemaError> in
            Result { () throws(SchemaError) -> Validator in try self.compileNow(schema, key: key) }
        }
        return try result.get()
    }

    private func compileNow(_ schema: JSON, key: String) throws(SchemaError) -> Validator {
        let document = registry.add(schema, uri: key, defaultDraft: options.defaultDraft)
        let session = CompileSession(registry: registry, options: options)
        let location = SchemaLocation(document: document.uri, pointer: [])
        let scope = try session.scope(at: location)
        let root = try session.compile(location, in: scope)
        try session.finish()
        let base = session.enter(rootOf: schema, scope: scope)
        return Validator(draft: base.draft, uri: base.uri, schema: schema, root: root, session: session)
    }
}

extension CompileSession {
    /// The draft and base URI the root schema compiled under (for `Validator.draft` / `.uri`).
    func enter(rootOf schema: JSON, scope: Scope) -> (draft: Draft, uri: String?) {
        let location = SchemaLocation(document: scope.resource.location.document, pointer: [])
        guard let inner = try? enter(schema, at: location, from: scope) else { return (scope.dialect.draft, nil) }
        let uri = inner.base.description
        return (inner.dialect.draft, uri.hasPrefix(SchemaCompiler.anonymousPrefix) ? nil : uri)
    }
}
