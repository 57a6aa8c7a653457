import WokJSON

/// Supplies schema documents that `$ref`s name but that were not added to the compiler.
///
/// Contract: a retriever never reaches the network and never reads a file outside the
/// folders it was given. It returns nil for a URI it does not serve, and throws
/// `SchemaError.forbiddenRef` for one that it must refuse (a path escaping its folder).
public protocol SchemaRetriever: Sendable {
    /// The document at `uri` (absolute, without fragment), or nil when this retriever has none.
    func retrieve(_ uri: String) throws(SchemaError) -> JSON?
}
