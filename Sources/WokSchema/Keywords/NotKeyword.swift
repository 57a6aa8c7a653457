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
