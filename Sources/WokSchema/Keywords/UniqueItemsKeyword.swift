import CJansson

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
