import Foundation

/// Finds the bearer token of a request: `Authorization: Bearer ...` or the `token` query item.
///
/// One token per request (RFC 6750 section 2: a client uses one method): the same token given
/// in both places, or twice, is that token; two different ones are ``Found/ambiguous``, refused
/// rather than one of them picked. The scheme is matched without regard to case and the token
/// without the spaces around it (RFC 9110 section 11.1); an `Authorization` of another scheme
/// (`Basic`) is not a token.
enum RequestToken {
    enum Found: Equatable {
        case none
        case token(String)
        case ambiguous
    }

    /// - Parameter authorization: every `Authorization` value of the request.
    static func find(uri: String, authorization: [String]) -> Found {
        var found: String?
        var ambiguous = false
        func add(_ token: String) {
            if let found, found != token { ambiguous = true }
            found = token
        }
        for value in authorization {
            let trimmed = HTTPWhitespace.trimmed(value)
            guard trimmed.utf8.count >= 6, trimmed.utf8.prefix(6).map(HTTPWhitespace.lowercased) == Array("bearer".utf8) else { continue }
            let rest = trimmed.dropFirst(6)
            // `Bearer` alone is an empty token; `Bearerxyz` is another scheme.
            guard rest.isEmpty || rest.first == " " else { continue }
            add(HTTPWhitespace.trimmed(String(rest)))
        }
        if let q = uri.firstIndex(of: "?") {
            for item in uri[uri.index(after: q)...].split(separator: "&") {
                let kv = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                if kv.count == 2, kv[0] == "token" { add(String(kv[1]).removingPercentEncoding ?? String(kv[1])) }
            }
        }
        if ambiguous { return .ambiguous }
        return found.map(Found.token) ?? Found.none
    }
}
