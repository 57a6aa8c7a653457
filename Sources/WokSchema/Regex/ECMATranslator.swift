/// Translates an ECMA-262 pattern (Unicode mode, the mode JSON Schema patterns use) into an
/// equivalent PCRE2 pattern, rejecting what ECMA-262 forbids.
///
/// The output uses only constructs whose PCRE2 meaning equals the ECMA one: literals become
/// `\x{...}`, `.` and `\s` become explicit classes, `\v` a code point, backreferences `\g{n}`.
/// Class escapes `\d`, `\w`, `\b` stay, as PCRE2 without UCP gives them ASCII meaning as ECMA does.
struct ECMATranslator {
    /// The deepest nesting of groups accepted (bounds recursion while translating).
    static let maxNesting = 256

    private let scalars: [Unicode.Scalar]
    private var index = 0
    private var out = ""
    private var depth = 0
    private let captureCount: Int
    private let groupNames: Set<String>
    /// Whether the pattern has a lookbehind PCRE2 may refuse as not fixed-length.
    private(set) var hasLookbehind = false

    /// The PCRE2 translation of `pattern`.
    /// - Throws: `RegexError` when `pattern` is not a valid ECMA-262 Unicode-mode pattern.
    static func translate(_ pattern: String) throws(RegexError) -> (pcre: String, hasLookbehind: Bool) {
        var translator = ECMATranslator(Array(pattern.unicodeScalars))
        try translator.disjunction()
        if translator.index < translator.scalars.count {
            throw translator.error("unmatched ')'")
        }
        return (translator.out, translator.hasLookbehind)
    }

    private init(_ scalars: [Unicode.Scalar]) {
        self.scalars = scalars
        (captureCount, groupNames) = ECMATranslator.scanGroups(scalars)
    }

    // MARK: - Structure

    private mutating func disjunction() throws(RegexError) {
        try alternative()
        while peek == "|" {
            index += 1
            out += "|"
            try alternative()
        }
    }

    private mutating func alternative() throws(RegexError) {
        while let c = peek, c != "|", c != ")" {
            try term()
        }
    }

    private mutating func term() throws(RegexError) {
        let start = index
        let quantifiable: Bool
        switch peek! {
        case "^": index += 1; out += "^"; quantifiable = false
        case "$": index += 1; out += "$"; quantifiable = false
        case "\\" where peek(1) == "b" || peek(1) == "B":
            out += peek(1) == "b" ? "\\b" : "\\B"
            index += 2
            quantifiable = false
        case "(": quantifiable = try group()
        case ".": index += 1; out += "[^\\n\\r\\x{2028}\\x{2029}]"; quantifiable = true
        case "[": try characterClass(); quantifiable = true
        case "\\": try atomEscape(); quantifiable = true
        case "*", "+", "?": throw error("nothing to repeat")
        case "{":
            if quantifierAhead() { throw error("nothing to repeat") }
            throw error("lone '{' (write \\{)")
        case "}": throw error("lone '}' (write \\})")
        case "]": throw error("lone ']' (write \\])")
        default:
            emitLiteral(scalars[index].value)
            index += 1
            quantifiable = true
        }
        if try quantifier() && !quantifiable {
            index = start
            throw error("nothing to repeat")
        }
    }

    /// Parses a quantifier if one follows; returns whether one did.
    private mutating func quantifier() throws(RegexError) -> Bool {
        guard let c = peek else { return false }
        switch c {
        case "*", "+", "?":
            index += 1
            out.unicodeScalars.append(c)
        case "{":
            guard quantifierAhead() else { return false }
            index += 1
            let min = try decimal()
            var max: Int? = min
            if peek == "," {
                index += 1
                max = peek == "}" ? nil : try decimal()
            }
            index += 1 // "}"
            if let max, max < min { throw error("numbers out of order in {} quantifier") }
            let bound = 65_535
            if min > bound || (max ?? 0) > bound { throw error("quantifier bound above \(bound)") }
            out += max == min ? "{\(min)}" : "{\(min),\(max.map(String.init) ?? "")}"
        default:
            return false
        }
        if peek == "?" { index += 1; out += "?" }
        return true
    }

    /// Whether `{n}`, `{n,}` or `{n,m}` starts at the current index.
    private func quantifierAhead() -> Bool {
        var i = index + 1
        func digits() -> Bool {
            let start = i
            while i < scalars.count, ("0"..."9").contains(scalars[i]) { i += 1 }
            return i > start
        }
        guard digits() else { return false }
        if i < scalars.count, scalars[i] == "," {
            i += 1
            _ = digits()
        }
        return i < scalars.count && scalars[i] == "}"
    }

    private mutating func decimal() throws(RegexError) -> Int {
        var value = 0
        while let c = peek, ("0"..."9").contains(c) {
            value = min(value * 10 + Int(c.value - 48), 1_000_000_000)
            index += 1
        }
        return value
    }

    /// Parses a group; returns whether a quantifier may follow it.
    private mutating func group() throws(RegexError) -> Bool {
        let open = index
        index += 1
        var quantifiable = true
        if peek == "?" {
            switch (peek(1), peek(2)) {
            case (":", _): index += 2; out += "(?:"
            case ("=", _): index += 2; out += "(?="; quantifiable = false
            case ("!", _): index += 2; out += "(?!"; quantifiable = false
            case ("<", "="): index += 3; out += "(?<="; quantifiable = false; hasLookbehind = true
            case ("<", "!"): index += 3; out += "(?<!"; quantifiable = false; hasLookbehind = true
            case ("<", _):
                index += 2
                let name = try groupName()
                out += "(?<\(name)>"
            default:
                index = open
                throw error("invalid group: '(?' must start (?:, (?=, (?!, (?<=, (?<! or (?<name> (no inline flags)")
            }
        } else {
            out += "("
        }
        depth += 1
        if depth > ECMATranslator.maxNesting { throw error("groups nested deeper than \(ECMATranslator.maxNesting)") }
        try disjunction()
        depth -= 1
        guard peek == ")" else {
            index = open
            throw error("unterminated group")
        }
        index += 1
        out += ")"
        return quantifiable
    }

    /// Reads `name>` after `(?<` or `\k<`.
    private mutating func groupName() throws(RegexError) -> String {
        var name = ""
        while let c = peek, c != ">" {
            let ok = c == "_" || ("a"..."z").contains(c) || ("A"..."Z").contains(c)
                || (!name.isEmpty && ("0"..."9").contains(c))
            guard ok else { throw error("group name must be ASCII letters, digits and '_' (this engine)") }
            name.unicodeScalars.append(c)
            index += 1
        }
        guard peek == ">", !name.isEmpty, name.count <= 32 else { throw error("invalid group name") }
        index += 1
        return name
    }

    // MARK: - Escapes

    private mutating func atomEscape() throws(RegexError) {
        guard let c = peek(1) else { throw error("\\ at end of pattern") }
        switch c {
        case "1"..."9":
            index += 1
            let n = try decimal()
            guard n <= captureCount else { throw error("backreference \\\(n) to a group that does not exist") }
            out += "\\g{\(n)}"
        case "k":
            index += 2
            guard peek == "<" else { throw error("\\k must be followed by <name>") }
            index += 1
            let name = try groupName()
            guard groupNames.contains(name) else { throw error("\\k<\(name)> names no group") }
            out += "\\k<\(name)>"
        case "d", "D", "w", "W":
            index += 2
            out += "\\" + String(c)
        case "s", "S":
            index += 2
            out += "[" + (c == "s" ? "" : "^") + ECMAWhitespace.classBody + "]"
        case "p", "P":
            out += try propertyEscape()
        default:
            let code = try characterEscape(inClass: false)
            emitLiteral(code)
        }
    }

    /// `\p{...}` or `\P{...}` at the current index, translated.
    private mutating func propertyEscape() throws(RegexError) -> String {
        let negated = peek(1) == "P"
        index += 2
        guard peek == "{" else { throw error("\\p must be followed by {property}") }
        index += 1
        var body = ""
        while let c = peek, c != "}" {
            body.unicodeScalars.append(c)
            index += 1
        }
        guard peek == "}" else { throw error("unterminated \\p{") }
        index += 1
        guard let translated = ECMAUnicodeProperty.pcre(body, negated: negated) else {
            throw error("unknown Unicode property \\p{\(body)}")
        }
        return translated
    }

    /// A character escape (after `\`), as a code point. Surrogates come back as themselves.
    private mutating func characterEscape(inClass: Bool) throws(RegexError) -> UInt32 {
        let c = peek(1)!
        index += 2
        switch c {
        case "t": return 9
        case "n": return 10
        case "v": return 11
        case "f": return 12
        case "r": return 13
        case "c":
            guard let letter = peek, ("a"..."z").contains(letter) || ("A"..."Z").contains(letter) else {
                throw error("\\c must be followed by a letter")
            }
            index += 1
            return letter.value % 32
        case "0":
            if let next = peek, ("0"..."9").contains(next) { throw error("octal escapes are not allowed") }
            return 0
        case "x":
            guard let value = hex(count: 2) else { throw error("\\x must be followed by two hex digits") }
            return value
        case "u":
            return try unicodeEscape()
        case "-" where inClass:
            return 0x2D
        case "^", "$", "\\", ".", "*", "+", "?", "(", ")", "[", "]", "{", "}", "|", "/":
            return c.value
        default:
            index -= 2
            throw error("invalid escape \\\(c)")
        }
    }

    private mutating func unicodeEscape() throws(RegexError) -> UInt32 {
        if peek == "{" {
            index += 1
            var value: UInt32 = 0
            var digits = 0
            while let c = peek, let d = ECMATranslator.hexValue(c) {
                value = min(value &* 16 &+ d, 0x110000)
                digits += 1
                index += 1
            }
            guard digits > 0, peek == "}", value <= 0x10FFFF else { throw error("invalid \\u{...} escape") }
            index += 1
            return value
        }
        guard let lead = hex(count: 4) else { throw error("\\u must be followed by four hex digits or {...}") }
        if (0xD800...0xDBFF).contains(lead), peek == "\\", peek(1) == "u" {
            let save = index
            index += 2
            if let trail = hex(count: 4), (0xDC00...0xDFFF).contains(trail) {
                return 0x10000 + ((lead - 0xD800) << 10) + (trail - 0xDC00)
            }
            index = save
        }
        return lead
    }

    private mutating func hex(count: Int) -> UInt32? {
        var value: UInt32 = 0
        for k in 0..<count {
            guard let c = peek(k), let d = ECMATranslator.hexValue(c) else { return nil }
            value = value * 16 + d
        }
        index += count
        return value
    }

    private static func hexValue(_ c: Unicode.Scalar) -> UInt32? {
        switch c {
        case "0"..."9": c.value - 48
        case "a"..."f": c.value - 87
        case "A"..."F": c.value - 55
        default: nil
        }
    }

    // MARK: - Character classes

    private enum ClassAtom {
        case character(UInt32)
        case set(String)
    }

    private mutating func characterClass() throws(RegexError) {
        let open = index
        index += 1
        let negated = peek == "^"
        if negated { index += 1 }
        var body = ""
        while true {
            guard let c = peek else {
                index = open
                throw error("unterminated character class")
            }
            if c == "]" { index += 1; break }
            let first = try classAtom()
            if peek == "-", let after = peek(1), after != "]" {
                index += 1
                let second = try classAtom()
                guard case .character(let low) = first, case .character(let high) = second else {
                    throw error("a class escape cannot bound a range")
                }
                guard low <= high else { throw error("range out of order in character class") }
                body += ECMATranslator.classRange(low, high)
            } else {
                switch first {
                case .character(let code): body += ECMATranslator.classRange(code, code)
                case .set(let text): body += text
                }
            }
        }
        if body.isEmpty {
            out += negated ? "[\\x{0}-\\x{10FFFF}]" : "(?!)"
        } else {
            out += (negated ? "[^" : "[") + body + "]"
        }
    }

    private mutating func classAtom() throws(RegexError) -> ClassAtom {
        let c = peek!
        guard c == "\\" else {
            index += 1
            return .character(c.value)
        }
        guard let e = peek(1) else { throw error("\\ at end of pattern") }
        switch e {
        case "b": index += 2; return .character(8)
        case "d", "D", "w", "W": index += 2; return .set("\\" + String(e))
        case "s": index += 2; return .set(ECMAWhitespace.classBody)
        case "S": index += 2; return .set(ECMAWhitespace.complementBody)
        case "p", "P":
            let translated = try propertyEscape()
            return .set(translated)
        default:
            return .character(try characterEscape(inClass: true))
        }
    }

    /// The class body for `low...high`, leaving out surrogates (they never occur in UTF-8 text).
    static func classRange(_ low: UInt32, _ high: UInt32) -> String {
        func one(_ a: UInt32, _ b: UInt32) -> String {
            a == b ? "\\x{\(String(a, radix: 16))}" : "\\x{\(String(a, radix: 16))}-\\x{\(String(b, radix: 16))}"
        }
        var parts = ""
        if low < 0xD800 { parts += one(low, min(high, 0xD7FF)) }
        if high > 0xDFFF { parts += one(max(low, 0xE000), high) }
        return parts
    }

    // MARK: - Output helpers

    private mutating func emitLiteral(_ code: UInt32) {
        if (0xD800...0xDFFF).contains(code) {
            out += "(?!)"   // a lone surrogate never occurs in UTF-8 text
        } else if (0x30...0x39).contains(code) || (0x41...0x5A).contains(code) || (0x61...0x7A).contains(code) {
            out.unicodeScalars.append(Unicode.Scalar(code)!)
        } else {
            out += "\\x{\(String(code, radix: 16))}"
        }
    }

    private var peek: Unicode.Scalar? { index < scalars.count ? scalars[index] : nil }
    private func peek(_ offset: Int) -> Unicode.Scalar? {
        index + offset < scalars.count ? scalars[index + offset] : nil
    }

    private func error(_ message: String) -> RegexError {
        RegexError(message: message, offset: index)
    }

    /// Counts capturing groups and collects group names (a pre-pass, for backreference checks).
    private static func scanGroups(_ s: [Unicode.Scalar]) -> (Int, Set<String>) {
        var count = 0
        var names: Set<String> = []
        var i = 0
        var inClass = false
        while i < s.count {
            let c = s[i]
            if c == "\\" { i += 2; continue }
            if inClass {
                if c == "]" { inClass = false }
            } else if c == "[" {
                inClass = true
            } else if c == "(" {
                if i + 1 < s.count, s[i + 1] == "?" {
                    if i + 2 < s.count, s[i + 2] == "<", i + 3 < s.count, s[i + 3] != "=", s[i + 3] != "!" {
                        count += 1
                        var name = ""
                        var j = i + 3
                        while j < s.count, s[j] != ">" { name.unicodeScalars.append(s[j]); j += 1 }
                        names.insert(name)
                    }
                } else {
                    count += 1
                }
            }
            i += 1
        }
        return (count, names)
    }
}
