import WokJSON
import WokRouterCore

/// The frames the router sends besides notifications, as JSON text (PROTOCOL section 4).
enum ServerFrame {
    static func subscribed(topics: [String], result: SubscribeResult, ref: JSON?) -> [UInt8] {
        build([("type", "subscribed"), ("topics", .array(topics.map { .string($0) })),
               ("head", .int(Int64(result.head))), ("epoch", .string(result.epoch)),
               ("recovered", .bool(result.recovered))], ref: ref)
    }

    static func unsubscribed(topics: [String], ref: JSON?) -> [UInt8] {
        build([("type", "unsubscribed"), ("topics", .array(topics.map { .string($0) }))], ref: ref)
    }

    static func pong(ref: JSON?) -> [UInt8] { build([("type", "pong")], ref: ref) }

    static func error(_ code: PushErrorCode, _ message: String, details: JSON? = nil, ref: JSON?) -> [UInt8] {
        var members: [(String, JSON)] = [("type", "error"), ("code", .string(code.rawValue)), ("message", .string(message))]
        if let details { members.append(("details", details)) }
        return build(members, ref: ref)
    }

    private static func build(_ members: [(String, JSON)], ref: JSON?) -> [UInt8] {
        var members = members
        if let ref { members.append(("ref", ref)) }
        return JSON.object(members).serialized()
    }
}

/// The error codes of `error` frames (PROTOCOL section 4), defined once.
enum PushErrorCode: String {
    case invalidFrame = "invalid_frame"
    case unknownTopic = "unknown_topic"
    case forbidden
    case limitExceeded = "limit_exceeded"
    /// The history store could not be read for a resume (an extension of PROTOCOL's list).
    case unavailable
}

/// WebSocket close codes the router uses (PROTOCOL section 4).
enum CloseCode {
    static let normal: UInt16 = 1000
    static let goingAway: UInt16 = 1001
    static let protocolError: UInt16 = 1002
    static let invalidData: UInt16 = 1007
    static let policy: UInt16 = 1008
    static let tooLarge: UInt16 = 1009
    static let tryAgainLater: UInt16 = 1013

    /// Whether a peer may send `code` in a close frame (RFC 6455 7.4.1, 7.4.2 and the IANA
    /// registry): 1000-1003 and 1007-1014 are defined; 1004 is reserved; 1005, 1006 and 1015 must
    /// never be sent; 1016-2999 are reserved for future RFCs; 3000-4999 belong to libraries and
    /// applications.
    static func isValidReceived(_ code: UInt16) -> Bool {
        switch code {
        case 1000...1003, 1007...1014, 3000...4999: true
        default: false
        }
    }
}
