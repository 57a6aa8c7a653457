/// `enum`: the instance equals one of the listed values.
final class EnumKeyword: Keyword {
    let values: [RawJSON]
    let text: String
    let absolute: String?

    init(values: [RawJSON], text: String, absolute: String?) {
        self.values = values
        self.text = text
        self.absolute = absolute
    }

    override func isValid(_ instance: RawJSON, _ ctx: inout EvalContext) -> Bool {
        for value in values where Raw.equal(value, instance) { return true }
        return false
    }

    override func validate(_ instance: RawJSON, _ ctx: inout EvalContext, _ at: Location, _ sink: inout ErrorSink) {
        guard !isValid(instance, &ctx) else { return }
        sink.add(at, "enum", absolute, "\(Raw.describe(instance)) is not one of \(text)")
    }
}
