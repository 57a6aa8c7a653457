import NIOHTTP1

extension HTTPRequestHead {
    /// The request target without its query string.
    var path: Substring {
        let utf8 = uri.utf8
        guard let question = utf8.firstIndex(of: UInt8(ascii: "?")) else { return Substring(uri) }
        return Substring(utf8[..<question])
    }

    /// Whether a `name` header holds `token` in its comma-separated list (ASCII case-insensitive,
    /// spaces and tabs around each item ignored): `Connection: keep-alive, Upgrade` holds `upgrade`.
    func hasToken(_ token: String, in name: String) -> Bool {
        headers[name].contains { value in
            value.utf8.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: true).contains { item in
                let item = HTTPWhitespace.trimmed(item)
                return item.count == token.utf8.count
                    && zip(item, token.utf8).allSatisfy { HTTPWhitespace.lowercased($0) == HTTPWhitespace.lowercased($1) }
            }
        }
    }
}

/// Header-value helpers: optional whitespace (spaces and tabs) and ASCII case.
enum HTTPWhitespace {
    /// `bytes` without the spaces and tabs around it.
    static func trimmed(_ bytes: Substring.UTF8View) -> Substring.UTF8View {
        var bytes = bytes
        while let first = bytes.first, first == 0x20 || first == 0x09 { bytes = bytes.dropFirst() }
        while let last = bytes.last, last == 0x20 || last == 0x09 { bytes = bytes.dropLast() }
        return bytes
    }

    /// `value` without the spaces and tabs around it.
    static func trimmed(_ value: String) -> String {
        let bytes = trimmed(value.utf8[...])
        return bytes.count == value.utf8.count ? value : String(Substring(bytes))
    }

    /// `byte` in lower case when it is an ASCII capital letter.
    static func lowercased(_ byte: UInt8) -> UInt8 {
        (0x41...0x5A).contains(byte) ? byte | 0x20 : byte
    }
}
