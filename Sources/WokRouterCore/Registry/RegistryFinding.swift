/// One thing wrong in the schema tree, with its file and place: what `wok-router validate --root`
/// prints and `GET /topics` shows as a refusal reason.
public struct RegistryFinding: Sendable, Hashable, CustomStringConvertible {
    /// The file, relative to the root (`plugins/kimchi/schemas/kimchi.vms.json`).
    public var file: String
    /// Where in the file: `line 3, column 7` for JSON syntax, a JSON Pointer (`/properties/id`)
    /// for schema problems, nil for the whole file.
    public var place: String?
    /// What is wrong, for a person.
    public var message: String
    /// The topic this finding refuses, if any.
    public var topic: String?

    public init(file: String, place: String? = nil, message: String, topic: String? = nil) {
        self.file = file
        self.place = place
        self.message = message
        self.topic = topic
    }

    public var description: String {
        if let place { return "\(file): \(place): \(message)" }
        return "\(file): \(message)"
    }
}
