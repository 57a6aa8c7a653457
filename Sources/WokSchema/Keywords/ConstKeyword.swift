/// `const`: the instance equals the value.
final class ConstKeyword: Keyword {
    let value: RawJSON
    let absolute: String?

    init(value: RawJSON, absolute: String?) {
        self.value = value
        self.absolute = absolute
    }

    override func isValid(_ instance: RawJSON, _ ctx: inout EvalContext) -> Bool { Raw.equal(value, instance) }

    override func validate(_ instance: RawJSON, _ ctx: inout EvalContext, _ at: Location, _ sink: inout ErrorSink) {
        guard !isValid(instance, &ctx) else { return }
        sink.add(at, "const", absolute, "\(Raw.describe(value)) was expected, not \(Raw.describe(instance))")
    }
}
