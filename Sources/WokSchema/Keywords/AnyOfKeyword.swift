/// `anyOf`: at least one subschema holds.
final class AnyOfKeyword: Keyword {
    let schemas: [NodeRef]
    let absolute: String?

    init(schemas: [NodeRef], absolute: String?) {
        self.schemas = schemas
        self.absolute = absolute
    }

    override func isValid(_ instance: RawJSON, _ ctx: inout EvalContext) -> Bool {
        for schema in schemas where schema.isValid(instance, &ctx) { return true }
        return false
    }

    override func validate(_ instance: RawJSON, _ ctx: inout EvalContext, _ at: Location, _ sink: inout ErrorSink) {
        guard !isValid(instance, &ctx) else { return }
        sink.add(at, "anyOf", absolute, "\(Raw.describe(instance)) is not valid under any of the given schemas")
    }

    override func collectProperties(_ instance: RawJSON, _ ctx: inout EvalContext, _ into: inout Evaluated) {
        for schema in schemas where schema.isValid(instance, &ctx) { schema.collectProperties(instance, &ctx, &into) }
    }

    override func collectItems(_ instance: RawJSON, _ ctx: inout EvalContext, _ into: inout Evaluated) {
        for schema in schemas where schema.isValid(instance, &ctx) { schema.collectItems(instance, &ctx, &into) }
    }
}
