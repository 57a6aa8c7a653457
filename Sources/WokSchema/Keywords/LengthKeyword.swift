import CJansson

/// `minLength` / `maxLength`, counted in Unicode code points.
final class LengthKeyword: Keyword {
    let limit: Int
    let isMinimum: Bool
    let absolute: String?

    init(limit: Int, isMinimum: Bool, absolute: String?) {
        self.limit = limit
        self.isMinimum = isMinimum
        self.absolute = absolute
    }

    @inline(__always) override func isValid(_ instance: RawJSON, _ ctx: inout EvalContext) -> Bool {
        guard wok_json_typeof(instance) == JSON_STRING else { return true }
        let bytes = json_string_length(instance)
        if isMinimum {
            if bytes < limit { return false }
            if bytes >= limit * 4 { return true }
            return Raw.codePointCount(instance) >= limit
        }
        if bytes <= limit { return true }
        return Raw.codePointCount(instance) <= limit
    }

    override func validate(_ instance: RawJSON, _ ctx: inout EvalContext, _ at: Location, _ sink: inout ErrorSink) {
        guard !isValid(instance, &ctx) else { return }
        if isMinimum {
            sink.add(at, "minLength", absolute, "\(Raw.describe(instance)) is shorter than \(limit) character\(limit == 1 ? "" : "s")")
        } else {
            sink.add(at, "maxLength", absolute, "\(Raw.describe(instance)) is longer than \(limit) character\(limit == 1 ? "" : "s")")
        }
    }
}
