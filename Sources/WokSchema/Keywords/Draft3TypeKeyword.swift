import CJansson

/// Draft 3 `type` and `disallow`: a union of type names and schemas (`disallow` negates it).
final class Draft3TypeKeyword: Keyword {
    let types: TypeSet
    let schemas: [NodeRef]
    let names: [String]
    let negated: Bool
    let absolute: String?

    init(types: TypeSet, schemas: [NodeRef], names: [String], negated: Bool, absolute: String?) {
        self.types = types
        self.schemas = schemas
        self.names = names
        self.negated = negated
        self.absolute = absolute
    }

    private func matches(_ instance: RawJSON, _ ctx: inout EvalContext) -> Bool {
        if types.contains(instance, wholeRealsAreIntegers: false) { return true }
        for schema in schemas where schema.isValid(instance, &ctx) { return true }
        return false
    }

    override func isValid(_ instance: RawJSON, _ ctx: inout EvalContext) -> Bool {
        matches(instance, &ctx) != negated
    }

    override func validate(_ instance: RawJSON, _ ctx: inout EvalContext, _ at: Location, _ sink: inout ErrorSink) {
        guard !isValid(instance, &ctx) else { return }
        let listed = names.joined(separator: ", ")
        if negated {
            sink.add(at, "disallow", absolute, "\(Raw.describe(instance)) is disallowed for type \(listed)")
        } else {
            sink.add(at, "type", absolute, "\(Raw.describe(instance)) is not of type \(listed)")
        }
    }
}
