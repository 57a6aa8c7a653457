import WokSchema

/// Why the router refused a publish, a subscription or a history read.
///
/// `code` is the wire code PROTOCOL.md defines, defined once here; the server maps it to an HTTP
/// status (`unknown_topic` 404, `invalid` 422, `unavailable` 503) or a WebSocket error frame.
public struct RouterError: Error, Sendable, CustomStringConvertible {
    /// A wire error code.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The code as it appears on the wire: `"unknown_topic"`.
        public let rawValue: String
        /// An exact topic that has no schema (or whose only schema was refused).
        public static let unknownTopic = Code(rawValue: "unknown_topic")
        /// The data failed the topic's schema.
        public static let invalid = Code(rawValue: "invalid")
        /// The history store failed (full disk, read-only file, database down).
        public static let unavailable = Code(rawValue: "unavailable")
        /// A subscribe would take its subscriber past its filter limit.
        public static let limitExceeded = Code(rawValue: "limit_exceeded")
        public var description: String { rawValue }
    }

    /// The wire code.
    public let code: Code
    /// What went wrong, for a person.
    public let message: String
    /// For `unknown_topic`: the nearest existing topic names, best first.
    public let suggestions: [String]
    /// For `invalid`: every schema error, locations relative to the data.
    public let validationErrors: [ValidationError]
    /// For `unknown_topic` and `invalid`: the topic concerned.
    public let topic: String?

    init(_ code: Code, _ message: String, topic: String? = nil, suggestions: [String] = [], validationErrors: [ValidationError] = []) {
        self.code = code
        self.message = message
        self.topic = topic
        self.suggestions = suggestions
        self.validationErrors = validationErrors
    }

    /// `unknown_topic` for `topic`, with suggestions.
    public static func unknownTopic(_ topic: String, suggestions: [String], reason: String? = nil) -> RouterError {
        var message = "unknown topic \"\(topic)\""
        if let reason { message += " (\(reason))" }
        if !suggestions.isEmpty { message += "; did you mean " + suggestions.map { "\"\($0)\"" }.joined(separator: ", ") + "?" }
        return RouterError(.unknownTopic, message, topic: topic, suggestions: suggestions)
    }

    /// `invalid`: `data` failed the schema of `topic`. The message names the first error, its
    /// place given from the publish body (`/data/user`), as every transport calls the payload `data`.
    public static func invalid(_ topic: String, errors: [ValidationError]) -> RouterError {
        var message = "data does not match the schema of \"\(topic)\""
        if let first = errors.first {
            message += ": \(first.message) at /data\(first.instanceLocation) [\(first.keywordLocation)]"
            if errors.count > 1 { message += " (and \(errors.count - 1) more)" }
        }
        return RouterError(.invalid, message, topic: topic, validationErrors: errors)
    }

    /// `unavailable`: the store failed.
    public static func unavailable(_ error: HistoryError) -> RouterError {
        RouterError(.unavailable, "history store unavailable: \(error.message)")
    }

    /// `limit_exceeded`: the subscriber would hold more than `max` filters.
    public static func tooManyFilters(max: Int) -> RouterError {
        RouterError(.limitExceeded, "at most \(max) filters per connection")
    }

    public var description: String { "\(code): \(message)" }
}

/// The error of `Router.publish`.
public typealias PublishError = RouterError
/// The error of `Router.subscribe`.
public typealias SubscribeError = RouterError
