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
    static func within<T: Sendable>(_ timeout: Duration, on connection: PostgresConnection,
                                    _ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        let pending = Locked<CheckedContinuation<Result<T, any Error>, Never>?>(nil)
        let result = await withCheckedContinuation { (continuation: CheckedContinuation<Result<T, any Error>, Never>) in
            pending.withLock { $0 = continuation }
            let work = Task {
                let outcome: Result<T, any Error>
                do { outcome = .success(try await body(connection)) } catch { outcome = .failure(error) }
                pending.withLock { $0.take() }?.resume(returning: outcome)
            }
            Task {
                guard (try? await Task.sleep(for: timeout)) != nil else { return }
                guard let waiting = pending.withLock({ $0.take() }) else { return }
                waiting.resume(returning: .failure(TimedOut(timeout: timeout)))
                work.cancel()
                connection.close().whenComplete { _ in _ = connection }
            }
        }
        return try result.get()
    }
}
