/// ECMA-262's `\s`: WhiteSpace (tab, VT, FF, space, NBSP, ZWNBSP, Unicode Zs) and
/// LineTerminator (LF, CR, LS, PS), as PCRE2 class bodies.
enum ECMAWhitespace {
    /// The ranges `\s` matches, sorted and disjoint.
    static let ranges: [ClosedRange<UInt32>] = [
        0x09...0x0D, 0x20...0x20, 0xA0...0xA0, 0x1680...0x1680, 0x2000...0x200A,
        0x2028...0x2029, 0x202F...0x202F, 0x205F...0x205F, 0x3000...0x3000, 0xFEFF...0xFEFF,
    ]

    /// What goes between `[` and `]` for `\s`.
    static let classBody: String = ranges.map { ECMATranslator.classRange($0.lowerBound, $0.upperBound) }.joined()

    /// What goes between `[` and `]` for `\S` (every code point but those of `\s`, surrogates excluded).
    static let complementBody: String = {
        var body = ""
        var next: UInt32 = 0
        for range in ranges {
            if range.lowerBound > next { body += ECMATranslator.classRange(next, range.lowerBound - 1) }
            next = range.upperBound + 1
        }
        body += ECMATranslator.classRange(next, 0x10FFFF)
        return body
    }()
}
