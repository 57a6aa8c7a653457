import WokJSON

/// Where the validator stands, built only on the error path: the instance location and the
/// keyword location (through `$ref`s) as token lists.
struct Location {
    var instance: [String]
    var keyword: [String]

    static let root = Location(instance: [], keyword: [])

    @inline(__always) func keyword(_ tokens: String...) -> Location {
        Location(instance: instance, keyword: keyword + tokens)
    }

    @inline(__always) func child(_ key: String, keyword tokens: String...) -> Location {
        Location(instance: instance + [key], keyword: keyword + tokens)
    }

    @inline(__always) func child(_ index: Int, keyword tokens: String...) -> Location {
        Location(instance: instance + [String(index)], keyword: keyword + tokens)
    }

    var instancePointer: String { JSONPointer(tokens: instance).description }
    var keywordPointer: String { JSONPointer(tokens: keyword).description }
}

/// Collects `ValidationError`s for one `validate` call.
struct ErrorSink {
    var errors: [ValidationError] = []

    /// Records a failure of `keyword` (the last keyword-location token) at `location`.
    mutating func add(_ location: Location, _ keyword: String, _ absolute: String?, _ message: String) {
        let kw = JSONPointer(tokens: location.keyword + [keyword]).description
        errors.append(ValidationError(instanceLocation: location.instancePointer, keywordLocation: kw,
                                      absoluteKeywordLocation: absolute.map { $0 + "/" + JSONPointer.escape(keyword) },
                                      message: message))
    }
}
