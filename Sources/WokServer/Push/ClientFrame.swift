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
        /// The message is not UTF-8: not answered, the connection fails with 1007.
        var notUTF8 = false
    }

    /// Parses `bytes` (a text message), checks its shape by hand (for clear messages), then
    /// against `validator` (client-frame.json) when given, which has the last word.
    /// - Returns: the frame and its `ref` (echoed on the reply), or the refusal and whatever
    ///   `ref` could be read.
    /// - Parameter maxFilters: a subscribe naming more distinct filters is `limit_exceeded`
    ///   (checked before the schema, so that the answer is the limit's).
    static func parse(_ bytes: some Collection<UInt8>, validator: Validator?, maxFilters: Int) -> (Result<ClientFrame, Invalid>, ref: JSON?) {
        let json: JSON
        switch decode(bytes) {
        case .success(let decoded): json = decoded
        case .failure(let invalid): return (.failure(invalid), nil)
        }
        guard json.isObject else { return (.failure(Invalid(message: "a frame must be a JSON object")), nil) }
        let ref = json["ref"]
        if let ref, !isRef(ref) {
            return (.failure(Invalid(message: "ref must be a string or an integer")), nil)
        }
        let shaped = checkShape(json)
        guard case .success(let frame) = shaped else { return (shaped, ref) }
        if case .subscribe(let topics, _, _) = frame, Set(topics).count > maxFilters {
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

    /// The `ref` of a frame that is answered without being read further (one over the client
    /// frame rate): nil when the frame has none, has one of another type, or is not a JSON
    /// object; a failure only when the frame is not UTF-8.
    static func ref(in bytes: some Collection<UInt8>) -> Result<JSON?, Invalid> {
        switch decode(bytes) {
        case .success(let json):
            guard json.isObject, let ref = json["ref"], isRef(ref) else { return .success(nil) }
            return .success(ref)
        case .failure(let invalid):
            return invalid.notUTF8 ? .failure(invalid) : .success(nil)
        }
    }

    /// Parses `bytes` as JSON. A text message that is not UTF-8 is refused with `notUTF8` set
    /// (RFC 6455 8.1: the connection must then fail with 1007). jansson accepts only UTF-8, so the
    /// bytes are checked only when parsing fails.
    /// An object naming a member twice is refused: which of the two counts differs between JSON
    /// parsers (RFC 8259 4), so `{"type":"ping","type":"subscribe",...}` or two `topics` must not
    /// be read one way here and another way by whatever checked or built the frame.
    private static func decode(_ bytes: some Collection<UInt8>) -> Result<JSON, Invalid> {
        do {
            return .success(try JSON.parse(bytes, options: .init(rejectDuplicateKeys: true)))
        } catch {
            if String(validating: bytes, as: UTF8.self) == nil {
                return .failure(Invalid(message: "a text frame must be UTF-8", notUTF8: true))
            }
            // JSON all the same, but with a member named twice or an integer past 64 bits.
            let lenient = (try? JSON.parse(bytes, options: .init(integersAsReals: true))) != nil
            return .failure(Invalid(message: (lenient ? "JSON refused: " : "not JSON: ") + error.description,
                                    details: ["line": .int(Int64(error.line)), "column": .int(Int64(error.column))]))
        }
    }

    private static func isRef(_ json: JSON) -> Bool { json.isString || json.int != nil }

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
