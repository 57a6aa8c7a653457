/// A draft plus the vocabularies its meta-schema turns on (`$vocabulary`, 2019-09 and later).
struct Dialect: Sendable, Equatable {
    let draft: Draft
    /// The vocabulary URIs declared; nil means every vocabulary of the draft.
    let vocabularies: Set<String>?

    init(draft: Draft, vocabularies: Set<String>? = nil) {
        self.draft = draft
        self.vocabularies = vocabularies
    }

    /// Whether `keyword` belongs to an enabled vocabulary (core keywords always are; keywords
    /// of no vocabulary, such as unknown ones, follow the draft's own rules).
    func enables(_ keyword: String) -> Bool {
        guard let vocabularies, draft >= .draft2019_09 else { return true }
        guard let vocabulary = Dialect.vocabulary(of: keyword, draft: draft) else { return true }
        if vocabulary == "core" { return true }
        let prefix = draft == .draft2019_09 ? "https://json-schema.org/draft/2019-09/vocab/" : "https://json-schema.org/draft/2020-12/vocab/"
        if vocabulary == "format" {
            return vocabularies.contains(prefix + "format") || vocabularies.contains(prefix + "format-annotation")
                || vocabularies.contains(prefix + "format-assertion")
        }
        return vocabularies.contains(prefix + vocabulary)
    }

    /// Whether the meta-schema asks for `format` to be asserted (2020-12 format-assertion).
    var assertsFormat: Bool {
        vocabularies?.contains("https://json-schema.org/draft/2020-12/vocab/format-assertion") ?? false
    }

    static func vocabulary(of keyword: String, draft: Draft) -> String? {
        switch keyword {
        case "$id", "$schema", "$ref", "$anchor", "$dynamicRef", "$dynamicAnchor", "$recursiveRef", "$recursiveAnchor",
             "$vocabulary", "$comment", "$defs":
            return "core"
        case "prefixItems", "items", "contains", "additionalProperties", "properties", "patternProperties",
             "dependentSchemas", "propertyNames", "if", "then", "else", "allOf", "anyOf", "oneOf", "not", "additionalItems":
            return "applicator"
        case "unevaluatedItems", "unevaluatedProperties":
            return draft == .draft2019_09 ? "applicator" : "unevaluated"
        case "type", "const", "enum", "multipleOf", "maximum", "exclusiveMaximum", "minimum", "exclusiveMinimum",
             "maxLength", "minLength", "pattern", "maxItems", "minItems", "uniqueItems", "maxContains", "minContains",
             "maxProperties", "minProperties", "required", "dependentRequired":
            return "validation"
        case "format": return "format"
        case "contentEncoding", "contentMediaType", "contentSchema": return "content"
        default: return nil
        }
    }
}
