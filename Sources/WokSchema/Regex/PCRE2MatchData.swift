#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CPCRE2

/// Per-thread PCRE2 match resources, reused by every search on that thread, so that a search
/// allocates nothing: a match data block (one ovector pair serves every pattern, since searches
/// only ask whether there is a match) and a JIT stack.
enum PCRE2MatchData {
    /// The most JIT stack one thread's searches may use. Reserved as virtual memory, committed
    /// only as deep backtracking needs it; beyond it a search falls back to the interpreter
    /// (bounded by `ECMARegex.heapLimitKiB`), then reports `.limitExceeded`.
    static let maxJITStackBytes = 16 << 20

    private static let matchDataKey: pthread_key_t = makeKey { pcre2_match_data_free_8(OpaquePointer($0)) }
    private static let jitStackKey: pthread_key_t = makeKey { pcre2_jit_stack_free_8(OpaquePointer($0)) }

    private static func makeKey(_ destructor: @convention(c) (UnsafeMutableRawPointer?) -> Void) -> pthread_key_t {
        var key = pthread_key_t()
        let status = pthread_key_create(&key, destructor)
        precondition(status == 0, "pthread_key_create failed")
        return key
    }

    /// This thread's match data block.
    static var current: OpaquePointer {
        if let block = pthread_getspecific(matchDataKey) { return OpaquePointer(block) }
        let block = pcre2_match_data_create_8(1, nil)!
        pthread_setspecific(matchDataKey, UnsafeRawPointer(block))
        return block
    }

    /// This thread's JIT stack (nil if it cannot be made: PCRE2 then uses its small default).
    static var jitStack: OpaquePointer? {
        if let stack = pthread_getspecific(jitStackKey) { return OpaquePointer(stack) }
        guard let stack = pcre2_jit_stack_create_8(32 << 10, maxJITStackBytes, nil) else { return nil }
        pthread_setspecific(jitStackKey, UnsafeRawPointer(stack))
        return stack
    }

    /// The callback PCRE2 calls at each JIT search for the stack to use: this thread's.
    static let jitStackCallback: @convention(c) (UnsafeMutableRawPointer?) -> OpaquePointer? = { _ in
        PCRE2MatchData.jitStack
    }
}
