/// Why a schema could not be compiled or a reference not resolved.
///
/// Grows without breaking callers: a struct over a private code, as Hummingbird's `PersistError`.
public struct SchemaError: Error, Sendable, Hashable, CustomStringConvertible {
    private enum Code: String, Sendable, Hashable {
        case invalidSchema, unknownDraft, unresolvableRef, refCycle, invalidRegex, limitExceeded, forbiddenRef
    }

    private let code: Code
    /// What is wrong, for a person.
    public let message: String
    /// JSON Pointer into the schema document where the problem is (`/properties/a/pattern`).
    public let schemaLocation: String
    /// The URI of the schema document, when known.
    public let uri: String?

    private init(_ code: Code, _ message: String, at schemaLocation: String, uri: String?) {
        self.code = code
        self.message = message
        self.schemaLocation = schemaLocation
        self.uri = uri
    }

    /// A keyword whose value is not what its draft allows.
    public static func invalidSchema(_ message: String, at location: String, uri: String? = nil) -> SchemaError {
        .init(.invalidSchema, message, at: location, uri: uri)
    }
    /// `$schema` names no draft this engine knows.
    public static func unknownDraft(_ metaSchema: String, at location: String, uri: String? = nil) -> SchemaError {
        .init(.unknownDraft, "unknown $schema \"\(metaSchema)\"", at: location, uri: uri)
    }
    /// A `$ref` that no loaded schema or allowed folder can satisfy.
    public static func unresolvableRef(_ ref: String, at location: String, uri: String? = nil) -> SchemaError {
        .init(.unresolvableRef, "cannot resolve $ref \"\(ref)\"", at: location, uri: uri)
    }
    /// `$ref`s that lead only to each other, never to a schema.
    public static func refCycle(_ ref: String, at location: String, uri: String? = nil) -> SchemaError {
        .init(.refCycle, "$ref cycle through \"\(ref)\"", at: location, uri: uri)
    }
    /// A `pattern` or `patternProperties` key that is not a valid regular expression.
    public static func invalidRegex(_ pattern: String, reason: String, at location: String, uri: String? = nil) -> SchemaError {
        .init(.invalidRegex, "invalid regular expression \"\(pattern)\": \(reason)", at: location, uri: uri)
    }
    /// Nesting or `$ref` depth beyond the configured bound.
    public static func limitExceeded(_ message: String, at location: String, uri: String? = nil) -> SchemaError {
        .init(.limitExceeded, message, at: location, uri: uri)
    }
    /// A `$ref` to the network or to a file outside the allowed folders.
    public static func forbiddenRef(_ ref: String, at location: String, uri: String? = nil) -> SchemaError {
        .init(.forbiddenRef, "$ref \"\(ref)\" is outside the allowed schema folders (no network, no other files)", at: location, uri: uri)
    }

    public var description: String {
        let place = schemaLocation.isEmpty ? "(root)" : schemaLocation
        if let uri { return "\(uri)#\(place): \(message)" }
        return "\(place): \(message)"
    }

    public static func == (a: SchemaError, b: SchemaError) -> Bool {
        a.code == b.code && a.message == b.message && a.schemaLocation == b.schemaLocation && a.uri == b.uri
    }
    public func hash(into hasher: inout Hasher) { hasher.combine(code); hasher.combine(message); hasher.combine(schemaLocation) }

    public var isUnresolvableRef: Bool { code == .unresolvableRef || code == .forbiddenRef }
    public var isUnknownDraft: Bool { code == .unknownDraft }
    public var isRefCycle: Bool { code == .refCycle }
    public var isForbiddenRef: Bool { code == .forbiddenRef }
    public var isLimitExceeded: Bool { code == .limitExceeded }
    public var isInvalidRegex: Bool { code == .invalidRegex }
}
