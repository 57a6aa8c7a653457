import WokJSON

/// A JSON document that holds schemas, registered under the absolute URI it was loaded from.
final class SchemaDocument: @unchecked Sendable {
    /// The retrieval URI (absolute, without fragment): the base URI of its root.
    let uri: String
    let root: JSON
    /// The draft of the root: its `$schema`, or the draft of whoever loaded it.
    let draft: Draft

    init(uri: String, root: JSON, draft: Draft) {
        self.uri = uri
        self.root = root
        self.draft = draft
    }
}

/// A place in a registered document: the document's URI and a JSON Pointer's tokens from its root.
struct SchemaLocation: Hashable, Sendable, CustomStringConvertible {
    let document: String
    let pointer: [String]

    func appending(_ token: String) -> SchemaLocation { SchemaLocation(document: document, pointer: pointer + [token]) }
    func appending(_ tokens: [String]) -> SchemaLocation { SchemaLocation(document: document, pointer: pointer + tokens) }

    /// `/a/b` form of the pointer.
    var pointerText: String { JSONPointer(tokens: pointer).description }

    var description: String { document + "#" + pointerText }
}
