/// `ipv4` (dotted quad, no leading zeros) and `ipv6` (RFC 4291 text forms, no zone, no prefix).
enum IPFormat {
    static func isIPv4(_ text: String) -> Bool { isIPv4(Array(text.utf8)[...]) }

    static func isIPv4(_ b: ArraySlice<UInt8>) -> Bool {
        let parts = b.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard parts.count == 4 else { return false }
        for part in parts {
            guard (1...3).contains(part.count), let value = DateTimeFormat.digits(part), value <= 255 else { return false }
            if part.count > 1 && part.first == UInt8(ascii: "0") { return false }
        }
        return true
    }

    static func isIPv6(_ text: String) -> Bool { isIPv6(Array(text.utf8)[...]) }

    static func isIPv6(_ b: ArraySlice<UInt8>) -> Bool {
        guard !b.isEmpty, b.count <= 45 else { return false }
        let text = Array(b)
        var groups = 0
        var sawDoubleColon = false
        var i = 0
        if text.starts(with: Array("::".utf8)) {
            sawDoubleColon = true
            i = 2
            if i == text.count { return true }
        } else if text.first == UInt8(ascii: ":") {
            return false
        }
        while i < text.count {
            var j = i
            while j < text.count, isHex(text[j]) { j += 1 }
            if j < text.count, text[j] == UInt8(ascii: ".") {
                // An embedded IPv4 address ends the address and counts as two groups.
                guard isIPv4(text[i...]) else { return false }
                groups += 2
                i = text.count
                break
            }
            guard (1...4).contains(j - i) else { return false }
            groups += 1
            i = j
            if i == text.count { break }
            guard text[i] == UInt8(ascii: ":") else { return false }
            i += 1
            if i < text.count, text[i] == UInt8(ascii: ":") {
                guard !sawDoubleColon else { return false }
                sawDoubleColon = true
                i += 1
                if i == text.count { break }
            } else if i == text.count {
                return false
            }
        }
        return sawDoubleColon ? groups <= 7 : groups == 8
    }

    static func isHex(_ c: UInt8) -> Bool {
        (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102)
    }
}
