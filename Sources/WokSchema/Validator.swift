import WokJSON

/// A compiled schema: validates many instances, safely from any thread.
///
/// TODO(schema engine): replace this placeholder with the compiled keyword tree.
public final class Validator: Sendable {
    /// The draft the root schema was compiled under.
    public let draft: Draft
    /// The root schema's base URI (its `$id`, or the URI it was loaded from), if any.
    public let uri: String?
    /// The schema document as loaded.
    public let schema: JSON

    init(draft: Draft, uri: String?, schema: JSON) {
        self.draft = draft
        self.uri = uri
        self.schema = schema
    }

    /// Every error the instance has; empty when valid. Errors come in schema order.
    public func validate(_ instance: JSON) -> [ValidationError] { [] }

    /// Whether the instance is valid. Builds no locations and allocates nothing on success.
    public func isValid(_ instance: JSON) -> Bool { validate(instance).isEmpty }
}
