/// What a draft says about identifiers and where subschemas sit, for walking documents.
struct DraftRules: Sendable {
    let draft: Draft

    init(_ draft: Draft) { self.draft = draft }

    /// The keyword naming a schema resource: `id` in drafts 3 and 4, `$id` later.
    var idKeyword: String { draft <= .draft4 ? "id" : "$id" }

    /// Whether `$ref` makes its sibling keywords (and a sibling `$id`) ignored.
    var refOverridesSiblings: Bool { draft <= .draft7 }

    /// Whether `$id` may carry a plain-name fragment (`"$id": "#foo"`) as an anchor.
    var idCarriesAnchors: Bool { draft <= .draft7 }

    /// Keywords whose value is one subschema.
    var schemaValued: Set<String> { DraftRules.tables[draft.index].0 }
    private var computedValued: Set<String> {
        switch draft {
        case .draft3: ["additionalItems", "additionalProperties", "items", "extends"]
        case .draft4: ["additionalItems", "additionalProperties", "items", "not"]
        case .draft6: ["additionalItems", "additionalProperties", "items", "not", "contains", "propertyNames"]
        case .draft7: ["additionalItems", "additionalProperties", "items", "not", "contains", "propertyNames", "if", "then", "else"]
        case .draft2019_09: ["additionalItems", "additionalProperties", "items", "not", "contains", "propertyNames", "if", "then", "else",
                             "unevaluatedItems", "unevaluatedProperties", "contentSchema"]
        case .draft2020_12: ["additionalProperties", "items", "not", "contains", "propertyNames", "if", "then", "else",
                             "unevaluatedItems", "unevaluatedProperties", "contentSchema"]
        }
    }

    /// Keywords whose value is an array of subschemas.
    var schemaArrays: Set<String> { DraftRules.tables[draft.index].1 }
    private var computedArrays: Set<String> {
        switch draft {
        case .draft3: ["items", "extends", "type", "disallow"]
        case .draft4, .draft6, .draft7, .draft2019_09: ["items", "allOf", "anyOf", "oneOf"]
        case .draft2020_12: ["prefixItems", "allOf", "anyOf", "oneOf"]
        }
    }

    /// Keywords whose value is an object of subschemas.
    var schemaMaps: Set<String> { DraftRules.tables[draft.index].2 }
    private var computedMaps: Set<String> {
        switch draft {
        case .draft3: ["properties", "patternProperties", "dependencies", "definitions"]
        case .draft4, .draft6, .draft7: ["properties", "patternProperties", "dependencies", "definitions"]
        case .draft2019_09, .draft2020_12: ["properties", "patternProperties", "dependentSchemas", "$defs", "definitions", "dependencies"]
        }
    }

    /// The sets above, computed once per draft.
    private static let tables: [(Set<String>, Set<String>, Set<String>)] = Draft.allCases.map {
        let rules = DraftRules($0)
        return (rules.computedValued, rules.computedArrays, rules.computedMaps)
    }
}

extension Draft {
    /// 0 for draft 3 … 5 for 2020-12.
    var index: Int {
        switch self {
        case .draft3: 0
        case .draft4: 1
        case .draft6: 2
        case .draft7: 3
        case .draft2019_09: 4
        case .draft2020_12: 5
        }
    }
}
