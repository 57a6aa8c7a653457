/// `multipleOf` (draft 3: `divisibleBy`).
final class MultipleOfKeyword: Keyword {
    let divisor: Number
    let name: String
    let absolute: String?

    init(divisor: Number, name: String, absolute: String?) {
        self.divisor = divisor
        self.name = name
        self.absolute = absolute
    }

    override func isValid(_ instance: RawJSON, _ ctx: inout EvalContext) -> Bool {
        guard Raw.isNumber(instance) else { return true }
        return Number(instance).isMultiple(of: divisor)
    }

    override func validate(_ instance: RawJSON, _ ctx: inout EvalContext, _ at: Location, _ sink: inout ErrorSink) {
        guard !isValid(instance, &ctx) else { return }
        sink.add(at, name, absolute, "\(Raw.describe(instance)) is not a multiple of \(divisor)")
    }
}
