/// `oneOf`: exactly one subschema holds.
final class OneOfKeyword: Keyword {
    let schemas: [NodeRef]
    let absolute: String?

    init(schemas: [NodeRef], absolute: String?) {
        self.schemas = schemas
        self.absolute = absolute
    }

    override func isValid(_ instance: RawJSON, _ ctx: inout EvalContext) -> Bool {
        var found = false
        for schema in schemas where schema.isValid(instance, &ctx) {
            if found { return false }
            found = true
        }
        return found
    }

    override func validate(_ instance: RawJSON, _ ctx: inout EvalContext, _ at: Location, _ sink: inout ErrorSink) {
        var valid: [Int] = []
        for (i, schema) in schemas.enumerated() where schema.isValid(instance, &ctx) { valid.append(i) }
        if valid.isEmpty {
            sink.add(at, "oneOf", absolute, "\(Raw.describe(instance)) is not valid under any of the given schemas")
        } else if valid.count > 1 {
            let list = valid.map(String.init).joined(separator: ", ")
            sink.add(at, "oneOf", absolute, "\(Raw.describe(instance)) is valid under more than one of the given schemas (\(list))")
        }
    }

    override func collectProperties(_ instance: RawJSON, _ ctx: inout EvalContext, _ into: inout Evaluated) {
        for schema in schemas where schema.isValid(instance, &ctx) { schema.collectProperties(instance, &ctx, &into) }
    }

    override func collectItems(_ instance: RawJSON, _ ctx: inout EvalContext, _ into: inout Evaluated) {
        for schema in schemas where schema.isValid(instance, &ctx) { schema.collectItems(instance, &ctx, &into) }
    }
}
