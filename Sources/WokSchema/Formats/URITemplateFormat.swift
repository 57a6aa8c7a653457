/// `uri-template` (RFC 6570, levels 1-4).
enum URITemplateFormat {
    static func isValid(_ text: String) -> Bool {
        let s = Array(text.unicodeScalars)
        var i = 0
        while i < s.count {
            let c = s[i]
            if c == "{" {
                guard let close = s[i...].firstIndex(of: "}") else { return false }
                guard isExpression(s[(i + 1)..<close]) else { return false }
                i = close + 1
                continue
            }
            if c == "%" {
                guard i + 2 < s.count, s[i + 1].isASCII, s[i + 2].isASCII,
                      IPFormat.isHex(UInt8(s[i + 1].value)), IPFormat.isHex(UInt8(s[i + 2].value)) else { return false }
                i += 3
                continue
            }
            guard isLiteral(c) else { return false }
            i += 1
        }
        return true
    }

    private static func isLiteral(_ c: Unicode.Scalar) -> Bool {
        let v = c.value
        if v > 0x7F { return URIFormat.isUCSChar(c) || (0xE000...0xF8FF).contains(v) || v >= 0xF0000 }
        if v <= 0x20 || v == 0x7F { return false }
        return !"\"<>\\^`{|}".unicodeScalars.contains(c)
    }

    private static func isExpression(_ body: ArraySlice<Unicode.Scalar>) -> Bool {
        var body = body
        if let op = body.first, "+#./;?&".unicodeScalars.contains(op) { body = body.dropFirst() }
        guard !body.isEmpty else { return false }
        return body.split(separator: ",", omittingEmptySubsequences: false).allSatisfy(isVarspec)
    }

    private static func isVarspec(_ spec: ArraySlice<Unicode.Scalar>) -> Bool {
        var name = spec
        if spec.last == "*" {
            name = spec.dropLast()
        } else if let colon = spec.firstIndex(of: ":") {
            let length = spec[(colon + 1)...]
            guard (1...4).contains(length.count), length.first != "0",
                  length.allSatisfy({ ("0"..."9").contains($0) }) else { return false }
            name = spec[..<colon]
        }
        return isVarname(name)
    }

    private static func isVarname(_ name: ArraySlice<Unicode.Scalar>) -> Bool {
        guard !name.isEmpty, name.first != ".", name.last != "." else { return false }
        var i = name.startIndex
        var previousDot = false
        while i < name.endIndex {
            let c = name[i]
            if c == "." {
                if previousDot { return false }
                previousDot = true
                i += 1
                continue
            }
            previousDot = false
            if c == "%" {
                guard i + 2 < name.endIndex,
                      name[i + 1].isASCII, name[i + 2].isASCII,
                      IPFormat.isHex(UInt8(name[i + 1].value)), IPFormat.isHex(UInt8(name[i + 2].value)) else { return false }
                i += 3
                continue
            }
            guard ("a"..."z").contains(c) || ("A"..."Z").contains(c) || ("0"..."9").contains(c) || c == "_" else { return false }
            i += 1
        }
        return true
    }
}
