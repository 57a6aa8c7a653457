import WokJSON

/// One `compile` call: turns schema locations into `SchemaNode`s, once each, following `$ref`s.
final class CompileSession {
    let registry: SchemaRegistry
    let options: SchemaOptions
    private var cache: [SchemaLocation: SchemaNode] = [:]
    private var objectCache: [UnsafeMutableRawPointer: SchemaNode] = [:]
    private var resources: [SchemaLocation: SchemaResource] = [:]
    private(set) var arena: [SchemaNode] = []
    private(set) var resourceList: [SchemaResource] = []
    private var regexes: [String: ECMARegex] = [:]
    private var scopes: [SchemaLocation: Scope] = [:]
    private var documentBases: [String: URIReference] = [:]
    /// Documents whose jansson values compiled keywords point into.
    private(set) var usedDocuments: [String: JSON] = [:]
    /// Whether some keyword needs the dynamic scope at run time.
    var usesDynamicScope = false
    private var depth = 0

    /// The compile-time view of where a schema sits.
    struct Scope {
        var base: URIReference
        var dialect: Dialect
        var resource: SchemaResource
        /// Pointer tokens from the resource root to the schema.
        var resourcePointer: [String]
    }

    init(registry: SchemaRegistry, options: SchemaOptions) {
        self.registry = registry
        self.options = options
    }

    // MARK: Scopes

    /// The scope of the document root at `document`, before its own keywords apply.
    private func documentScope(_ document: SchemaDocument) -> Scope {
        let location = SchemaLocation(document: document.uri, pointer: [])
        // A placeholder: `enter` gives the document root its real resource (its `$id` may change the URI).
        let base = documentBases[document.uri] ?? URIReference(document.uri)
        documentBases[document.uri] = base
        return Scope(base: base, dialect: Dialect(draft: document.draft),
                     resource: SchemaResource(uri: document.uri, location: location), resourcePointer: [])
    }

    private func resource(at location: SchemaLocation, uri: String) -> SchemaResource {
        if let existing = resources[location] { return existing }
        let created = SchemaResource(uri: uri, location: location)
        if let value = registry.value(at: location), value["$recursiveAnchor"]?.bool == true { created.recursiveAnchor = true }
        resources[location] = created
        resourceList.append(created)
        return created
    }

    /// Applies what `value` (a schema object at `location`) says about its own scope: `$schema`
    /// and `$id` / `id`. Returns the scope its keywords compile in.
    func enter(_ value: JSON, at location: SchemaLocation, from scope: Scope) throws(SchemaError) -> Scope {
        guard value.isObject else { return scope }
        var scope = scope
        let isDocumentRoot = location.pointer.isEmpty
        let mayBeResource = isDocumentRoot || value["$id"] != nil || value["id"] != nil
        if mayBeResource, let metaSchema = value["$schema"] {
            guard let uri = metaSchema.string else {
                throw .invalidSchema("$schema must be a string", at: location.pointerText + "/$schema", uri: location.document)
            }
            scope.dialect = try dialect(uri, at: location)
        }
        let rules = DraftRules(scope.dialect.draft)
        var isResource = isDocumentRoot
        if let id = value[rules.idKeyword], !(rules.refOverridesSiblings && value["$ref"] != nil) {
            guard let text = id.string else {
                throw .invalidSchema("\(rules.idKeyword) must be a string", at: location.pointerText, uri: location.document)
            }
            let reference = URIReference(text).withoutFragment
            if !reference.description.isEmpty {
                scope.base = scope.base.resolving(reference)
                isResource = true
            }
        }
        if isResource {
            scope.resource = resource(at: location, uri: scope.base.description)
            scope.resourcePointer = []
        }
        return scope
    }

    /// The scope a schema at `location` compiles in, found by walking from its document root.
    func scope(at location: SchemaLocation) throws(SchemaError) -> Scope {
        if let cached = scopes[location] { return cached }
        let found = try walkScope(to: location)
        scopes[location] = found
        return found
    }

    private func walkScope(to location: SchemaLocation) throws(SchemaError) -> Scope {
        guard let document = registry.documents[location.document] else {
            throw .unresolvableRef(location.description, at: "", uri: location.document)
        }
        var scope = documentScope(document)
        var value = document.root
        var isSchema = true
        var containerOfSchemas = false
        for (i, token) in location.pointer.enumerated() {
            let here = SchemaLocation(document: location.document, pointer: Array(location.pointer[..<i]))
            if isSchema && value.isObject { scope = try enter(value, at: here, from: scope) }
            let rules = DraftRules(scope.dialect.draft)
            let child: JSON?
            if value.isArray { child = Int(token).flatMap { value[$0] } } else { child = value[token] }
            guard let child else { break }
            if containerOfSchemas {
                isSchema = true
                containerOfSchemas = false
            } else if isSchema {
                if child.isArray && rules.schemaArrays.contains(token) || child.isObject && rules.schemaMaps.contains(token) {
                    isSchema = false
                    containerOfSchemas = true
                } else {
                    isSchema = rules.schemaValued.contains(token)
                }
            }
            scope.resourcePointer.append(token)
            value = child
        }
        return scope
    }

    /// The draft and vocabularies a `$schema` URI names; custom meta-schemas are looked up
    /// (offline) and their own `$schema` and `$vocabulary` read.
    func dialect(_ uri: String, at location: SchemaLocation) throws(SchemaError) -> Dialect {
        if let draft = Draft(metaSchemaURI: uri) { return Dialect(draft: draft) }
        let key = URIReference(uri).withoutFragment.description
        let fail = SchemaError.unknownDraft(uri, at: location.pointerText + "/$schema", uri: location.document)
        guard let resource = try? registry.resource(key, referrerDraft: options.defaultDraft),
              let meta = registry.value(at: resource),
              let parent = meta["$schema"]?.string, let draft = Draft(metaSchemaURI: parent) else { throw fail }
        var vocabularies: Set<String>? = nil
        if draft >= .draft2019_09, let declared = meta["$vocabulary"], declared.isObject {
            vocabularies = Set(declared.keys)
        }
        return Dialect(draft: draft, vocabularies: vocabularies)
    }

    // MARK: Compiling

    /// Compiles the schema at `location`, whose enclosing scope is `scope` (cached: each
    /// location compiles once, so recursive schemas terminate).
    func compile(_ location: SchemaLocation, in scope: Scope, value known: JSON? = nil) throws(SchemaError) -> SchemaNode {
        guard let value = known ?? registry.value(at: location) else {
            throw .unresolvableRef(location.description, at: location.pointerText, uri: location.document)
        }
        // Objects are cached by identity (each sits at one place of one document); booleans,
        // which jansson shares, by location.
        let identity = value.isObject ? UnsafeMutableRawPointer(value.raw) : nil
        if let identity, let node = objectCache[identity] { return node }
        if identity == nil, let node = cache[location] { return node }
        depth += 1
        defer { depth -= 1 }
        if depth > options.maxSchemaDepth {
            throw .limitExceeded("schema nesting deeper than \(options.maxSchemaDepth) (maxSchemaDepth)", at: location.pointerText, uri: location.document)
        }
        if usedDocuments[location.document] == nil, let document = registry.documents[location.document] {
            usedDocuments[location.document] = document.root
        }
        let inner = try enter(value, at: location, from: scope)
        let node = SchemaNode(resource: inner.resource, absolute: absoluteLocation(inner))
        if inner.resourcePointer.isEmpty && inner.resource.location == location { inner.resource.root = node }
        if let identity { objectCache[identity] = node } else { cache[location] = node }
        arena.append(node)
        switch value.kind {
        case .true: break
        case .false: node.keywords = [FalseKeyword(absolute: node.absolute)]
        case .object:
            let compiler = KeywordCompiler(session: self, node: node, schema: value, location: location, scope: inner)
            let keywords = try compiler.compile()
            node.setKeywords(keywords, fast: compiler.fastPath(keywords))
        default:
            throw .invalidSchema("a schema must be an object or a boolean, not \(value.kind)", at: location.pointerText, uri: location.document)
        }
        return node
    }

    /// Compiles a subschema of the schema at `location` (tokens below it).
    func compileChild(_ tokens: [String], of location: SchemaLocation, in scope: Scope, value: JSON? = nil) throws(SchemaError) -> SchemaNode {
        var child = scope
        child.resourcePointer += tokens
        return try compile(location.appending(tokens), in: child, value: value)
    }

    /// Compiles the target of a reference written at `location`.
    func compileReference(_ reference: String, at location: SchemaLocation, in scope: Scope) throws(SchemaError) -> (SchemaNode, ResolvedReference) {
        let resolved = try registry.resolve(reference, against: scope.base, referrerDraft: scope.dialect.draft, at: location)
        let targetScope = try self.scope(at: resolved.location)
        return (try compile(resolved.location, in: targetScope), resolved)
    }

    /// The compiled regular expression for `pattern`.
    func regex(_ pattern: String, at location: SchemaLocation) throws(SchemaError) -> ECMARegex {
        if let cached = regexes[pattern] { return cached }
        do {
            let regex = try ECMARegex(pattern, matchLimit: options.regexMatchLimit)
            regexes[pattern] = regex
            return regex
        } catch {
            throw .invalidRegex(pattern, reason: error.description, at: location.pointerText, uri: location.document)
        }
    }

    private func absoluteLocation(_ scope: Scope) -> String? {
        let base = scope.resource.uri
        if base.hasPrefix(SchemaCompiler.anonymousPrefix) { return nil }
        return base + "#" + JSONPointer(tokens: scope.resourcePointer).description
    }

    // MARK: Finishing

    /// Compiles what the dynamic scope may reach (resource roots, `$dynamicAnchor`s), then
    /// checks for `$ref` cycles that never reach a schema.
    func finish() throws(SchemaError) {
        if usesDynamicScope {
            var done = 0
            while done < resourceList.count {
                let resource = resourceList[done]
                done += 1
                let rootScope = try scope(at: resource.location)
                if resource.root == nil { _ = try compile(resource.location, in: rootScope) }
                let prefix = resource.uri + "#"
                for (key, anchor) in registry.anchors where anchor.dynamic && key.hasPrefix(prefix) {
                    let name = String(key.dropFirst(prefix.count))
                    guard resource.dynamicAnchors[name] == nil else { continue }
                    let node = try compile(anchor.location, in: try scope(at: anchor.location))
                    resource.dynamicAnchors[name] = NodeRef.passUnretained(node)
                }
            }
        }
        for node in arena {
            var seen: Set<ObjectIdentifier> = [ObjectIdentifier(node)]
            var current = node
            while let next = current.refOnly {
                guard seen.insert(ObjectIdentifier(next)).inserted else {
                    throw .refCycle(next.absolute ?? "#", at: "", uri: nil)
                }
                current = next
            }
        }
    }
}
