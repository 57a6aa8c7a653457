/// One reason an instance failed its schema, in the JSON Schema output format's terms.
public struct ValidationError: Sendable, Hashable, CustomStringConvertible {
    /// JSON Pointer to the failing part of the instance (`""` is the whole instance).
    public var instanceLocation: String
    /// JSON Pointer through the schema, following `$ref`s, to the failing keyword
    /// (`/properties/user/type`).
    public var keywordLocation: String
    /// The failing keyword's absolute URI with a JSON Pointer fragment, where known.
    public var absoluteKeywordLocation: String?
    /// What is wrong, for a person: `"5" is not of type "integer"`.
    public var message: String
    /// The application's error code, from WoK's draft-03 `error` keyword, when the schema gives one.
    public var code: String?

    public init(instanceLocation: String, keywordLocation: String, absoluteKeywordLocation: String? = nil,
                message: String, code: String? = nil) {
        self.instanceLocation = instanceLocation
        self.keywordLocation = keywordLocation
        self.absoluteKeywordLocation = absoluteKeywordLocation
        self.message = message
        self.code = code
    }

    public var description: String {
        "\(instanceLocation.isEmpty ? "(root)" : instanceLocation): \(message) [\(keywordLocation)]"
    }
}
