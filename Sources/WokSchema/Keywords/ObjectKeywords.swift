import CJansson

/// A property name taken from the schema document (which the validator keeps alive).
struct PropertyName: @unchecked Sendable {
    let key: UnsafePointer<CChar>
    let length: Int

    init(key: UnsafePointer<CChar>, length: Int) {
        self.key = key
        self.length = length
    }

    /// The name as a `String` (error path only: the struct stays trivial for the hot path).
    var name: String {
        String(decoding: UnsafeRawBufferPointer(start: key, count: length), as: UTF8.self)
    }

    /// The member of `object` with this name.
    @inline(__always) func lookup(_ object: RawJSON) -> RawJSON? { json_object_getn(object, key, length) }
}

/// `properties` (with draft 3's `required: true` inside property schemas).
final class PropertiesKeyword: Keyword {
    let names: [PropertyName]
    let schemas: [NodeRef]
    /// Draft 3: indexes of properties whose schema says `required: true`.
    let required: [Int]
    let absolute: String?

    init(names: [PropertyName], schemas: [NodeRef], required: [Int], absolute: String?) {
        self.names = names
        self.schemas = schemas
        self.required = required
        self.absolute = absolute
    }

    override func isValid(_ instance: RawJSON, _ ctx: inout EvalContext) -> Bool {
        guard wok_json_typeof(instance) == JSON_OBJECT else { return true }
        for i in 0..<names.count {
            if let value = names[i].lookup(instance), !schemas[i].isValid(value, &ctx) { return false }
        }
        for i in required where names[i].lookup(instance) == nil { return false }
        return true
    }

    override func validate(_ instance: RawJSON, _ ctx: inout EvalContext, _ at: Location, _ sink: inout ErrorSink) {
        guard wok_json_typeof(instance) == JSON_OBJECT else { return }
        for i in 0..<names.count {
            if let value = names[i].lookup(instance), !schemas[i].isValid(value, &ctx) {
                schemas[i].validate(value, &ctx, at.child(names[i].name, keyword: "properties", names[i].name), &sink)
            }
        }
        for i in required where names[i].lookup(instance) == nil {
            let location = at.keyword("properties", names[i].name)
            let start = sink.errors.count
            sink.add(location, "required", absolute.map { $0 + "/properties/" + names[i].name }, "\"\(names[i].name)\" is a required property")
            if let code = schemas[i].node.errorCode { sink.errors[start].code = code }
        }
    }

    override func collectProperties(_ instance: RawJSON, _ ctx: inout EvalContext, _ into: inout Evaluated) {
        guard wok_json_typeof(instance) == JSON_OBJECT else { return }
        for name in names where name.lookup(instance) != nil { into.keys.insert(name.name) }
    }
}

/// `patternProperties`: members whose name matches a pattern meet its schema.
final class PatternPropertiesKeyword: Keyword {
    let patterns: [(ECMARegex, NodeRef)]

    init(patterns: [(ECMARegex, NodeRef)]) { self.patterns = patterns }

    override func isValid(_ instance: RawJSON, _ ctx: inout EvalContext) -> Bool {
        guard wok_json_typeof(instance) == JSON_OBJECT else { return true }
        var iter = json_object_iter(instance)
        while let current = iter {
            let key = Raw.keyBytes(current)
            for (regex, schema) in patterns {
                switch regex.search(validUTF8: key) {
                case .noMatch: continue
                case .limitExceeded: return false
                case .match: if !schema.isValid(json_object_iter_value(current)!, &ctx) { return false }
                }
            }
            iter = json_object_iter_next(instance, current)
        }
        return true
    }

    override func validate(_ instance: RawJSON, _ ctx: inout EvalContext, _ at: Location, _ sink: inout ErrorSink) {
        guard wok_json_typeof(instance) == JSON_OBJECT else { return }
        var iter = json_object_iter(instance)
        while let current = iter {
            let key = Raw.keyBytes(current)
            let value = json_object_iter_value(current)!
            for (regex, schema) in patterns {
                switch regex.search(validUTF8: key) {
                case .noMatch: continue
                case .limitExceeded:
                    sink.add(at.keyword("patternProperties"), regex.pattern, nil,
                             "pattern \"\(regex.pattern)\" was too costly to evaluate against the property name \"\(Raw.key(current))\"")
                case .match:
                    if !schema.isValid(value, &ctx) {
                        schema.validate(value, &ctx, at.child(Raw.key(current), keyword: "patternProperties", regex.pattern), &sink)
                    }
                }
            }
            iter = json_object_iter_next(instance, current)
        }
    }

    override func collectProperties(_ instance: RawJSON, _ ctx: inout EvalContext, _ into: inout Evaluated) {
        guard wok_json_typeof(instance) == JSON_OBJECT else { return }
        var iter = json_object_iter(instance)
        while let current = iter {
            let key = Raw.keyBytes(current)
            for (regex, _) in patterns where regex.search(validUTF8: key) == .match {
                into.keys.insert(Raw.key(current))
                break
            }
            iter = json_object_iter_next(instance, current)
        }
    }
}

/// `additionalProperties`: members not named by `properties` nor matched by
/// `patternProperties` meet this schema.
final class AdditionalPropertiesKeyword: Keyword {
    let schema: NodeRef
    /// The sibling `properties` object of the schema document, used as a hash set of names.
    let properties: RawJSON?
    let patterns: [ECMARegex]
    /// The subschema is `false`: report "additional property not allowed".
    let forbids: Bool
    let absolute: String?

    init(schema: NodeRef, properties: RawJSON?, patterns: [ECMARegex], forbids: Bool, absolute: String?) {
        self.schema = schema
        self.properties = properties
        self.patterns = patterns
        self.forbids = forbids
        self.absolute = absolute
    }

    /// Whether the member is additional; a pattern too costly to evaluate counts as matching
    /// (`patternProperties` reports it).
    @inline(__always) private func isAdditional(_ iter: UnsafeMutableRawPointer) -> Bool {
        if let properties, json_object_getn(properties, json_object_iter_key(iter), json_object_iter_key_len(iter)) != nil { return false }
        if !patterns.isEmpty {
            let key = Raw.keyBytes(iter)
            for regex in patterns where regex.search(validUTF8: key) != .noMatch { return false }
        }
        return true
    }

    override func isValid(_ instance: RawJSON, _ ctx: inout EvalContext) -> Bool {
        guard wok_json_typeof(instance) == JSON_OBJECT else { return true }
        var iter = json_object_iter(instance)
        while let current = iter {
            if isAdditional(current) {
                if forbids || !schema.isValid(json_object_iter_value(current)!, &ctx) { return false }
            }
            iter = json_object_iter_next(instance, current)
        }
        return true
    }

    override func validate(_ instance: RawJSON, _ ctx: inout EvalContext, _ at: Location, _ sink: inout ErrorSink) {
        guard wok_json_typeof(instance) == JSON_OBJECT else { return }
        var iter = json_object_iter(instance)
        while let current = iter {
            if isAdditional(current) {
                let key = Raw.key(current)
                if forbids {
                    sink.add(at, "additionalProperties", absolute, "additional property \"\(key)\" is not allowed")
                } else {
                    let value = json_object_iter_value(current)!
                    if !schema.isValid(value, &ctx) { schema.validate(value, &ctx, at.child(key, keyword: "additionalProperties"), &sink) }
                }
            }
            iter = json_object_iter_next(instance, current)
        }
    }

    override func collectProperties(_ instance: RawJSON, _ ctx: inout EvalContext, _ into: inout Evaluated) {
        guard wok_json_typeof(instance) == JSON_OBJECT else { return }
        into.all = true
    }
}

/// `propertyNames`: every member name, as a string, meets the schema.
final class PropertyNamesKeyword: Keyword {
    let schema: NodeRef
    init(schema: NodeRef) { self.schema = schema }

    private func forEachName(_ instance: RawJSON, _ body: (RawJSON, UnsafeMutableRawPointer) -> Bool) -> Bool {
        var iter = json_object_iter(instance)
        while let current = iter {
            let name = json_stringn_nocheck(json_object_iter_key(current), json_object_iter_key_len(current))!
            let keep = body(name, current)
            json_decref(name)
            if !keep { return false }
            iter = json_object_iter_next(instance, current)
        }
        return true
    }

    override func isValid(_ instance: RawJSON, _ ctx: inout EvalContext) -> Bool {
        guard wok_json_typeof(instance) == JSON_OBJECT else { return true }
        return forEachName(instance) { name, _ in schema.isValid(name, &ctx) }
    }

    override func validate(_ instance: RawJSON, _ ctx: inout EvalContext, _ at: Location, _ sink: inout ErrorSink) {
        guard wok_json_typeof(instance) == JSON_OBJECT else { return }
        _ = forEachName(instance) { name, _ in
            if !schema.isValid(name, &ctx) {
                var nested = ErrorSink()
                schema.validate(name, &ctx, at.keyword("propertyNames"), &nested)
                for var error in nested.errors {
                    error.message = "property name \(Raw.describe(name)): " + error.message
                    sink.errors.append(error)
                }
            }
            return true
        }
    }
}

/// `required` (array form): the named members are present.
final class RequiredKeyword: Keyword {
    let names: [PropertyName]
    let absolute: String?

    init(names: [PropertyName], absolute: String?) {
        self.names = names
        self.absolute = absolute
    }

    @inline(__always) override func isValid(_ instance: RawJSON, _ ctx: inout EvalContext) -> Bool {
        guard wok_json_typeof(instance) == JSON_OBJECT else { return true }
        for name in names where name.lookup(instance) == nil { return false }
        return true
    }

    override func validate(_ instance: RawJSON, _ ctx: inout EvalContext, _ at: Location, _ sink: inout ErrorSink) {
        guard wok_json_typeof(instance) == JSON_OBJECT else { return }
        for name in names where name.lookup(instance) == nil {
            sink.add(at, "required", absolute, "\"\(name.name)\" is a required property")
        }
    }
}

/// `minProperties` / `maxProperties`.
final class PropertyCountKeyword: Keyword {
    let limit: Int
    let isMinimum: Bool
    let absolute: String?

    init(limit: Int, isMinimum: Bool, absolute: String?) {
        self.limit = limit
        self.isMinimum = isMinimum
        self.absolute = absolute
    }

    override func isValid(_ instance: RawJSON, _ ctx: inout EvalContext) -> Bool {
        guard wok_json_typeof(instance) == JSON_OBJECT else { return true }
        let n = json_object_size(instance)
        return isMinimum ? n >= limit : n <= limit
    }

    override func validate(_ instance: RawJSON, _ ctx: inout EvalContext, _ at: Location, _ sink: inout ErrorSink) {
        guard !isValid(instance, &ctx) else { return }
        sink.add(at, isMinimum ? "minProperties" : "maxProperties", absolute,
                 "\(Raw.describe(instance)) has \(isMinimum ? "fewer" : "more") than \(limit) propert\(limit == 1 ? "y" : "ies")")
    }
}

/// `dependencies`, `dependentRequired`, `dependentSchemas`: when a member is present,
/// other members must be too, or the object must meet a schema.
final class DependenciesKeyword: Keyword {
    enum Dependency {
        case required([PropertyName])
        case schema(NodeRef)
    }
    let entries: [(PropertyName, Dependency)]
    let name: String
    let absolute: String?

    init(entries: [(PropertyName, Dependency)], name: String, absolute: String?) {
        self.entries = entries
        self.name = name
        self.absolute = absolute
    }

    override func isValid(_ instance: RawJSON, _ ctx: inout EvalContext) -> Bool {
        guard wok_json_typeof(instance) == JSON_OBJECT else { return true }
        for (trigger, dependency) in entries where trigger.lookup(instance) != nil {
            switch dependency {
            case .required(let names):
                for n in names where n.lookup(instance) == nil { return false }
            case .schema(let schema):
                if !schema.isValid(instance, &ctx) { return false }
            }
        }
        return true
    }

    override func validate(_ instance: RawJSON, _ ctx: inout EvalContext, _ at: Location, _ sink: inout ErrorSink) {
        guard wok_json_typeof(instance) == JSON_OBJECT else { return }
        for (trigger, dependency) in entries where trigger.lookup(instance) != nil {
            switch dependency {
            case .required(let names):
                for n in names where n.lookup(instance) == nil {
                    sink.add(at.keyword(name), trigger.name, absolute.map { $0 + "/" + name },
                             "\"\(n.name)\" is a dependency of \"\(trigger.name)\"")
                }
            case .schema(let schema):
                if !schema.isValid(instance, &ctx) { schema.validate(instance, &ctx, at.keyword(name, trigger.name), &sink) }
            }
        }
    }

    override func collectProperties(_ instance: RawJSON, _ ctx: inout EvalContext, _ into: inout Evaluated) {
        guard wok_json_typeof(instance) == JSON_OBJECT else { return }
        for (trigger, dependency) in entries where trigger.lookup(instance) != nil {
            if case .schema(let schema) = dependency { schema.collectProperties(instance, &ctx, &into) }
        }
    }

    override func collectItems(_ instance: RawJSON, _ ctx: inout EvalContext, _ into: inout Evaluated) {}
}
