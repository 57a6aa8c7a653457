import CJansson

/// `dependencies`, `dependentRequired`, `dependentSchemas`: when a member is present,
/// other members must be too, or the object must meet a schema.
final class DependenciesKeyword: Keyword {
    enum Dependency {
        case required([PropertyName])
        case schema(NodeRef)
    }
    let entries: [(PropertyName, Dependency)]
    let name: String
    let absolute: String?

    init(entries: [(PropertyName, Dependency)], name: String, absolute: String?) {
        self.entries = entries
        self.name = name
        self.absolute = absolute
    }

    override func isValid(_ instance: RawJSON, _ ctx: inout EvalContext) -> Bool {
        guard wok_json_typeof(instance) == JSON_OBJECT else { return true }
        for (trigger, dependency) in entries where trigger.lookup(instance) != nil {
            switch dependency {
            case .required(let names):
                for n in names where n.lookup(instance) == nil { return false }
            case .schema(let schema):
                if !schema.isValid(instance, &ctx) { return false }
            }
        }
        return true
    }

    override func validate(_ instance: RawJSON, _ ctx: inout EvalContext, _ at: Location, _ sink: inout ErrorSink) {
        guard wok_json_typeof(instance) == JSON_OBJECT else { return }
        for (trigger, dependency) in entries where trigger.lookup(instance) != nil {
            switch dependency {
            case .required(let names):
                for n in names where n.lookup(instance) == nil {
                    sink.add(at.keyword(name), trigger.name, absolute.map { $0 + "/" + name },
                             "\"\(n.name)\" is a dependency of \"\(trigger.name)\"")
                }
            case .schema(let schema):
                if !schema.isValid(instance, &ctx) { schema.validate(instance, &ctx, at.keyword(name, trigger.name), &sink) }
            }
        }
    }

    override func collectProperties(_ instance: RawJSON, _ ctx: inout EvalContext, _ into: inout Evaluated) {
        guard wok_json_typeof(instance) == JSON_OBJECT else { return }
        for (trigger, dependency) in entries where trigger.lookup(instance) != nil {
            if case .schema(let schema) = dependency { schema.collectProperties(instance, &ctx, &into) }
        }
    }

    override func collectItems(_ instance: RawJSON, _ ctx: inout EvalContext, _ into: inout Evaluated) {}
}
