import CJansson

/// `minProperties` / `maxProperties`.
final class PropertyCountKeyword: Keyword {
    let limit: Int
    let isMinimum: Bool
    let absolute: String?

    init(limit: Int, isMinimum: Bool, absolute: String?) {
        self.limit = limit
        self.isMinimum = isMinimum
        self.absolute = absolute
    }

    override func isValid(_ instance: RawJSON, _ ctx: inout EvalContext) -> Bool {
        guard wok_json_typeof(instance) == JSON_OBJECT else { return true }
        let n = json_object_size(instance)
        return isMinimum ? n >= limit : n <= limit
    }

    override func validate(_ instance: RawJSON, _ ctx: inout EvalContext, _ at: Location, _ sink: inout ErrorSink) {
        guard !isValid(instance, &ctx) else { return }
        sink.add(at, isMinimum ? "minProperties" : "maxProperties", absolute,
                 "\(Raw.describe(instance)) has \(isMinimum ? "fewer" : "more") than \(limit) propert\(limit == 1 ? "y" : "ies")")
    }
}
