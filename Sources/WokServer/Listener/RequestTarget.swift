import NIOHTTP1

/// RFC 9112 section 3.2's rules for a request's target and `Host`, applied to every request head
/// before anything routes it (``PushUpgradeHandler`` for a connection's first request,
/// ``EventLoopPublishHandler`` for every request of a plain HTTP connection):
///
/// - an HTTP/1.1 request without `Host`, any request with more than one `Host` line, or a `Host`
///   that is not `host[:port]` (RFC 3986's `uri-host` and `port`) is refused (400, then close).
///   HTTP/1.0 requests may leave `Host` out;
/// - an absolute-form target (`GET http://127.0.0.1:8080/push HTTP/1.1`, which a server must
///   accept) is routed by its path and query: the head is rewritten to the origin form, and the
///   target's authority replaces whatever `Host` lines came (RFC 9112 section 3.2.2: the server
///   ignores them). Only `http` and `https` targets, with a host and no user info, are accepted.
///
/// The common case (an origin-form target) costs one pass over the header names, no allocation.
enum RequestTarget {
    /// Checks `head`, rewriting an absolute-form target to the origin form.
    /// - Returns: nil when the request may be served, else what is wrong with it.
    static func check(_ head: inout HTTPRequestHead) -> String? {
        let uri = head.uri.utf8
        guard let first = uri.first else { return "the request target is empty" }
        if first != UInt8(ascii: "/"), head.method != .CONNECT, !(first == UInt8(ascii: "*") && uri.count == 1) {
            return absoluteForm(&head)
        }
        var count = 0
        var valid = true
        for (name, value) in head.headers where isHost(name) {
            count += 1
            if count == 1 { valid = isValidHost(HTTPWhitespace.trimmed(value.utf8[...])) }
        }
        switch count {
        case 0:
            let needsHost = head.version.major > 1 || (head.version.major == 1 && head.version.minor >= 1)
            return needsHost ? "an HTTP/1.1 request needs a Host header" : nil
        case 1:
            return valid ? nil : "the Host header is not a valid host[:port]"
        default:
            return "the Host header must be given once"
        }
    }

    /// Rewrites an absolute-form target (`http://authority/path?query`) to its path and query,
    /// with the authority as the only `Host`.
    private static func absoluteForm(_ head: inout HTTPRequestHead) -> String? {
        let bytes = Array(head.uri.utf8)
        let invalid = "the request target is neither a path nor an absolute http URI"
        guard let colon = bytes.firstIndex(of: UInt8(ascii: ":")),
              bytes[colon...].starts(with: "://".utf8) else { return invalid }
        let scheme = bytes[..<colon].map(HTTPWhitespace.lowercased)
        guard scheme.elementsEqual("http".utf8) || scheme.elementsEqual("https".utf8) else { return invalid }
        let authorityStart = colon + 3
        let authorityEnd = bytes[authorityStart...].firstIndex { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") }
            ?? bytes.endIndex
        let authority = bytes[authorityStart..<authorityEnd]
        if authority.contains(UInt8(ascii: "@")) { return "user info is not allowed in the request target" }
        // An http URI must have a host (RFC 9110 section 4.2.1).
        guard !authority.isEmpty, authority.first != UInt8(ascii: ":"), isValidHost(authority) else {
            return "the request target's authority is not a valid host[:port]"
        }
        let target = bytes[authorityEnd...]
        if target.first == UInt8(ascii: "#") { return invalid }
        var path: [UInt8] = target.first == UInt8(ascii: "/") ? [] : [UInt8(ascii: "/")]
        path.append(contentsOf: target)
        head.uri = String(decoding: path, as: UTF8.self)
        head.headers.replaceOrAdd(name: "Host", value: String(decoding: authority, as: UTF8.self))
        return nil
    }

    /// Whether a header name is `Host` (ASCII case-insensitive), without allocating.
    private static func isHost(_ name: String) -> Bool {
        let utf8 = name.utf8
        return utf8.count == 4 && zip(utf8, "host".utf8).allSatisfy { HTTPWhitespace.lowercased($0) == $1 }
    }

    /// Whether `value` is `uri-host [ ":" port ]` (RFC 3986 section 3.2.2: an IP literal in
    /// brackets, or a reg-name or IPv4 address of unreserved, sub-delims and %-escapes; the port
    /// digits). An empty value is valid (RFC 9110 section 7.2: a target without an authority).
    static func isValidHost<C: BidirectionalCollection>(_ value: C) -> Bool where C.Element == UInt8 {
        var i = value.startIndex
        if i != value.endIndex, value[i] == UInt8(ascii: "[") {
            guard let close = value[i...].firstIndex(of: UInt8(ascii: "]")) else { return false }
            let inner = value[value.index(after: i)..<close]
            guard !inner.isEmpty, inner.allSatisfy({ isUnreserved($0) || isSubDelim($0) || $0 == UInt8(ascii: ":") }) else {
                return false
            }
            i = value.index(after: close)
        } else {
            while i != value.endIndex, value[i] != UInt8(ascii: ":") {
                let byte = value[i]
                if byte == UInt8(ascii: "%") {
                    let first = value.index(after: i)
                    guard first != value.endIndex, isHexDigit(value[first]) else { return false }
                    let second = value.index(after: first)
                    guard second != value.endIndex, isHexDigit(value[second]) else { return false }
                    i = value.index(after: second)
                    continue
                }
                guard isUnreserved(byte) || isSubDelim(byte) else { return false }
                i = value.index(after: i)
            }
        }
        guard i != value.endIndex else { return true }
        guard value[i] == UInt8(ascii: ":") else { return false }
        return value[value.index(after: i)...].allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
    }

    private static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }

    private static func isSubDelim(_ byte: UInt8) -> Bool {
        "!$&'()*+,;=".utf8.contains(byte)
    }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "f"), UInt8(ascii: "A")...UInt8(ascii: "F"): true
        default: false
        }
    }
}
