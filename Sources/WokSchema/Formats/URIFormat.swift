/// `uri`, `uri-reference` (RFC 3986) and `iri`, `iri-reference` (RFC 3987).
enum URIFormat {
    /// Whether `text` is a URI (`reference: false`, a scheme required) or a URI reference;
    /// with `iri`, non-ASCII characters are allowed where RFC 3987 allows them.
    static func isValid(_ text: String, iri: Bool, reference: Bool) -> Bool {
        var s = Array(text.unicodeScalars)[...]
        // Fragment, then query.
        if let hash = s.firstIndex(of: "#") {
            guard s[(hash + 1)...].allSatisfy({ isPathChar($0, iri: iri) || $0 == "/" || $0 == "?" }),
                  validPercents(s[(hash + 1)...]) else { return false }
            s = s[..<hash]
        }
        if let question = s.firstIndex(of: "?") {
            guard s[(question + 1)...].allSatisfy({ isPathChar($0, iri: iri) || $0 == "/" || $0 == "?" || (iri && isPrivate($0)) }),
                  validPercents(s[(question + 1)...]) else { return false }
            s = s[..<question]
        }
        // Scheme.
        let firstDelimiter = s.firstIndex { $0 == ":" || $0 == "/" }
        if let colon = firstDelimiter, s[colon] == ":" {
            guard isScheme(s[..<colon]) else { return false }
            s = s[(colon + 1)...]
        } else if !reference {
            return false
        }
        // Authority.
        if s.starts(with: ["/", "/"]) {
            let authorityEnd = s[(s.startIndex + 2)...].firstIndex(of: "/") ?? s.endIndex
            guard isAuthority(s[(s.startIndex + 2)..<authorityEnd], iri: iri) else { return false }
            s = s[authorityEnd...]
        }
        // Path.
        return s.allSatisfy { isPathChar($0, iri: iri) || $0 == "/" } && validPercents(s)
    }

    private static func isScheme(_ s: ArraySlice<Unicode.Scalar>) -> Bool {
        guard let first = s.first, isAlpha(first) else { return false }
        return s.allSatisfy { isAlpha($0) || ("0"..."9").contains($0) || $0 == "+" || $0 == "-" || $0 == "." }
    }

    private static func isAuthority(_ s: ArraySlice<Unicode.Scalar>, iri: Bool) -> Bool {
        var host = s
        if let at = s.firstIndex(of: "@") {
            let userinfo = s[..<at]
            guard userinfo.allSatisfy({ isUnreserved($0, iri: iri) || isSubDelim($0) || $0 == ":" || $0 == "%" }),
                  validPercents(userinfo) else { return false }
            host = s[(at + 1)...]
        }
        var port: ArraySlice<Unicode.Scalar> = []
        if host.first == "[" {
            guard let close = host.firstIndex(of: "]") else { return false }
            let literal = host[(host.startIndex + 1)..<close]
            guard isIPLiteral(literal) else { return false }
            let rest = host[(close + 1)...]
            if let colon = rest.first {
                guard colon == ":" else { return false }
                port = rest.dropFirst()
            }
        } else {
            if let colon = host.firstIndex(of: ":") {
                port = host[(colon + 1)...]
                host = host[..<colon]
            }
            guard host.allSatisfy({ isUnreserved($0, iri: iri) || isSubDelim($0) || $0 == "%" }),
                  validPercents(host) else { return false }
        }
        return port.allSatisfy { ("0"..."9").contains($0) }
    }

    private static func isIPLiteral(_ s: ArraySlice<Unicode.Scalar>) -> Bool {
        if let v = s.first, v == "v" || v == "V" {
            let rest = s.dropFirst()
            guard let dot = rest.firstIndex(of: "."), dot > rest.startIndex,
                  rest[..<dot].allSatisfy({ $0.isASCII && IPFormat.isHex(UInt8($0.value)) }) else { return false }
            let tail = rest[(dot + 1)...]
            return !tail.isEmpty && tail.allSatisfy { isUnreserved($0, iri: false) || isSubDelim($0) || $0 == ":" }
        }
        return s.allSatisfy(\.isASCII) && IPFormat.isIPv6(String(String.UnicodeScalarView(s)))
    }

    /// pchar without `%` checks: unreserved, sub-delims, `:`, `@`, `%`.
    private static func isPathChar(_ c: Unicode.Scalar, iri: Bool) -> Bool {
        isUnreserved(c, iri: iri) || isSubDelim(c) || c == ":" || c == "@" || c == "%"
    }

    private static func isUnreserved(_ c: Unicode.Scalar, iri: Bool) -> Bool {
        if isAlpha(c) || ("0"..."9").contains(c) || c == "-" || c == "." || c == "_" || c == "~" { return true }
        return iri && isUCSChar(c)
    }

    private static func isSubDelim(_ c: Unicode.Scalar) -> Bool {
        "!$&'()*+,;=".unicodeScalars.contains(c)
    }

    private static func isAlpha(_ c: Unicode.Scalar) -> Bool { ("a"..."z").contains(c) || ("A"..."Z").contains(c) }

    /// RFC 3987 `ucschar`.
    static func isUCSChar(_ c: Unicode.Scalar) -> Bool {
        let v = c.value
        if (0xA0...0xD7FF).contains(v) || (0xF900...0xFDCF).contains(v) || (0xFDF0...0xFFEF).contains(v) { return true }
        if (0x10000...0xDFFFD).contains(v) { return (v & 0xFFFF) <= 0xFFFD }
        if (0xE1000...0xEFFFD).contains(v) { return true }
        return false
    }

    /// RFC 3987 `iprivate` (allowed in queries only).
    private static func isPrivate(_ c: Unicode.Scalar) -> Bool {
        let v = c.value
        return (0xE000...0xF8FF).contains(v) || (0xF0000...0xFFFFD).contains(v) || (0x100000...0x10FFFD).contains(v)
    }

    /// Every `%` starts `%XX` with two hex digits.
    static func validPercents(_ s: ArraySlice<Unicode.Scalar>) -> Bool {
        var i = s.startIndex
        while i < s.endIndex {
            if s[i] == "%" {
                guard i + 2 < s.endIndex else { return false }
                for k in 1...2 {
                    let c = s[i + k]
                    guard c.isASCII, IPFormat.isHex(UInt8(c.value)) else { return false }
                }
                i += 3
            } else {
                i += 1
            }
        }
        return true
    }
}
