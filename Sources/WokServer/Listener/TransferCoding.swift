import HTTPTypes
import NIOHTTP1

/// RFC 9112 section 6's rules for a request's `Transfer-Encoding`, applied to every request head
/// before anything routes it (``PushUpgradeHandler`` for a connection's first request,
/// ``EventLoopPublishHandler`` for every request of a plain HTTP connection), as
/// ``RequestTarget`` is.
///
/// wok-router implements one transfer coding, `chunked` (NIO's decoder undoes it). Every
/// `Transfer-Encoding` line of the request counts, in order, as one list (RFC 9110 section 5.3):
///
/// - `chunked` alone is served;
/// - a list whose last coding is not `chunked` is refused `400` (RFC 9112 section 6.3: the body's
///   length cannot be known; NIO's decoder also refuses most of these before the head reaches us),
///   and so is `chunked` applied more than once (section 6.1: a sender must not) or a header that
///   names no coding;
/// - any other coding before the final `chunked` (`gzip, chunked`) is refused `501 Not
///   Implemented` (RFC 9112 section 6.1, RFC 9110 section 15.6.2): the body would otherwise be
///   read as if the coding were not there.
///
/// Either refusal closes the connection after the answer (a lingering close: the body may still
/// be coming). `Transfer-Encoding` together with `Content-Length` never gets here: NIO's decoder
/// refuses it as a request that does not parse (400).
///
/// A head without `Transfer-Encoding` (the common case) costs one pass over the header names' lengths.
enum TransferCoding {
    /// Why a request's transfer codings are refused.
    enum Refusal: Equatable, Sendable {
        /// The framing cannot be trusted: `400 bad_request`.
        case malformed(String)
        /// A coding wok-router does not implement: `501 not_implemented`.
        case notImplemented(String)

        /// The answer: a JSON error body, as every error's.
        var reply: JSONReply {
            switch self {
            case .malformed(let message): RouteError(.badRequest, "bad_request", message).reply
            case .notImplemented(let message): RouteError(.notImplemented, "not_implemented", message).reply
            }
        }
    }

    /// The longest coding name quoted back in a refusal's message.
    static let quotedNameLimit = 64

    /// Checks the `Transfer-Encoding` lines of `head`.
    /// - Returns: nil when the request may be served (no `Transfer-Encoding`, or `chunked` alone).
    static func check(_ head: HTTPRequestHead) -> Refusal? {
        var lines = 0
        var codings = 0
        var chunked = 0
        var lastIsChunked = false
        var unknown: Substring.UTF8View?
        for (name, value) in head.headers where isTransferEncoding(name) {
            lines += 1
            // A list: empty elements are allowed and ignored (RFC 9110 section 5.6.1); a coding's
            // parameters (`;name=value`) do not change its name.
            for element in value.utf8[...].split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false) {
                let name = HTTPWhitespace.trimmed(element.split(separator: UInt8(ascii: ";"), maxSplits: 1,
                                                                 omittingEmptySubsequences: false).first ?? element)
                if name.isEmpty { continue }
                codings += 1
                lastIsChunked = isChunked(name)
                if lastIsChunked {
                    chunked += 1
                } else if unknown == nil {
                    unknown = name
                }
            }
        }
        guard lines > 0 else { return nil }
        guard codings > 0 else { return .malformed("the Transfer-Encoding header names no transfer coding") }
        guard lastIsChunked else {
            return .malformed("chunked must be the last transfer coding of a request (RFC 9112 section 6.3)")
        }
        guard chunked == 1 else { return .malformed("the chunked transfer coding is applied more than once") }
        if let unknown {
            var quoted = String(decoding: unknown.prefix(quotedNameLimit), as: UTF8.self)
            if unknown.count > quotedNameLimit { quoted += "..." }
            return .notImplemented("the transfer coding \"\(quoted)\" is not implemented (only chunked is)")
        }
        return nil
    }

    /// Whether a header name is `Transfer-Encoding` (ASCII case-insensitive), without allocating.
    private static func isTransferEncoding(_ name: String) -> Bool {
        let utf8 = name.utf8
        return utf8.count == 17 && zip(utf8, "transfer-encoding".utf8).allSatisfy { HTTPWhitespace.lowercased($0) == $1 }
    }

    private static func isChunked(_ name: Substring.UTF8View) -> Bool {
        name.count == 7 && zip(name, "chunked".utf8).allSatisfy { HTTPWhitespace.lowercased($0) == $1 }
    }
}
