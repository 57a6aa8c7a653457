import CJansson

/// `required` (array form): the named members are present.
final class RequiredKeyword: Keyword {
    let names: [PropertyName]
    let absolute: String?

    init(names: [PropertyName], absolute: String?) {
        self.names = names
        self.absolute = absolute
    }

    @inline(__always) override func isValid(_ instance: RawJSON, _ ctx: inout EvalContext) -> Bool {
        guard wok_json_typeof(instance) == JSON_OBJECT else { return true }
        for name in names where name.lookup(instance) == nil { return false }
        return true
    }

    override func validate(_ instance: RawJSON, _ ctx: inout EvalContext, _ at: Location, _ sink: inout ErrorSink) {
        guard wok_json_typeof(instance) == JSON_OBJECT else { return }
        for name in names where name.lookup(instance) == nil {
            sink.add(at, "required", absolute, "\"\(name.name)\" is a required property")
        }
    }
}
