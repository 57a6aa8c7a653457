/// `uuid` (RFC 4122 text form, any version and variant).
enum UUIDFormat {
    static func isValid(_ text: String) -> Bool {
        let b = Array(text.utf8)
        guard b.count == 36 else { return false }
        for (i, c) in b.enumerated() {
            if i == 8 || i == 13 || i == 18 || i == 23 {
                guard c == UInt8(ascii: "-") else { return false }
            } else if !IPFormat.isHex(c) {
                return false
            }
        }
        return true
    }
}

/// `json-pointer` (RFC 6901) and `relative-json-pointer`.
enum PointerFormat {
    static func isJSONPointer(_ text: String) -> Bool { isJSONPointer(Array(text.utf8)[...]) }

    static func isJSONPointer(_ b: ArraySlice<UInt8>) -> Bool {
        guard let first = b.first else { return true }
        guard first == UInt8(ascii: "/") else { return false }
        var i = b.startIndex
        while i < b.endIndex {
            if b[i] == UInt8(ascii: "~") {
                guard i + 1 < b.endIndex, b[i + 1] == UInt8(ascii: "0") || b[i + 1] == UInt8(ascii: "1") else { return false }
                i += 1
            }
            i += 1
        }
        return true
    }

    /// `0/foo`, `2#`, `1`: a non-negative integer without leading zeros, then `#` or a JSON Pointer.
    static func isRelativeJSONPointer(_ text: String) -> Bool {
        let b = Array(text.utf8)[...]
        let number = b.prefix(while: DateTimeFormat.isDigit)
        guard !number.isEmpty, number.count == 1 || number.first != UInt8(ascii: "0") else { return false }
        let rest = b[number.endIndex...]
        if rest.count == 1, rest.first == UInt8(ascii: "#") { return true }
        return isJSONPointer(rest)
    }
}

/// Draft-03's `color`: a CSS 2.1 color name or `#rgb` / `#rrggbb`.
enum ColorFormat {
    static let names: Set<String> = [
        "aqua", "black", "blue", "fuchsia", "gray", "green", "lime", "maroon", "navy", "olive",
        "orange", "purple", "red", "silver", "teal", "white", "yellow",
    ]

    static func isCSSColor(_ text: String) -> Bool {
        if names.contains(text.lowercased()) { return true }
        let b = Array(text.utf8)
        guard b.first == UInt8(ascii: "#"), b.count == 4 || b.count == 7 else { return false }
        return b.dropFirst().allSatisfy(IPFormat.isHex)
    }
}
