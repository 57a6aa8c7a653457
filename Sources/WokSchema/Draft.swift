/// A JSON Schema draft (specification version), chosen by a schema's `$schema`.
public enum Draft: String, CaseIterable, Sendable, Hashable, Comparable {
    case draft3 = "3"
    case draft4 = "4"
    case draft6 = "6"
    case draft7 = "7"
    case draft2019_09 = "2019-09"
    case draft2020_12 = "2020-12"

    /// The draft a `$schema` URI names (with or without a trailing `#`, http or https), or nil.
    public init?(metaSchemaURI uri: String) {
        var uri = uri
        if uri.hasSuffix("#") { uri.removeLast() }
        if uri.hasPrefix("https://") { uri = "http://" + uri.dropFirst("https://".count) }
        switch uri {
        case "http://json-schema.org/draft-03/schema": self = .draft3
        case "http://json-schema.org/draft-04/schema": self = .draft4
        case "http://json-schema.org/draft-06/schema": self = .draft6
        case "http://json-schema.org/draft-07/schema": self = .draft7
        case "http://json-schema.org/draft/2019-09/schema": self = .draft2019_09
        case "http://json-schema.org/draft/2020-12/schema": self = .draft2020_12
        default: return nil
        }
    }

    /// The draft a command-line name names: `3`, `4`, `6`, `7`, `2019-09`, `2020-12`
    /// (also `draft7`, `draft-07`, `draft2019-09`).
    public init?(name: String) {
        var name = name.lowercased()
        if name.hasPrefix("draft") { name.removeFirst("draft".count) }
        if name.hasPrefix("-") { name.removeFirst() }
        if name.hasPrefix("0") { name.removeFirst() }
        self.init(rawValue: name)
    }

    /// The canonical meta-schema URI of this draft.
    public var metaSchemaURI: String {
        switch self {
        case .draft3: "http://json-schema.org/draft-03/schema#"
        case .draft4: "http://json-schema.org/draft-04/schema#"
        case .draft6: "http://json-schema.org/draft-06/schema#"
        case .draft7: "http://json-schema.org/draft-07/schema#"
        case .draft2019_09: "https://json-schema.org/draft/2019-09/schema"
        case .draft2020_12: "https://json-schema.org/draft/2020-12/schema"
        }
    }

    private var order: Int { Draft.allCases.firstIndex(of: self)! }
    public static func < (lhs: Draft, rhs: Draft) -> Bool { lhs.order < rhs.order }
}
