import WokJSON

/// Where the validator stands, built only on the error path: the instance location and the
/// keyword location (through `$ref`s), as JSON Pointer text grown one token at a time.
struct Location {
    var instancePointer: String
    var keywordPointer: String

    static let root = Location(instancePointer: "", keywordPointer: "")

    @inline(__always) private static func appending(_ pointer: String, _ tokens: [String]) -> String {
        var out = pointer
        for token in tokens {
            out.append("/")
            out.append(Location.escape(token))
        }
        return out
    }

    /// A JSON Pointer token escaped (`~` as `~0`, `/` as `~1`); checks bytes, not characters.
    @inline(__always) static func escape(_ token: String) -> String {
        guard token.utf8.contains(where: { $0 == 0x7E || $0 == 0x2F }) else { return token }
        return JSONPointer.escape(token)
    }

    func keyword(_ tokens: String...) -> Location {
        Location(instancePointer: instancePointer, keywordPointer: Location.appending(keywordPointer, tokens))
    }

    func child(_ key: String, keyword tokens: String...) -> Location {
        Location(instancePointer: Location.appending(instancePointer, [key]), keywordPointer: Location.appending(keywordPointer, tokens))
    }

    func child(_ index: Int, keyword tokens: String...) -> Location {
        Location(instancePointer: instancePointer + "/" + String(index), keywordPointer: Location.appending(keywordPointer, tokens))
    }
}

/// Collects `ValidationError`s for one `validate` call.
struct ErrorSink {
    private(set) var errors: [ValidationError] = []
    /// The most errors kept; once reached, validation stops collecting.
    let limit: Int

    init(limit: Int = .max) { self.limit = max(limit, 1) }

    /// Whether the limit is reached (loops over members and items stop early).
    @inline(__always) var isFull: Bool { errors.count >= limit }

    /// Appends a built error, unless the limit is reached.
    mutating func append(_ error: ValidationError) {
        if !isFull { errors.append(error) }
    }

    /// Sets the code of the errors from `start` on that have none (WoK's `error` keyword).
    mutating func setCode(_ code: String, from start: Int) {
        for i in start..<errors.count where errors[i].code == nil { errors[i].code = code }
    }

    /// Records a failure of `keyword` (the last keyword-location token) at `location`.
    mutating func add(_ location: Location, _ keyword: String, _ absolute: String?, _ message: String) {
        guard !isFull else { return }
        let escaped = Location.escape(keyword)
        errors.append(ValidationError(instanceLocation: location.instancePointer,
                                      keywordLocation: location.keywordPointer + "/" + escaped,
                                      absoluteKeywordLocation: absolute.map { $0 + "/" + escaped },
                                      message: message))
    }
}
