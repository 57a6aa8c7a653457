import CJansson

/// `contains` with `minContains` / `maxContains`.
final class ContainsKeyword: Keyword {
    let schema: NodeRef
    let minimum: Int
    let maximum: Int?
    /// 2020-12: the matched items count as evaluated for `unevaluatedItems`.
    let annotates: Bool
    let absolute: String?

    init(schema: NodeRef, minimum: Int, maximum: Int?, annotates: Bool, absolute: String?) {
        self.schema = schema
        self.minimum = minimum
        self.maximum = maximum
        self.annotates = annotates
        self.absolute = absolute
    }

    override func isValid(_ instance: RawJSON, _ ctx: inout EvalContext) -> Bool {
        guard wok_json_typeof(instance) == JSON_ARRAY else { return true }
        let n = json_array_size(instance)
        var matched = 0
        for i in 0..<n where schema.isValid(json_array_get(instance, i)!, &ctx) {
            matched += 1
            if matched >= minimum && maximum == nil { return true }
            if let maximum, matched > maximum { return false }
        }
        return matched >= minimum
    }

    override func validate(_ instance: RawJSON, _ ctx: inout EvalContext, _ at: Location, _ sink: inout ErrorSink) {
        guard wok_json_typeof(instance) == JSON_ARRAY, !isValid(instance, &ctx) else { return }
        let n = json_array_size(instance)
        var matched = 0
        for i in 0..<n where schema.isValid(json_array_get(instance, i)!, &ctx) { matched += 1 }
        if matched < minimum {
            let name = minimum == 1 ? "contains" : "minContains"
            sink.add(at, name, absolute, "\(Raw.describe(instance)) contains \(matched) matching item\(matched == 1 ? "" : "s"), fewer than \(minimum)")
        } else if let maximum {
            sink.add(at, "maxContains", absolute, "\(Raw.describe(instance)) contains \(matched) matching items, more than \(maximum)")
        }
    }

    override func collectItems(_ instance: RawJSON, _ ctx: inout EvalContext, _ into: inout Evaluated) {
        guard annotates, wok_json_typeof(instance) == JSON_ARRAY else { return }
        for i in 0..<json_array_size(instance) where schema.isValid(json_array_get(instance, i)!, &ctx) { into.indexes.insert(i) }
    }
}
