#if canImport(Glibc)
import Glibc
#endif

/// Unbuffered writes to standard output (1) and standard error (2).
enum StandardStream {
    /// Writes all of `bytes` to `fd`, retrying short writes and interruptions.
    static func write(_ bytes: [UInt8], to fd: Int32) {
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    return
                }
                offset += n
            }
        }
    }
}
