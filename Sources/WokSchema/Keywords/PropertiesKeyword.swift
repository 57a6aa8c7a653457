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
            if let code = schemas[i].node.errorCode { sink.setCode(code, from: start) }
        }
    }

    override func collectProperties(_ instance: RawJSON, _ ctx: inout EvalContext, _ into: inout Evaluated) {
        guard wok_json_typeof(instance) == JSON_OBJECT else { return }
        for name in names where name.lookup(instance) != nil { into.keys.insert(name.name) }
    }
}
