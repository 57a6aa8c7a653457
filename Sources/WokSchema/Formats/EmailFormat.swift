/// `email` (RFC 5321 Mailbox) and `idn-email` (RFC 6531: UTF-8 in local part and domain).
///
/// Local part: a dot-string of atext (any non-ASCII too for `idn-email`) or a quoted string,
/// at most 64 octets. Domain: a host name (an internationalized one for `idn-email`) or an
/// address literal, `[192.0.2.1]` or `[IPv6:...]`.
enum EmailFormat {
    static func isValid(_ text: String, idn: Bool) -> Bool {
        let scalars = Array(text.unicodeScalars)
        guard let (localEnd, quoted) = localPartEnd(scalars, idn: idn) else { return false }
        guard localEnd > 0, localEnd < scalars.count, scalars[localEnd] == "@" else { return false }
        let local = String(String.UnicodeScalarView(scalars[..<localEnd]))
        guard local.utf8.count <= 64 else { return false }
        if !quoted, !isDotString(scalars[..<localEnd], idn: idn) { return false }
        let domain = String(String.UnicodeScalarView(scalars[(localEnd + 1)...]))
        return isDomain(domain, idn: idn)
    }

    /// Where the local part ends (the index of its `@`), and whether it is quoted.
    private static func localPartEnd(_ s: [Unicode.Scalar], idn: Bool) -> (Int, Bool)? {
        if s.first == "\"" {
            var i = 1
            while i < s.count {
                let c = s[i]
                if c == "\\" {
                    guard i + 1 < s.count, (0x20...0x7E).contains(s[i + 1].value) || (idn && s[i + 1].value > 0x7F) else { return nil }
                    i += 2
                    continue
                }
                if c == "\"" { return (i + 1, true) }
                let v = c.value
                guard v == 32 || v == 33 || (35...91).contains(v) || (93...126).contains(v) || (idn && v > 0x7F) else { return nil }
                i += 1
            }
            return nil
        }
        guard let at = s.firstIndex(of: "@") else { return nil }
        return (at, false)
    }

    private static func isDotString(_ s: ArraySlice<Unicode.Scalar>, idn: Bool) -> Bool {
        let atoms = s.split(separator: ".", omittingEmptySubsequences: false)
        return atoms.allSatisfy { atom in
            !atom.isEmpty && atom.allSatisfy { isAtext($0) || (idn && $0.value > 0x7F) }
        }
    }

    private static func isAtext(_ c: Unicode.Scalar) -> Bool {
        guard c.isASCII else { return false }
        if ("a"..."z").contains(c) || ("A"..."Z").contains(c) || ("0"..."9").contains(c) { return true }
        return "!#$%&'*+-/=?^_`{|}~".unicodeScalars.contains(c)
    }

    private static func isDomain(_ domain: String, idn: Bool) -> Bool {
        if domain.hasPrefix("[") && domain.hasSuffix("]") {
            let inner = domain.dropFirst().dropLast()
            if inner.hasPrefix("IPv6:") { return IPFormat.isIPv6(String(inner.dropFirst(5))) }
            return IPFormat.isIPv4(String(inner))
        }
        return HostnameFormat.isValid(domain, idn: idn)
    }
}
