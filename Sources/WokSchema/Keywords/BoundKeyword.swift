/// `minimum`, `maximum`, `exclusiveMinimum`, `exclusiveMaximum` (numeric or draft-4 boolean forms).
final class BoundKeyword: Keyword {
    let limit: Number
    let isMinimum: Bool
    let exclusive: Bool
    let name: String
    let absolute: String?

    init(limit: Number, isMinimum: Bool, exclusive: Bool, name: String, absolute: String?) {
        self.limit = limit
        self.isMinimum = isMinimum
        self.exclusive = exclusive
        self.name = name
        self.absolute = absolute
    }

    @inline(__always) override func isValid(_ instance: RawJSON, _ ctx: inout EvalContext) -> Bool {
        guard Raw.isNumber(instance) else { return true }
        let c = Number(instance).compare(limit)
        if isMinimum { return exclusive ? c > 0 : c >= 0 }
        return exclusive ? c < 0 : c <= 0
    }

    override func validate(_ instance: RawJSON, _ ctx: inout EvalContext, _ at: Location, _ sink: inout ErrorSink) {
        guard !isValid(instance, &ctx) else { return }
        let relation = isMinimum ? (exclusive ? "less than or equal to" : "less than")
                                 : (exclusive ? "greater than or equal to" : "greater than")
        let what = isMinimum ? "minimum" : "maximum"
        sink.add(at, name, absolute, "\(Raw.describe(instance)) is \(relation) the \(exclusive ? "exclusive " : "")\(what) of \(limit)")
    }
}
