/// A schema resource (a document root or a subschema with its own `$id`) as the dynamic
/// scope sees it.
final class SchemaResource: @unchecked Sendable {
    /// The resource's absolute URI.
    let uri: String
    /// Where its root schema sits.
    let location: SchemaLocation
    /// The compiled root schema of the resource (owned by the validator's arena), once compiled.
    unowned(unsafe) var root: SchemaNode?
    /// `$recursiveAnchor: true` at its root (2019-09).
    var recursiveAnchor = false
    /// Its `$dynamicAnchor`s, compiled (2020-12).
    var dynamicAnchors: [String: Unmanaged<SchemaNode>] = [:]

    init(uri: String, location: SchemaLocation) {
        self.uri = uri
        self.location = location
    }
}
