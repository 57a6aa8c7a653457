import WokJSON

/// Where a `$ref` leads: the target's place, and whether it names a `$dynamicAnchor`.
struct ResolvedReference: Sendable {
    let location: SchemaLocation
    /// The absolute URI the reference resolved to (with its fragment).
    let uri: String
    /// The plain-name fragment, when the reference ended in one.
    let anchorName: String?
    /// Whether that anchor is a `$dynamicAnchor` of the target resource.
    let isDynamicAnchor: Bool
}

extension SchemaRegistry {
    /// Resolves `reference` against `base`: loads the target document if needed, then follows
    /// the fragment (a JSON Pointer, percent-decoded, or an anchor name).
    /// - Throws: `unresolvableRef` when nothing serves the URI or the fragment leads nowhere;
    ///   `forbiddenRef` when the retriever refuses it.
    func resolve(_ reference: String, against base: URIReference, referrerDraft: Draft,
                 at schemaLocation: SchemaLocation) throws(SchemaError) -> ResolvedReference {
        let target = base.resolving(URIReference(reference))
        let uri = target.withoutFragment.description
        let fragment = target.fragment ?? ""
        func unresolvable() -> SchemaError {
            .unresolvableRef(reference, at: schemaLocation.pointerText, uri: schemaLocation.document)
        }
        guard let resource = try self.resource(uri, referrerDraft: referrerDraft) else { throw unresolvable() }
        if fragment.isEmpty {
            return ResolvedReference(location: resource, uri: target.description, anchorName: nil, isDynamicAnchor: false)
        }
        if fragment.hasPrefix("/") {
            guard let pointer = JSONPointer(URIReference.percentDecoded(fragment)) else { throw unresolvable() }
            let location = resource.appending(pointer.tokens)
            guard value(at: location) != nil else { throw unresolvable() }
            return ResolvedReference(location: location, uri: target.description, anchorName: nil, isDynamicAnchor: false)
        }
        let name = URIReference.percentDecoded(fragment)
        guard let anchor = anchors[uri + "#" + name] else { throw unresolvable() }
        return ResolvedReference(location: anchor.location, uri: target.description, anchorName: name, isDynamicAnchor: anchor.dynamic)
    }
}
