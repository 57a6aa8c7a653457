/// `allOf` (draft 3: `extends`): every subschema holds.
final class AllOfKeyword: Keyword {
    let schemas: [NodeRef]
    let name: String
    /// `extends` with a single schema: no index in the keyword location.
    let indexed: Bool

    init(schemas: [NodeRef], name: String, indexed: Bool = true) {
        self.schemas = schemas
        self.name = name
        self.indexed = indexed
    }

    override func isValid(_ instance: RawJSON, _ ctx: inout EvalContext) -> Bool {
        for schema in schemas where !schema.isValid(instance, &ctx) { return false }
        return true
    }

    override func validate(_ instance: RawJSON, _ ctx: inout EvalContext, _ at: Location, _ sink: inout ErrorSink) {
        for (i, schema) in schemas.enumerated() where !schema.isValid(instance, &ctx) {
            schema.validate(instance, &ctx, indexed ? at.keyword(name, String(i)) : at.keyword(name), &sink)
        }
    }

    override func collectProperties(_ instance: RawJSON, _ ctx: inout EvalContext, _ into: inout Evaluated) {
        for schema in schemas { schema.collectProperties(instance, &ctx, &into) }
    }

    override func collectItems(_ instance: RawJSON, _ ctx: inout EvalContext, _ into: inout Evaluated) {
        for schema in schemas { schema.collectItems(instance, &ctx, &into) }
    }
}
