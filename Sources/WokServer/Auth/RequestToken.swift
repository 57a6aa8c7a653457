import Foundation

/// Finds the bearer token of a request: `Authorization: Bearer ...` or the `token` query item.
enum RequestToken {
    static func find(uri: String, authorization: String?) -> String? {
        if let authorization {
            let parts = authorization.split(separator: " ", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "bearer" { return String(parts[1]).trimmingCharacters(in: .whitespaces) }
        }
        guard let q = uri.firstIndex(of: "?") else { return nil }
        for item in uri[uri.index(after: q)...].split(separator: "&") {
            let kv = item.split(separator: "=", maxSplits: 1)
            if kv.count == 2, kv[0] == "token" { return String(kv[1]).removingPercentEncoding ?? String(kv[1]) }
        }
        return nil
    }
}
