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

/// `not`: the subschema does not hold.
final class NotKeyword: Keyword {
    let schema: NodeRef
    let text: String
    let absolute: String?

    init(schema: NodeRef, text: String, absolute: String?) {
        self.schema = schema
        self.text = text
        self.absolute = absolute
    }

    override func isValid(_ instance: RawJSON, _ ctx: inout EvalContext) -> Bool { !schema.isValid(instance, &ctx) }

    override func validate(_ instance: RawJSON, _ ctx: inout EvalContext, _ at: Location, _ sink: inout ErrorSink) {
        guard !isValid(instance, &ctx) else { return }
        sink.add(at, "not", absolute, "\(Raw.describe(instance)) should not be valid under \(text)")
    }
}

/// `if` / `then` / `else`.
final class IfKeyword: Keyword {
    let condition: NodeRef
    let then: NodeRef?
    let otherwise: NodeRef?

    init(condition: NodeRef, then: NodeRef?, otherwise: NodeRef?) {
        self.condition = condition
        self.then = then
        self.otherwise = otherwise
    }

    override func isValid(_ instance: RawJSON, _ ctx: inout EvalContext) -> Bool {
        if then == nil && otherwise == nil { return true }
        if condition.isValid(instance, &ctx) { return then?.isValid(instance, &ctx) ?? true }
        return otherwise?.isValid(instance, &ctx) ?? true
    }

    override func validate(_ instance: RawJSON, _ ctx: inout EvalContext, _ at: Location, _ sink: inout ErrorSink) {
        if then == nil && otherwise == nil { return }
        if condition.isValid(instance, &ctx) {
            if let then, !then.isValid(instance, &ctx) { then.validate(instance, &ctx, at.keyword("then"), &sink) }
        } else if let otherwise, !otherwise.isValid(instance, &ctx) {
            otherwise.validate(instance, &ctx, at.keyword("else"), &sink)
        }
    }

    override func collectProperties(_ instance: RawJSON, _ ctx: inout EvalContext, _ into: inout Evaluated) {
        if condition.isValid(instance, &ctx) {
            condition.collectProperties(instance, &ctx, &into)
            then?.collectProperties(instance, &ctx, &into)
        } else {
            otherwise?.collectProperties(instance, &ctx, &into)
        }
    }

    override func collectItems(_ instance: RawJSON, _ ctx: inout EvalContext, _ into: inout Evaluated) {
        if condition.isValid(instance, &ctx) {
            condition.collectItems(instance, &ctx, &into)
            then?.collectItems(instance, &ctx, &into)
        } else {
            otherwise?.collectItems(instance, &ctx, &into)
        }
    }
}
