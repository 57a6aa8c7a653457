import Foundation

extension ConfigurationLoader {
    /// An `allowed_origins` entry as a browser sends it in `Origin` (RFC 6454: `scheme://host[:port]`,
    /// lower case, no default port, no path), since `/push` and `/events` compare them as strings:
    /// `https://WoK.example:443/` is `https://wok.example`. `null` stays as it is.
    /// - Throws: ``ConfigurationError`` for an entry that is not an origin (no scheme, a path, user
    ///   info, a bad port), which no browser would ever match.
    static func origin(_ entry: String) throws(ConfigurationError) -> String {
        if entry == "null" { return entry }
        let refusal = ConfigurationError.invalid("allowed_origins: \"\(entry)\" is not an origin: write scheme://host[:port], "
            + "as a browser sends it in Origin (https://wok.example:8001), with no path")
        let text = (entry.hasSuffix("/") ? String(entry.dropLast()) : entry).lowercased()
        guard let separator = text.range(of: "://") else { throw refusal }
        let scheme = text[..<separator.lowerBound]
        let authority = text[separator.upperBound...]
        guard let first = scheme.first, first.isASCII, first.isLetter,
              scheme.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "+-.".contains($0)) }),
              !authority.isEmpty, !authority.contains(where: { "/?#@ \\".contains($0) }) else { throw refusal }
        var host = authority
        var port: Substring?
        if let colon = authority.lastIndex(of: ":"), !authority[colon...].contains("]") {
            host = authority[..<colon]
            port = authority[authority.index(after: colon)...]
        }
        guard !host.isEmpty else { throw refusal }
        if let port {
            guard !port.isEmpty, port.allSatisfy({ $0.isASCII && $0.isNumber }), let number = Int(port), (1...65535).contains(number) else {
                throw refusal
            }
            if (scheme == "https" && number == 443) || (scheme == "http" && number == 80) { return "\(scheme)://\(host)" }
            return "\(scheme)://\(host):\(number)"
        }
        return "\(scheme)://\(host)"
    }
}
