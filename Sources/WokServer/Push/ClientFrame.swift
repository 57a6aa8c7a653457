import WokJSON
import WokSchema

/// One frame a browser may send on `/push` (PROTOCOL section 4), parsed and checked.
enum ClientFrame {
    case subscribe(topics: [String], since: UInt64?, epoch: String?)
    case unsubscribe(topics: [String])
    case ping

    /// Why a client frame was refused as `invalid_frame`.
    struct Invalid: Error {
        var message: String
        var details: JSON?
        var code = PushErrorCode.invalidFrame
    }

    /// Parses `bytes` (a text message), checks its shape by hand (for clear messages), then
    /// against `validator` (client-frame.json) when given, which has the last word.
    /// - Returns: the frame and its `ref` (echoed on the reply), or the refusal and whatever
    ///   `ref` could be read.
    /// - Parameter maxFilters: a subscribe naming more filters is `limit_exceeded` (checked before
    ///   the schema, whose `maxItems` would call it `invalid_frame`).
    static func parse(_ bytes: some Collection<UInt8>, validator: Validator?, maxFilters: Int) -> (Result<ClientFrame, Invalid>, ref: JSON?) {
        let json: JSON
        do {
            json = try JSON.parse(bytes)
        } catch {
            return (.failure(Invalid(message: "not JSON: \(error.description)",
                                     details: ["line": .int(Int64(error.line)), "column": .int(Int64(error.column))])), nil)
        }
        guard json.isObject else { return (.failure(Invalid(message: "a frame must be a JSON object")), nil) }
        var ref = json["ref"]
        if let r = ref, !(r.isString || r.int != nil) {
            ref = nil
            return (.failure(Invalid(message: "ref must be a string or an integer")), nil)
        }
        let shaped = checkShape(json)
        guard case .success(let frame) = shaped else { return (shaped, ref) }
        if case .subscribe(let topics, _, _) = frame, topics.count > maxFilters {
            return (.failure(Invalid(message: "at most \(maxFilters) filters per connection",
                                     details: ["limit": "max_filters", "max": .int(Int64(maxFilters))], code: .limitExceeded)), ref)
        }
        if let validator {
            let errors = validator.validate(json)
            if !errors.isEmpty {
                return (.failure(Invalid(message: "frame does not match client-frame.json: \(errors[0].message)",
                                         details: Self.describe(errors))), ref)
            }
        }
        return (shaped, ref)
    }

    static func describe(_ errors: [ValidationError]) -> JSON {
        .array(errors.prefix(20).map {
            ["instanceLocation": .string($0.instanceLocation), "keywordLocation": .string($0.keywordLocation),
             "message": .string($0.message)]
        })
    }

    private static func checkShape(_ json: JSON) -> Result<ClientFrame, Invalid> {
        guard let type = json["type"]?.string else { return .failure(Invalid(message: "missing string field \"type\"")) }
        let allowed: Set<String>
        switch type {
        case "subscribe": allowed = ["type", "topics", "since", "epoch", "ref"]
        case "unsubscribe": allowed = ["type", "topics", "ref"]
        case "ping": allowed = ["type", "ref"]
        default: return .failure(Invalid(message: "unknown frame type \"\(type)\""))
        }
        for key in json.keys where !allowed.contains(key) {
            return .failure(Invalid(message: "unexpected field \"\(key)\" in a \(type) frame"))
        }
        if type == "ping" { return .success(.ping) }
        guard let topicsJSON = json["topics"], topicsJSON.isArray else {
            return .failure(Invalid(message: "\(type) needs \"topics\", an array of strings"))
        }
        var topics: [String] = []
        for element in topicsJSON.elements {
            guard let s = element.string else { return .failure(Invalid(message: "\"topics\" must hold strings only")) }
            topics.append(s)
        }
        if topics.isEmpty { return .failure(Invalid(message: "\"topics\" must not be empty")) }
        if type == "unsubscribe" { return .success(.unsubscribe(topics: topics)) }
        var since: UInt64?
        if let s = json["since"] {
            guard let v = s.int, v >= 0 else { return .failure(Invalid(message: "\"since\" must be a non-negative integer")) }
            since = UInt64(v)
        }
        var epoch: String?
        if let e = json["epoch"] {
            guard let v = e.string else { return .failure(Invalid(message: "\"epoch\" must be a string")) }
            epoch = v
        }
        return .success(.subscribe(topics: topics, since: since, epoch: epoch))
    }
}
