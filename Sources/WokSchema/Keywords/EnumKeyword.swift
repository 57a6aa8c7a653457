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

/// The `false` schema, and any keyword that nothing can satisfy.
final class FalseKeyword: Keyword {
    let absolute: String?
    init(absolute: String?) { self.absolute = absolute }

    override func isValid(_ instance: RawJSON, _ ctx: inout EvalContext) -> Bool { false }

    override func validate(_ instance: RawJSON, _ ctx: inout EvalContext, _ at: Location, _ sink: inout ErrorSink) {
        let kw = at.keywordPointer
        sink.errors.append(ValidationError(instanceLocation: at.instancePointer, keywordLocation: kw,
                                           absoluteKeywordLocation: absolute,
                                           message: "false schema does not allow \(Raw.describe(instance))"))
    }
}

import WokJSON

enum JSONPointerText {
    static func of(_ tokens: [String]) -> String { JSONPointer(tokens: tokens).description }
}
