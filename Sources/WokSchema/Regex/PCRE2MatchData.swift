#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CPCRE2

/// One PCRE2 match data block per thread, reused by every search on that thread: a search then
/// allocates nothing. A block with one ovector pair serves every pattern, since searches only
/// ask whether there is a match.
enum PCRE2MatchData {
    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        let status = pthread_key_create(&key) { block in
            pcre2_match_data_free_8(OpaquePointer(block))
        }
        precondition(status == 0, "pthread_key_create failed")
        return key
    }()

    /// This thread's match data block.
    static var current: OpaquePointer {
        if let block = pthread_getspecific(key) { return OpaquePointer(block) }
        let block = pcre2_match_data_create_8(1, nil)!
        pthread_setspecific(key, UnsafeRawPointer(block))
        return block
    }
}
