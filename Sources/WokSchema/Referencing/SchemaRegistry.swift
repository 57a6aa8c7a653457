import WokJSON

/// Every schema resource the compiler knows, by absolute URI, with its anchors.
///
/// Documents come from `SchemaCompiler.addDocument`, from the bundled meta-schemas, and from
/// the `SchemaRetriever` on first use. Nothing is read from the network or the file system here.
final class SchemaRegistry: @unchecked Sendable {
    private(set) var documents: [String: SchemaDocument] = [:]
    /// Schema resources (documents and embedded `$id`s) by absolute URI without fragment.
    private(set) var resources: [String: SchemaLocation] = [:]
    /// Anchors by `uri#name`; the flag tells a `$dynamicAnchor`.
    private(set) var anchors: [String: (location: SchemaLocation, dynamic: Bool)] = [:]
    let retriever: (any SchemaRetriever)?

    init(retriever: (any SchemaRetriever)?) {
        self.retriever = retriever
    }

    /// Registers `root` under `uri` and every resource and anchor inside it.
    @discardableResult
    func add(_ root: JSON, uri: String, defaultDraft: Draft) -> SchemaDocument {
        let key = URIReference(uri).withoutFragment.description
        if documents[key] != nil { remove(key) }
        var draft = defaultDraft
        if let s = root["$schema"]?.string, let d = Draft(metaSchemaURI: s) { draft = d }
        let document = SchemaDocument(uri: key, root: root, draft: draft)
        documents[key] = document
        let location = SchemaLocation(document: key, pointer: [])
        resources[key] = location
        walk(root, base: URIReference(key), rules: DraftRules(draft), location: location, isRoot: true)
        return document
    }

    private func remove(_ document: String) {
        documents[document] = nil
        resources = resources.filter { $0.value.document != document }
        anchors = anchors.filter { $0.value.location.document != document }
    }

    /// The document registered under `uri`, loading it from the bundled meta-schemas or the
    /// retriever when first asked.
    func document(_ uri: String, referrerDraft: Draft) throws(SchemaError) -> SchemaDocument? {
        if let loaded = documents[uri] { return loaded }
        if resources[uri] != nil { return nil }
        if let text = MetaSchemas.text(for: uri), let json = try? JSON.parse(text) {
            return add(json, uri: uri, defaultDraft: Draft(metaSchemaURI: uri) ?? referrerDraft)
        }
        if let retriever, let json = try retriever.retrieve(uri) {
            return add(json, uri: uri, defaultDraft: referrerDraft)
        }
        return nil
    }

    /// The resource at absolute `uri` (no fragment), loading its document if needed.
    func resource(_ uri: String, referrerDraft: Draft) throws(SchemaError) -> SchemaLocation? {
        if let location = resources[uri] { return location }
        _ = try document(uri, referrerDraft: referrerDraft)
        return resources[uri]
    }

    /// The value at `location`, or nil when the pointer leads nowhere.
    func value(at location: SchemaLocation) -> JSON? {
        documents[location.document]?.root.resolve(JSONPointer(tokens: location.pointer))
    }

    // MARK: Walking

    /// Registers `$id`s and anchors of the schema `value` and of its subschemas.
    private func walk(_ value: JSON, base: URIReference, rules: DraftRules, location: SchemaLocation, isRoot: Bool) {
        guard value.isObject else { return }
        var rules = rules
        var base = base
        let hasRef = value["$ref"] != nil
        let idValue = value[rules.idKeyword]?.string
        let isResource = isRoot || (idValue != nil && !(rules.refOverridesSiblings && hasRef))
        if isResource, let s = value["$schema"]?.string, let d = Draft(metaSchemaURI: s), d != rules.draft {
            rules = DraftRules(d)
        }
        if let id = value[rules.idKeyword]?.string, !(rules.refOverridesSiblings && hasRef) {
            let ref = URIReference(id)
            if !ref.withoutFragment.description.isEmpty {
                base = base.resolving(ref.withoutFragment)
                let key = base.description
                resources[key] = location
            }
            if rules.idCarriesAnchors, let fragment = ref.fragment, !fragment.isEmpty, !fragment.hasPrefix("/") {
                anchors[base.description + "#" + fragment] = (location, false)
            }
        }
        if rules.draft >= .draft2019_09, let anchor = value["$anchor"]?.string {
            anchors[base.description + "#" + anchor] = (location, false)
        }
        if rules.draft >= .draft2020_12, let anchor = value["$dynamicAnchor"]?.string {
            anchors[base.description + "#" + anchor] = (location, true)
        }
        let valued = rules.schemaValued, arrays = rules.schemaArrays, maps = rules.schemaMaps
        for (key, child) in value.members {
            if child.isArray, arrays.contains(key) {
                for (i, element) in child.elements.enumerated() {
                    walk(element, base: base, rules: rules, location: location.appending([key, String(i)]), isRoot: false)
                }
            } else if child.isObject, maps.contains(key) {
                for (name, element) in child.members {
                    walk(element, base: base, rules: rules, location: location.appending([key, name]), isRoot: false)
                }
            } else if valued.contains(key) {
                walk(child, base: base, rules: rules, location: location.appending(key), isRoot: false)
            }
        }
    }
}
