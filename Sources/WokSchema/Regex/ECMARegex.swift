import CPCRE2

/// An ECMA-262 regular expression (Unicode mode), translated to PCRE2, with a bounded cost per match.
///
/// `\d`, `\w` and `\b` are ASCII-only, `\s` is ECMA's whitespace, `.` stops at line terminators,
/// `$` matches only at the very end, `\p{...}` takes ECMA's property names. Patterns ECMA-262
/// refuses (inline flags `(?i)`, possessive quantifiers, `\Z`, `\a`, atomic groups...) are
/// refused here too. Each search stops with `.limitExceeded` once it has backtracked
/// `matchLimit` times, so a catastrophic pattern cannot hang a caller.
///
/// Compiled once, then safe to search from any number of threads at the same time.
public final class ECMARegex: @unchecked Sendable {
    /// The pattern as written in the schema.
    public let pattern: String
    /// The PCRE2 pattern it was translated to.
    let translated: String
    private let code: OpaquePointer
    private let matchContext: OpaquePointer
    /// Whether PCRE2 compiled the pattern to machine code (then searches use its fast entry point).
    private let jitCompiled: Bool

    /// The outcome of one search.
    public enum Outcome: Sendable { case match, noMatch, limitExceeded }

    /// The heap PCRE2 may use per search, in KiB (backtracking frames of the interpreter).
    static let heapLimitKiB: UInt32 = 20_480

    /// Compiles `pattern`; `matchLimit` bounds backtracking per search.
    /// - Throws: `RegexError` when the pattern is not valid ECMA-262, or uses what PCRE2
    ///   cannot run (a lookbehind that is not of fixed length).
    public init(_ pattern: String, matchLimit: UInt32 = 1_000_000) throws(RegexError) {
        self.pattern = pattern
        let translation = try ECMATranslator.translate(pattern)
        translated = translation.pcre
        code = try ECMARegex.compile(translated).get()
        jitCompiled = pcre2_jit_compile_8(code, UInt32(PCRE2_JIT_COMPLETE)) == 0
        matchContext = pcre2_match_context_create_8(nil)
        pcre2_set_match_limit_8(matchContext, matchLimit)
        pcre2_set_depth_limit_8(matchContext, min(matchLimit, 100_000))
        pcre2_set_heap_limit_8(matchContext, ECMARegex.heapLimitKiB)
        if jitCompiled { pcre2_jit_stack_assign_8(matchContext, PCRE2MatchData.jitStackCallback, nil) }
    }

    deinit {
        pcre2_match_context_free_8(matchContext)
        pcre2_code_free_8(code)
    }

    /// Whether `pattern` is valid ECMA-262 (Unicode mode), whether or not PCRE2 can run it.
    /// This is what the `regex` format checks.
    public static func isValidSyntax(_ pattern: String) -> Bool {
        guard let translation = try? ECMATranslator.translate(pattern) else { return false }
        switch compile(translation.pcre) {
        case .success(let code):
            pcre2_code_free_8(code)
            return true
        case .failure(let error):
            // ECMA-262 allows variable-width lookbehind, which PCRE2 10.42 cannot compile.
            return translation.hasLookbehind && error.message.contains("lookbehind")
        }
    }

    /// Compiles a translated pattern (no JIT).
    private static func compile(_ translated: String) -> Result<OpaquePointer, RegexError> {
        var errorCode: Int32 = 0
        var errorOffset = 0
        let options = UInt32(PCRE2_UTF | PCRE2_DOLLAR_ENDONLY | PCRE2_MATCH_UNSET_BACKREF | PCRE2_NO_UTF_CHECK)
        let compiled = translated.utf8CString.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: UInt8.self) { bytes in
                pcre2_compile_8(bytes.baseAddress, bytes.count - 1, options, &errorCode, &errorOffset, nil)
            }
        }
        guard let compiled else { return .failure(RegexError(message: message(for: errorCode), offset: nil)) }
        return .success(compiled)
    }

    /// Searches `text` (unanchored, as JSON Schema's `pattern` does).
    public func search(_ text: String) -> Outcome {
        var text = text
        return text.withUTF8 { search(validUTF8: $0) }
    }

    /// Searches UTF-8 `bytes` (unanchored). Invalid UTF-8 never matches.
    public func search(utf8 bytes: UnsafeBufferPointer<UInt8>) -> Outcome {
        run(bytes, options: 0)
    }

    /// Searches bytes the caller guarantees to be valid UTF-8 (a Swift `String`, a parsed JSON string).
    public func search(validUTF8 bytes: UnsafeBufferPointer<UInt8>) -> Outcome {
        run(bytes, options: UInt32(PCRE2_NO_UTF_CHECK))
    }

    private func run(_ bytes: UnsafeBufferPointer<UInt8>, options: UInt32) -> Outcome {
        let matchData = PCRE2MatchData.current
        let base = bytes.baseAddress ?? UnsafePointer(ECMARegex.empty)
        var rc: Int32
        if jitCompiled && options & UInt32(PCRE2_NO_UTF_CHECK) != 0 {
            // The JIT entry point skips the checks the caller vouched for (valid UTF-8).
            rc = pcre2_jit_match_8(code, base, bytes.count, 0, 0, matchData, matchContext)
        } else {
            rc = pcre2_match_8(code, base, bytes.count, 0, options, matchData, matchContext)
        }
        if rc == PCRE2_ERROR_JIT_STACKLIMIT {
            // Deep backtracking over a long text: the interpreter keeps its frames on the heap.
            rc = pcre2_match_8(code, base, bytes.count, 0, options | UInt32(PCRE2_NO_JIT), matchData, matchContext)
        }
        if rc >= 0 { return .match }
        if rc == PCRE2_ERROR_NOMATCH { return .noMatch }
        if rc <= PCRE2_ERROR_UTF8_ERR1 && rc >= PCRE2_ERROR_UTF8_ERR21 { return .noMatch }
        return .limitExceeded
    }

    private nonisolated(unsafe) static let empty: UnsafeMutablePointer<UInt8> = {
        let p = UnsafeMutablePointer<UInt8>.allocate(capacity: 1)
        p.pointee = 0
        return p
    }()

    private static func message(for code: Int32) -> String {
        var buffer = [UInt8](repeating: 0, count: 256)
        let n = pcre2_get_error_message_8(code, &buffer, buffer.count)
        return n > 0 ? String(decoding: buffer.prefix(Int(n)), as: UTF8.self) : "PCRE2 error \(code)"
    }
}

/// Why a pattern is not a valid ECMA-262 regular expression.
public struct RegexError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong, for a person.
    public let message: String
    /// 0-based offset in the pattern (in Unicode scalars), where known.
    public let offset: Int?
    public init(message: String, offset: Int? = nil) { self.message = message; self.offset = offset }
    public var description: String { offset.map { "\(message) at offset \($0)" } ?? message }
}
