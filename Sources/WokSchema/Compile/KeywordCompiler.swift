import CJansson
import WokJSON

/// Compiles the keywords of one schema object under its draft and vocabularies.
struct KeywordCompiler {
    let session: CompileSession
    let node: SchemaNode
    let schema: JSON
    let location: SchemaLocation
    let scope: CompileSession.Scope

    var draft: Draft { scope.dialect.draft }
    var absolute: String? { node.absolute }

    func fail(_ keyword: String, _ message: String) -> SchemaError {
        .invalidSchema("\(keyword): \(message)", at: location.pointerText + "/" + JSONPointer.escape(keyword), uri: location.document)
    }

    func child(_ tokens: String...) throws(SchemaError) -> NodeRef {
        var value: JSON? = schema
        for token in tokens {
            if let v = value, v.isArray { value = Int(token).flatMap { v[$0] } } else { value = value?[token] }
        }
        return .passUnretained(try session.compileChild(tokens, of: location, in: scope, value: value))
    }

    func compile() throws(SchemaError) -> [Keyword] {
        if let code = schema["error"]?.string { node.errorCode = code }
        var keywords: [Keyword] = []
        if let ref = schema["$ref"], draft <= .draft7 {
            keywords.append(try reference(ref, name: "$ref"))
            return keywords
        }
        for (name, value) in schema.members where scope.dialect.enables(name) {
            if let keyword = try compileKeyword(name, value) { keywords.append(keyword) }
        }
        return keywords
    }

    /// The keywords `isValid` runs: `properties`, `required` and `additionalProperties` fused
    /// into one pass over the members when possible.
    func fastPath(_ keywords: [Keyword]) -> [Keyword] {
        guard let p = keywords.firstIndex(where: { $0 is PropertiesKeyword }),
              let properties = keywords[p] as? PropertiesKeyword, properties.names.count <= 64 else { return keywords }
        let required = keywords.first { $0 is RequiredKeyword } as? RequiredKeyword
        let additional = schema["patternProperties"] == nil
            ? keywords.first { $0 is AdditionalPropertiesKeyword } as? AdditionalPropertiesKeyword : nil
        var mask: UInt64 = 0
        for i in properties.required { mask |= 1 << UInt64(i) }
        var others: [PropertyKey] = []
        for name in required?.names ?? [] {
            if let i = properties.names.firstIndex(where: { $0.name == name.name }) {
                mask |= 1 << UInt64(i)
            } else {
                others.append(PropertyKey(key: name.key, length: name.length))
            }
        }
        let fused = ObjectShapeKeyword(
            keys: properties.names.map { PropertyKey(key: $0.key, length: $0.length) }, schemas: properties.schemas,
            requiredMask: mask, otherRequired: others,
            additional: additional?.forbids == false ? additional?.schema : nil, forbidsAdditional: additional?.forbids ?? false)
        var fast: [Keyword] = []
        for (i, keyword) in keywords.enumerated() {
            if i == p { fast.append(fused); continue }
            if keyword === required || keyword === additional { continue }
            fast.append(keyword)
        }
        return fast
    }

    private func reference(_ value: JSON, name: String) throws(SchemaError) -> Keyword {
        guard let text = value.string else { throw fail(name, "must be a string") }
        let (target, _) = try session.compileReference(text, at: location.appending(name), in: scope)
        return RefKeyword(target: .passUnretained(target), name: name, absolute: absolute)
    }

    private func number(_ name: String, _ value: JSON) throws(SchemaError) -> Number {
        guard value.isNumber else { throw fail(name, "must be a number") }
        return Number(value.raw)
    }

    private func count(_ name: String, _ value: JSON) throws(SchemaError) -> Int {
        if let i = value.int, i >= 0 { return Int(i) }
        if let d = value.double, d >= 0, d == d.rounded(), d < 9e18 { return Int(d) }
        throw fail(name, "must be a non-negative integer")
    }

    private func names(_ keyword: String, _ value: JSON) throws(SchemaError) -> [PropertyName] {
        guard value.isArray else { throw fail(keyword, "must be an array of strings") }
        var out: [PropertyName] = []
        for element in value.elements {
            guard element.isString else { throw fail(keyword, "must be an array of strings") }
            out.append(PropertyName(key: json_string_value(element.raw), length: json_string_length(element.raw)))
        }
        return out
    }

    private func schemaArray(_ keyword: String, _ value: JSON) throws(SchemaError) -> [NodeRef] {
        guard value.isArray else { throw fail(keyword, "must be an array of schemas") }
        var out: [NodeRef] = []
        for i in 0..<value.count { out.append(try child(keyword, String(i))) }
        return out
    }

    // swiftlint:disable:next cyclomatic_complexity function_body_length
    private func compileKeyword(_ name: String, _ value: JSON) throws(SchemaError) -> Keyword? {
        switch name {
        case "$ref":
            return try reference(value, name: "$ref")
        case "$dynamicRef" where draft >= .draft2020_12:
            guard let text = value.string else { throw fail(name, "must be a string") }
            let (target, resolved) = try session.compileReference(text, at: location.appending(name), in: scope)
            let dynamic = resolved.isDynamicAnchor ? resolved.anchorName : nil
            if dynamic != nil { session.usesDynamicScope = true }
            return DynamicRefKeyword(initial: .passUnretained(target), anchor: dynamic, recursive: false, name: name, absolute: absolute)
        case "$recursiveRef" where draft == .draft2019_09:
            guard let text = value.string else { throw fail(name, "must be a string") }
            let (target, _) = try session.compileReference(text, at: location.appending(name), in: scope)
            session.usesDynamicScope = true
            return DynamicRefKeyword(initial: .passUnretained(target), anchor: nil, recursive: text == "#", name: name, absolute: absolute)

        case "type":
            return try typeKeyword(value, negated: false)
        case "disallow" where draft == .draft3:
            return try typeKeyword(value, negated: true)
        case "enum":
            guard value.isArray else { throw fail(name, "must be an array") }
            return EnumKeyword(values: value.elements.map(\.raw), text: Raw.describe(value.raw, limit: 120), absolute: absolute)
        case "const" where draft >= .draft6:
            return ConstKeyword(value: value.raw, absolute: absolute)

        case "minimum", "maximum":
            let isMinimum = name == "minimum"
            var exclusive = false
            if draft <= .draft4 { exclusive = schema[isMinimum ? "exclusiveMinimum" : "exclusiveMaximum"]?.bool ?? false }
            return BoundKeyword(limit: try number(name, value), isMinimum: isMinimum, exclusive: exclusive, name: name, absolute: absolute)
        case "exclusiveMinimum", "exclusiveMaximum":
            guard draft >= .draft6 else { return nil }
            return BoundKeyword(limit: try number(name, value), isMinimum: name == "exclusiveMinimum", exclusive: true, name: name, absolute: absolute)
        case "multipleOf" where draft >= .draft4,
             "divisibleBy" where draft == .draft3:
            let divisor = try number(name, value)
            guard divisor.double > 0 else { throw fail(name, "must be greater than 0") }
            return MultipleOfKeyword(divisor: divisor, name: name, absolute: absolute)

        case "minLength", "maxLength":
            return LengthKeyword(limit: try count(name, value), isMinimum: name == "minLength", absolute: absolute)
        case "pattern":
            guard let text = value.string else { throw fail(name, "must be a string") }
            return PatternKeyword(regex: try session.regex(text, at: location.appending(name)), absolute: absolute)
        case "format":
            guard let format = value.string else { return nil }
            guard session.options.assertFormat || scope.dialect.assertsFormat else { return nil }
            return FormatKeyword(format: format, draft: draft, absolute: absolute)
        case "contentMediaType", "contentEncoding":
            guard draft == .draft7, session.options.assertFormat else { return nil }
            if name == "contentMediaType", schema["contentEncoding"] != nil { return nil }
            let base64 = schema["contentEncoding"]?.string == "base64"
            let json = schema["contentMediaType"]?.string == "application/json"
            guard base64 || json else { return nil }
            return ContentKeyword(base64: base64, json: json, absolute: absolute)

        case "items":
            if value.isArray && draft <= .draft2019_09 {
                return PrefixItemsKeyword(schemas: try schemaArray(name, value), name: name)
            }
            let start = draft >= .draft2020_12 ? (schema["prefixItems"]?.count ?? 0) : 0
            return ItemsFromKeyword(schema: try child(name), start: start, name: name, absolute: absolute)
        case "prefixItems" where draft >= .draft2020_12:
            return PrefixItemsKeyword(schemas: try schemaArray(name, value), name: name)
        case "additionalItems" where draft <= .draft2019_09:
            guard let items = schema["items"], items.isArray else { return nil }
            return ItemsFromKeyword(schema: try child(name), start: items.count, name: name, absolute: absolute)
        case "contains" where draft >= .draft6:
            var minimum = 1
            var maximum: Int? = nil
            if draft >= .draft2019_09 && scope.dialect.enables("minContains") {
                if let m = schema["minContains"] { minimum = try count("minContains", m) }
                if let m = schema["maxContains"] { maximum = try count("maxContains", m) }
            }
            return ContainsKeyword(schema: try child(name), minimum: minimum, maximum: maximum,
                                   annotates: draft >= .draft2020_12, absolute: absolute)
        case "minItems", "maxItems":
            return ItemCountKeyword(limit: try count(name, value), isMinimum: name == "minItems", absolute: absolute)
        case "uniqueItems":
            return value.bool == true ? UniqueItemsKeyword(absolute: absolute) : nil

        case "properties":
            return try propertiesKeyword(value)
        case "patternProperties":
            guard value.isObject else { throw fail(name, "must be an object") }
            var patterns: [(ECMARegex, NodeRef)] = []
            for (pattern, _) in value.members {
                patterns.append((try session.regex(pattern, at: location.appending([name, pattern])), try child(name, pattern)))
            }
            return PatternPropertiesKeyword(patterns: patterns)
        case "additionalProperties":
            var patterns: [ECMARegex] = []
            if let pp = schema["patternProperties"], pp.isObject {
                for (pattern, _) in pp.members { patterns.append(try session.regex(pattern, at: location.appending(["patternProperties", pattern]))) }
            }
            let properties = schema["properties"].flatMap { $0.isObject ? $0.raw : nil }
            return AdditionalPropertiesKeyword(schema: try child(name), properties: properties, patterns: patterns,
                                               forbids: value.bool == false, absolute: absolute)
        case "propertyNames" where draft >= .draft6:
            return PropertyNamesKeyword(schema: try child(name))
        case "required" where draft >= .draft4:
            return RequiredKeyword(names: try names(name, value), absolute: absolute)
        case "minProperties" where draft >= .draft4,
             "maxProperties" where draft >= .draft4:
            return PropertyCountKeyword(limit: try count(name, value), isMinimum: name == "minProperties", absolute: absolute)
        case "dependencies",
             "dependentRequired" where draft >= .draft2019_09,
             "dependentSchemas" where draft >= .draft2019_09:
            return try dependenciesKeyword(name, value)

        case "allOf" where draft >= .draft4:
            return AllOfKeyword(schemas: try schemaArray(name, value), name: name)
        case "extends" where draft == .draft3:
            if value.isArray { return AllOfKeyword(schemas: try schemaArray(name, value), name: name) }
            return AllOfKeyword(schemas: [try child(name)], name: name, indexed: false)
        case "anyOf" where draft >= .draft4:
            return AnyOfKeyword(schemas: try schemaArray(name, value), absolute: absolute)
        case "oneOf" where draft >= .draft4:
            return OneOfKeyword(schemas: try schemaArray(name, value), absolute: absolute)
        case "not" where draft >= .draft4:
            return NotKeyword(schema: try child(name), text: Raw.describe(value.raw, limit: 80), absolute: absolute)
        case "if" where draft >= .draft7:
            let then = schema["then"] != nil && scope.dialect.enables("then") ? try child("then") : nil
            let otherwise = schema["else"] != nil && scope.dialect.enables("else") ? try child("else") : nil
            // Without `then`/`else`, `if` still matters for the annotations `unevaluated*` see.
            if then == nil && otherwise == nil && draft < .draft2019_09 { return nil }
            return IfKeyword(condition: try child(name), then: then, otherwise: otherwise)

        case "unevaluatedProperties" where draft >= .draft2019_09:
            return UnevaluatedPropertiesKeyword(schema: try child(name), parent: .passUnretained(node), forbids: value.bool == false, absolute: absolute)
        case "unevaluatedItems" where draft >= .draft2019_09:
            return UnevaluatedItemsKeyword(schema: try child(name), parent: .passUnretained(node), forbids: value.bool == false, absolute: absolute)
        default:
            return nil
        }
    }

    private func typeKeyword(_ value: JSON, negated: Bool) throws(SchemaError) -> Keyword {
        let name = negated ? "disallow" : "type"
        var types: TypeSet = []
        var names: [String] = []
        var schemas: [NodeRef] = []
        let entries: [JSON] = value.isArray ? Array(value.elements) : [value]
        for (i, entry) in entries.enumerated() {
            if let text = entry.string {
                names.append(text)
                if let t = TypeSet(name: text) {
                    types.formUnion(t)
                } else if draft >= .draft4 {
                    throw fail(name, "unknown type \"\(text)\"")
                }
            } else if draft == .draft3 && (entry.isObject || entry.isBool) && value.isArray {
                schemas.append(try child(name, String(i)))
                names.append("schema")
            } else {
                throw fail(name, "must be a type name or an array of them")
            }
        }
        if draft == .draft3 {
            return Draft3TypeKeyword(types: types, schemas: schemas, names: names, negated: negated, absolute: absolute)
        }
        return TypeKeyword(types: types, names: names, wholeRealsAreIntegers: draft >= .draft6, absolute: absolute)
    }

    private func propertiesKeyword(_ value: JSON) throws(SchemaError) -> Keyword {
        guard value.isObject else { throw fail("properties", "must be an object") }
        var names: [PropertyName] = []
        var schemas: [NodeRef] = []
        var required: [Int] = []
        var iter = json_object_iter(value.raw)
        while let current = iter {
            let key = Raw.key(current)
            names.append(PropertyName(key: json_object_iter_key(current), length: json_object_iter_key_len(current)))
            schemas.append(try child("properties", key))
            if draft == .draft3, value[key]?["required"]?.bool == true { required.append(names.count - 1) }
            iter = json_object_iter_next(value.raw, current)
        }
        return PropertiesKeyword(names: names, schemas: schemas, required: required, absolute: absolute)
    }

    private func dependenciesKeyword(_ name: String, _ value: JSON) throws(SchemaError) -> Keyword {
        guard value.isObject else { throw fail(name, "must be an object") }
        var entries: [(PropertyName, DependenciesKeyword.Dependency)] = []
        var iter = json_object_iter(value.raw)
        while let current = iter {
            let key = Raw.key(current)
            let trigger = PropertyName(key: json_object_iter_key(current), length: json_object_iter_key_len(current))
            let dependency = JSON(retaining: json_object_iter_value(current)!)
            if name != "dependentSchemas", dependency.isArray {
                entries.append((trigger, .required(try names(name, dependency))))
            } else if name != "dependentSchemas", draft == .draft3, let single = dependency.string {
                entries.append((trigger, .required([PropertyName(key: json_string_value(json_object_iter_value(current)!),
                                                                 length: single.utf8.count)])))
            } else if name != "dependentRequired", dependency.isObject || dependency.isBool {
                entries.append((trigger, .schema(try child(name, key))))
            } else {
                throw fail(name, "\"\(key)\" must be \(name == "dependentSchemas" ? "a schema" : "an array of property names")")
            }
            iter = json_object_iter_next(value.raw, current)
        }
        return DependenciesKeyword(entries: entries, name: name, absolute: absolute)
    }
}
