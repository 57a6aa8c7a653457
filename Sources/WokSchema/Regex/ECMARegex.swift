/// An ECMA-262 regular expression, translated to PCRE2, with a bounded cost per match.
///
/// TODO(regex): translate ECMA-262 syntax (\d ASCII-only, \w, \s per ECMA, \p{...} with u,
/// $ at end only, etc.) and enforce the match limit.
public final class ECMARegex: @unchecked Sendable {
    /// The pattern as written in the schema.
    public let pattern: String

    /// The outcome of one search.
    public enum Outcome: Sendable { case match, noMatch, limitExceeded }

    /// Compiles `pattern`; `matchLimit` bounds backtracking per search.
    /// - Throws: `RegexError` when the pattern is not valid ECMA-262.
    public init(_ pattern: String, matchLimit: UInt32 = 1_000_000) throws(RegexError) {
        self.pattern = pattern
    }

    /// Searches `text` (unanchored, as JSON Schema's `pattern` does).
    public func search(_ text: String) -> Outcome { .match }
}

/// Why a pattern is not a valid ECMA-262 regular expression.
public struct RegexError: Error, Sendable, Hashable, CustomStringConvertible {
    public let message: String
    /// 0-based offset in the pattern, where known.
    public let offset: Int?
    public init(message: String, offset: Int? = nil) { self.message = message; self.offset = offset }
    public var description: String { offset.map { "\(message) at offset \($0)" } ?? message }
}
