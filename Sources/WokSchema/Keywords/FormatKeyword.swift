/// `format`: a named format, asserted (the annotation-only case compiles to nothing).
final class FormatKeyword: Keyword {
    let format: String
    let draft: Draft
    let absolute: String?

    init(format: String, draft: Draft, absolute: String?) {
        self.format = format
        self.draft = draft
        self.absolute = absolute
    }

    override func isValid(_ instance: RawJSON, _ ctx: inout EvalContext) -> Bool {
        FormatChecker.check(format, JSONBridge.json(instance), draft: draft) ?? true
    }

    override func validate(_ instance: RawJSON, _ ctx: inout EvalContext, _ at: Location, _ sink: inout ErrorSink) {
        guard !isValid(instance, &ctx) else { return }
        sink.add(at, "format", absolute, "\(Raw.describe(instance)) is not a valid \"\(format)\"")
    }
}
