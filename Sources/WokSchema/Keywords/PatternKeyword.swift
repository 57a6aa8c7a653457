import CJansson

/// `pattern`: an ECMA-262 regular expression searched in the string, at a bounded cost.
final class PatternKeyword: Keyword {
    let regex: ECMARegex
    let absolute: String?

    init(regex: ECMARegex, absolute: String?) {
        self.regex = regex
        self.absolute = absolute
    }

    @inline(__always) override func isValid(_ instance: RawJSON, _ ctx: inout EvalContext) -> Bool {
        guard wok_json_typeof(instance) == JSON_STRING else { return true }
        return regex.search(validUTF8: Raw.stringBytes(instance)) == .match
    }

    override func validate(_ instance: RawJSON, _ ctx: inout EvalContext, _ at: Location, _ sink: inout ErrorSink) {
        guard wok_json_typeof(instance) == JSON_STRING else { return }
        switch regex.search(validUTF8: Raw.stringBytes(instance)) {
        case .match: return
        case .noMatch:
            sink.add(at, "pattern", absolute, "\(Raw.describe(instance)) does not match \"\(regex.pattern)\"")
        case .limitExceeded:
            sink.add(at, "pattern", absolute, "pattern \"\(regex.pattern)\" was too costly to evaluate against \(Raw.describe(instance, limit: 40))")
        }
    }
}
