import PostgresNIO
import WokRouterCore

/// Bounds how long a connection may leave work unanswered.
///
/// postgres-nio can leave a query waiting forever when its connection closes at the moment the
/// query is written (the write never reaches the handler that would fail it). `within` therefore
/// does not wait for `body` past `timeout`: it throws `TimedOut`, closes the connection, and
/// leaves `body` behind.
enum PostgresAnswer {
    /// `body` ran past its bound.
    struct TimedOut: Error, CustomStringConvertible {
        var timeout: Duration
        var description: String { "no answer from PostgreSQL within \(timeout)" }
    }

    /// The result of `body(connection)`, or `TimedOut` after `timeout`.
    ///
    /// The bound is a timer on the connection's event loop, cancelled as soon as `body` ends:
    /// a statement that answers leaves nothing behind (a sleeping task per statement, holding the
    /// connection for the whole bound, would pile up under load: one per commit and per read).
    static func within<T: Sendable>(_ timeout: Duration, on connection: PostgresConnection,
                                    _ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        let pending = Locked<CheckedContinuation<Result<T, any Error>, Never>?>(nil)
        let work = Locked<Task<Void, Never>?>(nil)
        let result = await withCheckedContinuation { (continuation: CheckedContinuation<Result<T, any Error>, Never>) in
            pending.withLock { $0 = continuation }
            let bound = connection.eventLoop.scheduleTask(in: TimeAmount(timeout)) {
                guard let waiting = pending.withLock({ $0.take() }) else { return }
                waiting.resume(returning: .failure(TimedOut(timeout: timeout)))
                work.withLock { $0 }?.cancel()
                connection.close().whenComplete { _ in _ = connection }
            }
            let task = Task {
                let outcome: Result<T, any Error>
                do { outcome = .success(try await body(connection)) } catch { outcome = .failure(error) }
                bound.cancel()
                pending.withLock { $0.take() }?.resume(returning: outcome)
            }
            work.withLock { $0 = task }
        }
        return try result.get()
    }
}
