/// The `false` schema, and any keyword that nothing can satisfy.
final class FalseKeyword: Keyword {
    let absolute: String?
    init(absolute: String?) { self.absolute = absolute }

    override func isValid(_ instance: RawJSON, _ ctx: inout EvalContext) -> Bool { false }

    override func validate(_ instance: RawJSON, _ ctx: inout EvalContext, _ at: Location, _ sink: inout ErrorSink) {
        let kw = at.keywordPointer
        sink.append(ValidationError(instanceLocation: at.instancePointer, keywordLocation: kw,
                                           absoluteKeywordLocation: absolute,
                                           message: "false schema does not allow \(Raw.describe(instance))"))
    }
}

