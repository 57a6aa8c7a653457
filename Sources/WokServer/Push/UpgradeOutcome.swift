import NIOConcurrencyHelpers
import NIOCore

/// The result of a connection's upgrade future, handed to the connection's Swift task without a
/// round trip through the event loop.
///
/// `EventLoopFuture.get()` called from a task registers its callback with `eventLoop.execute`
/// (off the loop: a lock and a selector wake-up), then resumes the task from the loop. Here the
/// callback is registered once on the loop when the channel is set up; the task reads the result
/// under a lock and suspends only if the upgrade has not finished yet (on a connection storm it
/// usually has, since Hummingbird starts the task after the request is read). Not generic, so
/// that it costs no generic metadata lookups per connection.
final class UpgradeOutcome: @unchecked Sendable {
    typealias Value = PushUpgradeChannel.UpgradeResult

    private let lock = NIOLock()
    // Guarded by `lock`.
    private var result: Result<Value, any Error>?
    private var waiter: UnsafeContinuation<Value, any Error>?

    /// Call on `future`'s event loop.
    init(_ future: EventLoopFuture<Value>) {
        future.whenComplete { self.complete($0) }
    }

    private func complete(_ result: Result<Value, any Error>) {
        let waiter = lock.withLock { () -> UnsafeContinuation<Value, any Error>? in
            self.result = result
            defer { self.waiter = nil }
            return self.waiter
        }
        waiter?.resume(with: result)
    }

    /// The future's result, once it has one.
    func get() async throws -> Value {
        if let done = lock.withLock({ result }) { return try done.get() }
        return try await withUnsafeThrowingContinuation { continuation in
            let done = lock.withLock { () -> Result<Value, any Error>? in
                if let result { return result }
                waiter = continuation
                return nil
            }
            if let done { continuation.resume(with: done) }
        }
    }
}
