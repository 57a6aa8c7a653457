import CJansson
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs recursive work (compiling deeply nested schemas) on a thread with a large stack, so
/// that the configured depth bounds, not the caller's thread (a Swift concurrency thread has
/// a small stack), decide how deep a schema may go.
enum LargeStack {
    /// The stack size of the compiling thread; memory is committed only as it is used.
    static let size = 64 << 20

    private final class Job {
        let body: () -> Void
        init(_ body: @escaping () -> Void) { self.body = body }
    }

    /// Runs `body` on a fresh thread with `size` bytes of stack and waits for it; runs it
    /// in place if such a thread cannot be created.
    static func run<T>(_ body: () -> T) -> T {
        withoutActuallyEscaping(body) { body in
            var result: T?
            let job = Job { result = body() }
            var attributes = pthread_attr_t()
            pthread_attr_init(&attributes)
            defer { pthread_attr_destroy(&attributes) }
            pthread_attr_setstacksize(&attributes, size)
            let context = Unmanaged.passRetained(job).toOpaque()
            #if canImport(Glibc)
            var thread = pthread_t()
            #else
            var thread: pthread_t?
            #endif
            let created = pthread_create(&thread, &attributes, { context in
                let job = Unmanaged<Job>.fromOpaque(context!).takeRetainedValue()
                job.body()
                return nil
            }, context)
            if created != 0 {
                Unmanaged<Job>.fromOpaque(context).release()
                return body()
            }
            #if canImport(Glibc)
            pthread_join(thread, nil)
            #else
            pthread_join(thread!, nil)
            #endif
            return result!
        }
    }
}
