import CJansson

/// `prefixItems` (and the array form of `items` before 2020-12): one schema per position.
final class PrefixItemsKeyword: Keyword {
    let schemas: [NodeRef]
    let name: String

    init(schemas: [NodeRef], name: String) {
        self.schemas = schemas
        self.name = name
    }

    override func isValid(_ instance: RawJSON, _ ctx: inout EvalContext) -> Bool {
        guard wok_json_typeof(instance) == JSON_ARRAY else { return true }
        let n = min(json_array_size(instance), schemas.count)
        for i in 0..<n where !schemas[i].isValid(json_array_get(instance, i)!, &ctx) { return false }
        return true
    }

    override func validate(_ instance: RawJSON, _ ctx: inout EvalContext, _ at: Location, _ sink: inout ErrorSink) {
        guard wok_json_typeof(instance) == JSON_ARRAY else { return }
        let n = min(json_array_size(instance), schemas.count)
        for i in 0..<n {
            let item = json_array_get(instance, i)!
            if !schemas[i].isValid(item, &ctx) { schemas[i].validate(item, &ctx, at.child(i, keyword: name, String(i)), &sink) }
        }
    }

    override func collectItems(_ instance: RawJSON, _ ctx: inout EvalContext, _ into: inout Evaluated) {
        guard wok_json_typeof(instance) == JSON_ARRAY else { return }
        into.addPrefix(min(json_array_size(instance), schemas.count))
    }
}

/// `items` (schema form), `additionalItems`, and 2020-12 `items` after `prefixItems`:
/// every item from `start` on.
final class ItemsFromKeyword: Keyword {
    let schema: NodeRef
    let start: Int
    let name: String
    let absolute: String?

    init(schema: NodeRef, start: Int, name: String, absolute: String?) {
        self.schema = schema
        self.start = start
        self.name = name
        self.absolute = absolute
    }

    override func isValid(_ instance: RawJSON, _ ctx: inout EvalContext) -> Bool {
        guard wok_json_typeof(instance) == JSON_ARRAY else { return true }
        let n = json_array_size(instance)
        var i = start
        while i < n {
            if !schema.isValid(json_array_get(instance, i)!, &ctx) { return false }
            i += 1
        }
        return true
    }

    override func validate(_ instance: RawJSON, _ ctx: inout EvalContext, _ at: Location, _ sink: inout ErrorSink) {
        guard wok_json_typeof(instance) == JSON_ARRAY else { return }
        let n = json_array_size(instance)
        var i = start
        while i < n {
            let item = json_array_get(instance, i)!
            if !schema.isValid(item, &ctx) { schema.validate(item, &ctx, at.child(i, keyword: name), &sink) }
            i += 1
        }
    }

    override func collectItems(_ instance: RawJSON, _ ctx: inout EvalContext, _ into: inout Evaluated) {
        guard wok_json_typeof(instance) == JSON_ARRAY else { return }
        into.all = true
    }
}

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

/// `minItems` / `maxItems`.
final class ItemCountKeyword: Keyword {
    let limit: Int
    let isMinimum: Bool
    let absolute: String?

    init(limit: Int, isMinimum: Bool, absolute: String?) {
        self.limit = limit
        self.isMinimum = isMinimum
        self.absolute = absolute
    }

    override func isValid(_ instance: RawJSON, _ ctx: inout EvalContext) -> Bool {
        guard wok_json_typeof(instance) == JSON_ARRAY else { return true }
        let n = json_array_size(instance)
        return isMinimum ? n >= limit : n <= limit
    }

    override func validate(_ instance: RawJSON, _ ctx: inout EvalContext, _ at: Location, _ sink: inout ErrorSink) {
        guard !isValid(instance, &ctx) else { return }
        sink.add(at, isMinimum ? "minItems" : "maxItems", absolute,
                 "\(Raw.describe(instance)) has \(isMinimum ? "fewer" : "more") than \(limit) item\(limit == 1 ? "" : "s")")
    }
}

/// `uniqueItems: true`.
final class UniqueItemsKeyword: Keyword {
    let absolute: String?
    init(absolute: String?) { self.absolute = absolute }

    override func isValid(_ instance: RawJSON, _ ctx: inout EvalContext) -> Bool { duplicate(instance) == nil }

    /// The indexes of two equal items, if any.
    func duplicate(_ instance: RawJSON) -> (Int, Int)? {
        guard wok_json_typeof(instance) == JSON_ARRAY else { return nil }
        let n = json_array_size(instance)
        if n < 2 { return nil }
        if n <= 16 {
            for i in 0..<n {
                let a = json_array_get(instance, i)!
                for j in (i + 1)..<n where Raw.equal(a, json_array_get(instance, j)!) { return (i, j) }
            }
            return nil
        }
        var buckets: [Int: [Int]] = [:]
        for i in 0..<n {
            let a = json_array_get(instance, i)!
            var hasher = Hasher()
            Raw.hash(a, into: &hasher)
            let h = hasher.finalize()
            if let others = buckets[h] {
                for j in others where Raw.equal(a, json_array_get(instance, j)!) { return (j, i) }
            }
            buckets[h, default: []].append(i)
        }
        return nil
    }

    override func validate(_ instance: RawJSON, _ ctx: inout EvalContext, _ at: Location, _ sink: inout ErrorSink) {
        guard let (i, j) = duplicate(instance) else { return }
        sink.add(at, "uniqueItems", absolute, "\(Raw.describe(instance)) has non-unique elements (items \(i) and \(j) are equal)")
    }
}
